//! Invoices: the list with a form for a new one, and one invoice as a
//! clean, printable document with its status actions.

use crate::catalog::Catalog;
use crate::components::feedback::{use_toasts, ConfirmDialog};
use crate::components::forms::{redirect_if_signed_out, reload_to};
use crate::components::layout::{with_catalog, EntriesVersion, ManagersOnly, WriteArea};
use crate::components::loaded::load;
use crate::components::pickers::client_options;
use crate::error::AppError;
use crate::invoices::{
    create_invoice, delete_invoice, get_invoice, list_invoices, set_invoice_status, Invoice,
    InvoiceInput, InvoiceStatus,
};
use crate::periods::money;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

fn status_badge(s: InvoiceStatus) -> impl IntoView {
    let class = match s {
        InvoiceStatus::Draft => "badge",
        InvoiceStatus::Sent => "badge badge-accent",
        InvoiceStatus::Paid => "badge badge-success",
    };
    view! { <span class=class>{s.label()}</span> }
}

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let input = RwSignal::new(InvoiceInput::default());
    let create = Action::new(|i: &InvoiceInput| {
        let i = i.clone();
        async move { create_invoice(i).await }
    });
    let list = load(move || create.version().get(), |_| list_invoices());
    Effect::new(move |_| match create.value().get() {
        Some(Ok(inv)) => reload_to(&format!("/invoices/{}", inv.id)),
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    let err = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let field = move |n: &'static str| move || err.get().and_then(|e| e.field_message(n));
    let form_err = move || {
        err.get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    };
    let set = move |f: fn(&mut InvoiceInput, String)| {
        move |ev: leptos::ev::Event| input.update(|i| f(i, event_target_value(&ev)))
    };
    // What was typed before the page became interactive counts: these
    // fields are not driven by the form state, so their text is read once.
    let (from_ref, to_ref, tax_ref) = (NodeRef::new(), NodeRef::new(), NodeRef::new());
    let notes_ref = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        let typed = |r: NodeRef<leptos::html::Input>| {
            r.get().map(|el| el.value()).filter(|v| !v.is_empty())
        };
        let notes = notes_ref
            .get()
            .map(|el| el.value())
            .filter(|v| !v.is_empty());
        let (from, to, tax) = (typed(from_ref), typed(to_ref), typed(tax_ref));
        if from.is_some() || to.is_some() || tax.is_some() || notes.is_some() {
            input.update(|i| {
                i.from = from.unwrap_or(std::mem::take(&mut i.from));
                i.to = to.unwrap_or(std::mem::take(&mut i.to));
                i.tax_rate = tax.unwrap_or(std::mem::take(&mut i.tax_rate));
                i.notes = notes.unwrap_or(std::mem::take(&mut i.notes));
            });
        }
    });
    let live = crate::components::forms::interactive();
    view! {
        <div class="page-header">
            <h1>"Invoices"</h1>
            <p class="lead">"Bill a client for its billable time that is not yet invoiced: one line per project, with tax and notes."</p>
        </div>
        <ManagersOnly>
        <section class="card no-print">
            <h2>"New invoice"</h2>
            <WriteArea><form class="form form-grid" on:submit=move |ev| { ev.prevent_default(); create.dispatch(input.get_untracked()); }>
                <div class="field" class:field-invalid=move || field("client_id")().is_some()>
                    <label for="invoice-client">"Client"</label>
                    {with_catalog(move |c: Catalog| view! {
                        <select id="invoice-client" class="select" required=true on:change=move |ev| input.update(|i| i.client_id = event_target_value(&ev).parse().ok())>
                            <option value="">"Choose a client"</option>
                            {client_options(c.clients, move |cid| input.with(|i| i.client_id == Some(cid)))}
                        </select>
                    })}
                    <p class="field-error" role="alert">{field("client_id")}</p>
                </div>
                <div class="field" class:field-invalid=move || field("from")().is_some()>
                    <label for="invoice-from">"From"</label>
                    <input id="invoice-from" node_ref=from_ref type="date" required=true on:change=set(|i, v| i.from = v)/>
                    <p class="field-error" role="alert">{field("from")}</p>
                </div>
                <div class="field" class:field-invalid=move || field("to")().is_some()>
                    <label for="invoice-to">"To"</label>
                    <input id="invoice-to" node_ref=to_ref type="date" required=true on:change=set(|i, v| i.to = v)/>
                    <p class="field-error" role="alert">{field("to")}</p>
                </div>
                <div class="field" class:field-invalid=move || field("tax_rate")().is_some()>
                    <label for="invoice-tax">"Tax rate (%)"</label>
                    <input id="invoice-tax" node_ref=tax_ref inputmode="decimal" placeholder="0" on:input=set(|i, v| i.tax_rate = v)/>
                    <p class="field-error" role="alert">{field("tax_rate")}</p>
                </div>
                <div class="field field-wide" class:field-invalid=move || field("notes")().is_some()>
                    <label for="invoice-notes">"Notes"</label>
                    <textarea id="invoice-notes" node_ref=notes_ref rows="2" maxlength="4000" on:input=set(|i, v| i.notes = v)></textarea>
                    <p class="field-error" role="alert">{field("notes")}</p>
                </div>
                <p class="form-error" role="alert">{form_err}</p>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get() || !live.get()>{move || if create.pending().get() { "Creating…" } else { "Create draft invoice" }}</button>
                </div>
            </form></WriteArea>
        </section>
        </ManagersOnly>
        <section class="card">
            <h2>"All invoices"</h2>
            <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                {move || list.get().map(|r| match r {
                    // Members bill nothing: say who does, not an error.
                    Err(AppError::Forbidden(_)) => view! { <p class="empty">"The workspace's owners and admins make and see invoices. Your time goes onto them as you track it."</p> }.into_any(),
                    Err(e) => { redirect_if_signed_out(&e); view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any() }
                    Ok(items) if items.is_empty() => view! { <p class="empty">"No invoices yet. Create the first one above."</p> }.into_any(),
                    Ok(items) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr>
                                    <th scope="col">"Number"</th><th scope="col">"Client"</th><th scope="col">"Period"</th>
                                    <th scope="col" class="num">"Total"</th><th scope="col">"Status"</th>
                                </tr></thead>
                                <tbody>
                                    {items.into_iter().map(|i| view! {
                                        <tr>
                                            <td><A href=format!("/invoices/{}", i.id)>{i.number.clone()}</A></td>
                                            <td>{i.client_name.clone()}</td>
                                            <td class="num">{format!("{} – {}", i.period_from, i.period_to)}</td>
                                            <td class="amount num">{format!("{} {}", money(i.total_cents), i.currency)}</td>
                                            <td>{status_badge(i.status)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn InvoicePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let version = expect_context::<EntriesVersion>().0;
    let toasts = use_toasts();
    let status = Action::new(|(id, s): &(Uuid, InvoiceStatus)| {
        let (id, s) = (*id, *s);
        async move { set_invoice_status(id, s).await }
    });
    let delete = Action::new(|id: &Uuid| {
        let id = *id;
        async move { delete_invoice(id).await }
    });
    let invoice = load(
        move || (id(), status.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_invoice(id).await,
                None => Err(AppError::NotFound("The invoice was not found.".into())),
            }
        },
    );
    Effect::new(move |_| match status.value().get() {
        Some(Ok(i)) => {
            version.update(|v| *v += 1);
            toasts.show(
                format!(
                    "{} marked {}.",
                    i.number,
                    i.status.label().to_ascii_lowercase()
                ),
                None,
            );
        }
        Some(Err(e)) => toasts.show(e.to_string(), None),
        None => {}
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => reload_to("/invoices"),
        Some(Err(e)) => toasts.show(e.to_string(), None),
        None => {}
    });
    let confirm = RwSignal::new(false);
    view! {
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || invoice.get().map(|r| match r {
                Err(e) => { redirect_if_signed_out(&e); view! { <h1>"Invoice"</h1><p class="form-error" role="alert">{e.to_string()}</p> }.into_any() }
                Ok(inv) => {
                    let inv_id = inv.id;
                    let next = inv.status.next();
                    let draft = inv.status == InvoiceStatus::Draft;
                    view! {
                        <Title text=inv.number.clone()/>
                        <div class="page-header page-header-actions no-print">
                            <div>
                                <h1>{format!("Invoice {}", inv.number)}</h1>
                                <p class="lead">{status_badge(inv.status)}" "{format!("{} entries · created {}", inv.entry_count, inv.created_at.format("%-d %b %Y"))}</p>
                            </div>
                            <div class="actions">
                                <A href="/invoices" attr:class="btn btn-secondary">"All invoices"</A>
                                <a class="btn btn-secondary" href=format!("/exports/invoices/{inv_id}") download="">"Download PDF"</a>
                                <button type="button" class="btn btn-secondary" on:click=move |_| { let _ = window().print(); }>"Print"</button>
                                <WriteArea compact=true>
                                {next.map(|n| view! {
                                    <button type="button" class="btn btn-primary" disabled=move || status.pending().get() on:click=move |_| { status.dispatch((inv_id, n)); }>
                                        {format!("Mark as {}", n.label().to_ascii_lowercase())}
                                    </button>
                                })}
                                {draft.then(|| view! {
                                    <button type="button" class="btn btn-danger" on:click=move |_| confirm.set(true)>"Delete draft"</button>
                                })}
                                </WriteArea>
                            </div>
                        </div>
                        <InvoiceDocument inv=inv.clone()/>
                        <ConfirmDialog
                            id="delete-invoice"
                            open=confirm
                            title=format!("Delete draft {}?", inv.number)
                            message="The draft is removed and its time entries become available for a new invoice."
                            confirm_label="Delete draft"
                            on_confirm=Callback::new(move |_| { delete.dispatch(inv_id); })
                        />
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn InvoiceDocument(inv: Invoice) -> impl IntoView {
    let cur = inv.currency.clone();
    let m = move |c: i64| format!("{} {}", money(c), cur);
    view! {
        <article class="card invoice" aria-label=format!("Invoice {}", inv.number)>
            <header class="invoice-head">
                <div>
                    <p class="invoice-from">{inv.workspace_name.clone()}</p>
                    <h2 class="invoice-title">{format!("Invoice {}", inv.number)}</h2>
                </div>
                <dl class="invoice-meta">
                    <div><dt>"Bill to"</dt><dd>{inv.client_name.clone()}</dd></div>
                    <div><dt>"Period"</dt><dd class="num">{format!("{} – {}", inv.period_from.format("%-d %b %Y"), inv.period_to.format("%-d %b %Y"))}</dd></div>
                    <div><dt>"Date"</dt><dd class="num">{inv.created_at.format("%-d %b %Y").to_string()}</dd></div>
                    <div><dt>"Status"</dt><dd>{inv.status.label()}</dd></div>
                </dl>
            </header>
            <table class="table invoice-lines">
                <thead><tr>
                    <th scope="col">"Project"</th><th scope="col" class="num">"Hours"</th>
                    <th scope="col" class="num">"Rate"</th><th scope="col" class="num">"Amount"</th>
                </tr></thead>
                <tbody>
                    {inv.lines.iter().map(|l| view! {
                        <tr>
                            <td>{l.project_name.clone()}</td>
                            <td class="num">{l.hours()}</td>
                            <td class="num">{m(l.rate_cents)}</td>
                            <td class="num amount">{m(l.amount_cents)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    <tr><th scope="row" colspan="3" class="num">"Subtotal"</th><td class="num amount">{m(inv.subtotal_cents)}</td></tr>
                    <tr><th scope="row" colspan="3" class="num">{format!("Tax ({} %)", inv.tax_rate)}</th><td class="num amount">{m(inv.tax_cents)}</td></tr>
                    <tr class="invoice-total"><th scope="row" colspan="3" class="num">"Total"</th><td class="num amount">{m(inv.total_cents)}</td></tr>
                </tfoot>
            </table>
            {(!inv.notes.is_empty()).then(|| view! { <p class="invoice-notes">{inv.notes.clone()}</p> })}
        </article>
    }
}
