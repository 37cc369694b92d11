//! Workspace settings (General, Members, Plan & billing, Data) and the page
//! for creating a new workspace.

use crate::components::feedback::{use_toasts, Ask, AskDialog};
use crate::components::forms::{
    action_error, redirect_if_signed_out, reload_to, Field, FormError, Submit,
};
use crate::components::layout::{use_me, with_me, WriteArea};
use crate::components::loaded::load;
use crate::error::AppError;
use crate::types::{BillingStatus, Member, Plan, Role};
use crate::workspaces::{
    list_members, remove_member, AddMember, ChangeMemberRole, ChangePlan, CreateWorkspace,
    RenameWorkspace, UpdateRates, COMMON_CURRENCIES,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

#[component]
fn Tabs() -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <A href=href exact=true attr:class="tab">{label}</A> }
    };
    view! {
        <nav class="tabs" aria-label="Workspace settings">
            {tab("/settings/workspace", "General")}
            {tab("/settings/workspace/members", "Members")}
            {tab("/settings/workspace/plan", "Plan & billing")}
            {tab("/settings/workspace/api", "API tokens")}
            {tab("/settings/workspace/data", "Data")}
        </nav>
    }
}

#[component]
pub(crate) fn Header() -> impl IntoView {
    view! {
        <div class="page-header">
            <h1>"Workspace settings"</h1>
            <p class="lead">"Name, members, plan, API tokens and data of the workspace you are in."</p>
        </div>
        <Tabs/>
    }
}

#[component]
pub fn GeneralPage() -> impl IntoView {
    let me = use_me().0;
    let rename = ServerAction::<RenameWorkspace>::new();
    let error = action_error(rename);
    Effect::new(move |_| {
        if let Some(r) = rename.value().get() {
            match r {
                Ok(()) => me.refetch(),
                Err(e) => redirect_if_signed_out(&e),
            }
        }
    });
    view! {
        <Header/>
        {with_me(move |me| {
            let ws = me.current.clone();
            let name = Signal::derive({ let n = ws.name.clone(); move || n.clone() });
            view! {
                <section class="card" aria-labelledby="general-heading">
                    <h2 id="general-heading">"General"</h2>
                    <Show when=move || ws.role.can_manage() fallback=move || view! {
                        <p>"Only owners and admins can rename this workspace."</p>
                    }>
                        <WriteArea><ActionForm action=rename attr:class="form form-inline">
                            <FormError error/>
                            <Field label="Workspace name" name="name" value=name required=true error/>
                            <Submit label="Save" busy_label="Saving…" pending=rename.pending().into()/>
                            <p class="form-success" role="status">{move || matches!(rename.value().get(), Some(Ok(()))).then_some("Saved.")}</p>
                        </ActionForm></WriteArea>
                    </Show>
                </section>
                <RatesCard ws=me.current.clone()/>
            }
        })}
    }
}

#[component]
fn RatesCard(ws: crate::types::WorkspaceSummary) -> impl IntoView {
    let me = use_me().0;
    let rates = ServerAction::<UpdateRates>::new();
    let error = action_error(rates);
    Effect::new(move |_| {
        if let Some(r) = rates.value().get() {
            match r {
                Ok(()) => me.refetch(),
                Err(e) => redirect_if_signed_out(&e),
            }
        }
    });
    let currency = Signal::derive({
        let c = ws.currency.clone();
        move || c.clone()
    });
    let rate = Signal::derive({
        let r = ws
            .default_rate_cents
            .map(|c| format!("{}.{:02}", c / 100, c % 100))
            .unwrap_or_default();
        move || r.clone()
    });
    view! {
        <section class="card" aria-labelledby="rates-heading">
            <h2 id="rates-heading">"Rates and currency"</h2>
            <p class="muted">"Amounts in reports and invoices use this currency. Projects without their own hourly rate use the default rate."</p>
            <Show when=move || ws.role.can_manage() fallback=|| view! { <p>"Only owners and admins can change rates."</p> }>
                <WriteArea><ActionForm action=rates attr:class="form form-inline">
                    <FormError error/>
                    <Field label="Currency" name="currency" value=currency required=true list="currency-list" hint="A three-letter code such as USD or EUR." error/>
                    <datalist id="currency-list">
                        {COMMON_CURRENCIES.iter().map(|c| view! { <option value=*c></option> }).collect_view()}
                    </datalist>
                    <Field label="Default hourly rate" name="default_rate" value=rate hint="Empty means no default rate." error/>
                    <Submit label="Save rates" busy_label="Saving…" pending=rates.pending().into()/>
                    <p class="form-success" role="status">{move || matches!(rates.value().get(), Some(Ok(()))).then_some("Saved.")}</p>
                </ActionForm></WriteArea>
            </Show>
        </section>
    }
}

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    let error = action_error(create);
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => reload_to("/settings/workspace"),
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    view! {
        <div class="page-header">
            <h1>"New workspace"</h1>
            <p class="lead">"A workspace keeps its own clients, projects, time and members. You will be its owner."</p>
        </div>
        <section class="card">
            <ActionForm action=create attr:class="form">
                <FormError error/>
                <Field label="Workspace name" name="name" required=true error/>
                <Submit label="Create workspace" busy_label="Creating…" pending=create.pending().into()/>
            </ActionForm>
        </section>
    }
}

/// What a role may do, said where a role is given.
fn role_means(role: Role) -> &'static str {
    match role {
        Role::Owner => {
            "Owners can do everything, including changing the plan and removing other owners."
        }
        Role::Admin => {
            "Admins manage members, clients, projects, tags and invoices, and see everyone's time."
        }
        Role::Member => "Members track their own time and see only their own entries and reports.",
    }
}

/// A form that asks before it submits: `ask` turns its fields (the
/// server function's arguments) into the question.
fn asked<T: FromFormData>(ev: &leptos::ev::SubmitEvent, ask: impl FnOnce(T)) {
    ev.prevent_default();
    if let Ok(args) = T::from_event(ev) {
        ask(args);
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = Action::new(|id: &uuid::Uuid| {
        let id = *id;
        async move { remove_member(id).await }
    });
    let members = load(
        move || {
            (
                add.version().get(),
                change.version().get(),
                remove.version().get(),
            )
        },
        |_| list_members(),
    );
    let add_error = action_error(add);
    let change_error = action_error(change);
    let remove_error = Signal::derive(move || remove.value().get().and_then(|r| r.err()));
    let list_error = move || {
        change_error
            .get()
            .or_else(|| remove_error.get())
            .map(|e: AppError| e.to_string())
    };
    let ask = RwSignal::new(None::<Ask>);
    // The toast the running action earns when it succeeds.
    let done = StoredValue::new(String::new());
    let toasts = use_toasts();
    let left = StoredValue::new(false);
    let succeeded = move |ok: bool| {
        if ok {
            toasts.show(done.get_value(), None);
            if left.get_value() {
                reload_to("/");
            }
        }
    };
    Effect::new(move |_| succeeded(matches!(add.value().get(), Some(Ok(())))));
    Effect::new(move |_| succeeded(matches!(change.value().get(), Some(Ok(())))));
    Effect::new(move |_| succeeded(matches!(remove.value().get(), Some(Ok(())))));
    let form = NodeRef::<leptos::html::Form>::new();

    view! {
        <Header/>
        <AskDialog id="members-ask" ask/>
        {with_me(move |me| {
            let my_role = me.current.role;
            let my_id = me.user.id;
            let ws_name = me.current.name.clone();
            view! {
                <section class="card" aria-labelledby="members-heading">
                    <h2 id="members-heading">"Members"</h2>
                    <p class="form-error" role="alert">{list_error}</p>
                    <Transition fallback=|| view! { <div class="skeleton skeleton-table"></div> }>
                        {move || members.get().map(|r| match r {
                            Ok(list) => view! { <MemberTable list my_role my_id ws_name=ws_name.clone() change remove ask done left/> }.into_any(),
                            Err(e) => { redirect_if_signed_out(&e); view! { <p role="alert">{e.to_string()}</p> }.into_any() }
                        })}
                    </Transition>
                </section>
                <Show when=move || my_role.can_manage()>
                    <section class="card" aria-labelledby="add-heading">
                        <h2 id="add-heading">"Add a member"</h2>
                        <p class="muted">"Add someone who already has a Timether account, by the email they sign in with."</p>
                        <WriteArea><form node_ref=form class="form form-inline" method="post" action=AddMember::url()
                            on:submit=move |ev| asked(&ev, |a: AddMember| {
                                let email = a.email.trim().to_string();
                                let role = a.role;
                                done.set_value(format!("Added {email} as {}.", role.label()));
                                left.set_value(false);
                                ask.set(Some(Ask {
                                    title: format!("Add {email} as {}?", role.label()),
                                    message: format!("They get access to this workspace at once. {}", role_means(role)),
                                    confirm: "Add member".into(),
                                    danger: false,
                                    run: std::sync::Arc::new(move || {
                                        add.dispatch(a.clone());
                                        if let Some(f) = form.get_untracked() { f.reset(); }
                                    }),
                                }));
                            })>
                            <FormError error=add_error/>
                            <Field label="Email" name="email" kind="email" autocomplete="off" required=true error=add_error/>
                            <div class="field">
                                <label for="add-role">"Role"</label>
                                <select id="add-role" name="role" class="select">
                                    <option value="Member" selected=true>"Member"</option>
                                    <option value="Admin">"Admin"</option>
                                    {(my_role == Role::Owner).then(|| view! { <option value="Owner">"Owner"</option> })}
                                </select>
                            </div>
                            <Submit label="Add member" busy_label="Adding…" pending=add.pending().into()/>
                        </form></WriteArea>
                    </section>
                </Show>
            }
        })}
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn MemberTable(
    list: Vec<Member>,
    my_role: Role,
    my_id: uuid::Uuid,
    ws_name: String,
    change: ServerAction<ChangeMemberRole>,
    remove: Action<uuid::Uuid, Result<(), AppError>>,
    ask: RwSignal<Option<Ask>>,
    done: StoredValue<String>,
    left: StoredValue<bool>,
) -> impl IntoView {
    let can_manage = my_role.can_manage();
    view! {
        <div class="table-wrap">
            <WriteArea compact=true>
            <table class="table table-stack">
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>{can_manage.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}</tr></thead>
                <tbody>
                    {list.into_iter().map(|m| {
                        let editable = can_manage && (my_role == Role::Owner || m.role != Role::Owner);
                        let uid = m.user_id;
                        let me = uid == my_id;
                        let label = format!("Role of {}", m.name);
                        let remove_label = if me { "Leave".to_string() } else { format!("Remove {}", m.name) };
                        let name = m.name.clone();
                        let from_role = m.role;
                        let on_role = {
                            let name = name.clone();
                            move |ev: leptos::ev::SubmitEvent| asked(&ev, |a: ChangeMemberRole| {
                                if a.role == from_role {
                                    return;
                                }
                                let who = if me { "You are".to_string() } else { format!("{name} is") };
                                done.set_value(format!("{who} now {} {}.", if a.role == Role::Admin { "an" } else { "a" }, a.role.label()));
                                left.set_value(false);
                                ask.set(Some(Ask {
                                    title: if me {
                                        format!("Change your own role to {}?", a.role.label())
                                    } else {
                                        format!("Make {name} {} {}?", if a.role == Role::Admin { "an" } else { "a" }, a.role.label())
                                    },
                                    message: format!("{} The change applies at once.", role_means(a.role)),
                                    confirm: "Change role".into(),
                                    danger: from_role.can_manage() && !a.role.can_manage(),
                                    run: std::sync::Arc::new(move || { change.dispatch(a.clone()); }),
                                }));
                            })
                        };
                        let on_remove = {
                            let (name, ws_name) = (name.clone(), ws_name.clone());
                            move |_| {
                                done.set_value(if me { format!("You left “{ws_name}”.") } else { format!("Removed {name} from the workspace.") });
                                left.set_value(me);
                                ask.set(Some(Ask {
                                    title: if me { format!("Leave “{ws_name}”?") } else { format!("Remove {name}?") },
                                    message: if me {
                                        "You lose access to this workspace and its data at once. An owner or admin can add you again.".to_string()
                                    } else {
                                        format!("{name} loses access to this workspace and its data at once. The time they tracked stays.")
                                    },
                                    confirm: if me { "Leave workspace".into() } else { "Remove member".into() },
                                    danger: true,
                                    run: std::sync::Arc::new(move || { remove.dispatch(uid); }),
                                }));
                            }
                        };
                        view! {
                            <tr>
                                <td>{m.name.clone()}{me.then_some(" (you)")}</td>
                                <td>{m.email.clone()}</td>
                                <td>
                                    {if editable {
                                        view! {
                                            <form class="inline-form" method="post" action=ChangeMemberRole::url() on:submit=on_role>
                                                <input type="hidden" name="user_id" value=uid.to_string()/>
                                                <label class="sr-only" for=format!("role-{uid}")>{label.clone()}</label>
                                                <select id=format!("role-{uid}") name="role" class="select select-small">
                                                    {Role::ALL.into_iter().filter(|r| my_role == Role::Owner || *r != Role::Owner).map(|r| view! {
                                                        <option value=format!("{r:?}") selected=r == m.role>{r.label()}</option>
                                                    }).collect_view()}
                                                </select>
                                                <button type="submit" class="btn btn-secondary btn-small">"Change role"</button>
                                            </form>
                                        }.into_any()
                                    } else {
                                        view! { <span class="badge">{m.role.label()}</span> }.into_any()
                                    }}
                                </td>
                                {can_manage.then(|| view! {
                                    <td class="cell-actions">
                                        {editable.then(|| view! {
                                            <button type="button" class="btn btn-danger btn-small" on:click=on_remove.clone()>{remove_label.clone()}</button>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </WriteArea>
        </div>
    }
}

#[component]
pub fn PlanPage() -> impl IntoView {
    let me = use_me().0;
    let change = ServerAction::<ChangePlan>::new();
    let error = action_error(change);
    let toasts = use_toasts();
    let ask = RwSignal::new(None::<Ask>);
    let done = StoredValue::new(String::new());
    Effect::new(move |_| {
        if let Some(r) = change.value().get() {
            match r {
                Ok(()) => {
                    toasts.show(done.get_value(), None);
                    me.refetch();
                }
                Err(e) => redirect_if_signed_out(&e),
            }
        }
    });
    view! {
        <Header/>
        <AskDialog id="plan-ask" ask/>
        {with_me(move |me| {
            let ws = me.current.clone();
            let from = ws.plan;
            view! {
                <section class="card" aria-labelledby="plan-heading">
                    <h2 id="plan-heading">"Plan & billing"</h2>
                    <dl class="facts">
                        <div><dt>"Plan"</dt><dd><span class="badge badge-accent">{ws.plan.label()}</span></dd></div>
                        <div><dt>"Billing status"</dt><dd><span class="badge" class:badge-warning=ws.billing_status == BillingStatus::ReadOnly>{ws.billing_status.label()}</span></dd></div>
                    </dl>
                    <p class="muted">{match ws.billing_status {
                        BillingStatus::Active => "Billing is in good standing: everyone with access can work normally.",
                        BillingStatus::ReadOnly => "The workspace is read-only until billing is resolved. Data can be viewed and exported, not changed.",
                    }}</p>
                    <p class="muted">"API tokens are available on the Team and Business plans."</p>
                    <Show when=move || ws.role == Role::Owner fallback=|| view! { <p>"Only owners can change the plan."</p> }>
                        <form class="form form-inline" method="post" action=ChangePlan::url()
                            on:submit=move |ev| asked(&ev, |a: ChangePlan| {
                                let to = a.plan;
                                if to == from {
                                    return;
                                }
                                done.set_value(format!("The plan is now {}.", to.label()));
                                let message = if from.has_api_access() && !to.has_api_access() {
                                    format!("The workspace moves to {} at once. API tokens stop working: the API is on the Team and Business plans only.", to.label())
                                } else if to.has_api_access() && !from.has_api_access() {
                                    format!("The workspace moves to {} at once, and owners and admins can create API tokens.", to.label())
                                } else {
                                    format!("The workspace moves to {} at once.", to.label())
                                };
                                ask.set(Some(Ask {
                                    title: format!("Change the plan from {} to {}?", from.label(), to.label()),
                                    message,
                                    confirm: "Change plan".into(),
                                    danger: from.has_api_access() && !to.has_api_access(),
                                    run: std::sync::Arc::new(move || { change.dispatch(a.clone()); }),
                                }));
                            })>
                            <FormError error/>
                            <div class="field">
                                <label for="plan-select">"Plan"</label>
                                <select id="plan-select" name="plan" class="select">
                                    {Plan::ALL.into_iter().map(|p| view! {
                                        <option value=format!("{p:?}") selected=p == ws.plan>{p.label()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <Submit label="Change plan" busy_label="Changing…" pending=change.pending().into()/>
                        </form>
                    </Show>
                </section>
            }
        })}
    }
}
