//! Workspace settings → "API tokens": create a token (shown once, in a
//! dialog), list and revoke tokens, and how to call the API.

use crate::api_tokens::{
    create_api_token, list_api_tokens, revoke_api_token, ApiToken, ApiTokensView, CreatedToken,
    TokenScope, DEFAULT_EXPIRY_DAYS, EXPIRY_CHOICES,
};
use crate::components::feedback::{use_toasts, Ask, AskDialog};
use crate::components::forms::{bind_typed, copy_text, redirect_if_signed_out};
use crate::components::layout::WriteArea;
use crate::components::loaded::load;
use crate::error::AppError;
use crate::pages::workspace_settings::Header;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn expiry_label(days: Option<u32>) -> String {
    match days {
        Some(d) => format!("{d} days"),
        None => "Never".into(),
    }
}

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = Action::new(|input: &(String, Option<u32>, TokenScope)| {
        let (name, days, scope) = input.clone();
        async move { create_api_token(name, days, scope).await }
    });
    let revoke = Action::new(|id: &uuid::Uuid| {
        let id = *id;
        async move { revoke_api_token(id).await }
    });
    let ask = RwSignal::new(None::<Ask>);
    let done = StoredValue::new(String::new());
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            toasts.show(done.get_value(), None);
        }
    });
    provide_context(RevokeAsk { ask, done });
    let tokens = load(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    view! {
        <Header/>
        <AskDialog id="revoke-token" ask/>
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || tokens.get().map(|r| match r {
                Ok(view) if view.available => view! { <Available view create revoke/> }.into_any(),
                Ok(_) => view! { <PlanNeeded/> }.into_any(),
                Err(e) => {
                    redirect_if_signed_out(&e);
                    view! { <p class="card" role="alert">{e.to_string()}</p> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn PlanNeeded() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="api-heading">
            <h2 id="api-heading">"API tokens"</h2>
            <p>"API tokens are available on the Team and Business plans. They are not available on the Free or Solo Pro plan."</p>
            <p class="muted">"An owner can change the plan under "<A href="/settings/workspace/plan">"Plan & billing"</A>"."</p>
        </section>
    }
}

#[component]
fn Available(
    view: ApiTokensView,
    create: Action<(String, Option<u32>, TokenScope), Result<CreatedToken, AppError>>,
    revoke: Action<uuid::Uuid, Result<(), AppError>>,
) -> impl IntoView {
    let ws = view.workspace_id.to_string();
    let curl = format!(
        "curl https://your-timether-host/api/v1/me \\\n  -H \"Authorization: Bearer your_api_token_here\" \\\n  -H \"X-Workspace-Id: {ws}\" \\\n  -H \"Content-Type: application/json\""
    );
    let ws_copy = ws.clone();
    view! {
        <CreateCard create/>
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">{if view.sees_all { "Tokens of this workspace" } else { "Your tokens" }}</h2>
            {if view.tokens.is_empty() {
                view! { <p class="muted">"No tokens yet. Create one for each integration, so you can revoke one without affecting the others."</p> }.into_any()
            } else {
                view! { <TokenTable tokens=view.tokens revoke/> }.into_any()
            }}
            <p class="form-error" role="alert">{move || revoke.value().get().and_then(|r| r.err()).map(|e| e.to_string())}</p>
        </section>
        <section class="card" aria-labelledby="using-heading">
            <h2 id="using-heading">"Making API requests"</h2>
            <p>"Send the token in the "<code>"Authorization"</code>" header and this workspace's id in "<code>"X-Workspace-Id"</code>". The base path is "<code>"/api/v1"</code>"."</p>
            <div class="field">
                <span class="field-label" id="ws-id-label">"Workspace ID"</span>
                <div class="secret-row">
                    <code class="secret" aria-labelledby="ws-id-label">{ws.clone()}</code>
                    <button type="button" class="btn btn-secondary btn-small" on:click=move |_| copy_text(&ws_copy)>"Copy workspace ID"</button>
                </div>
            </div>
            <pre class="code-block" tabindex="0" role="region" aria-label="Example request"><code>{curl}</code></pre>
            <p><A href="/developers/api">"API reference"</A>": every endpoint, its parameters and answers."</p>
            <p class="muted">"Treat tokens like passwords: keep them in an environment variable or a secrets manager, never in client-side code, repositories, chats or screenshots."</p>
        </section>
    }
}

#[component]
fn CreateCard(
    create: Action<(String, Option<u32>, TokenScope), Result<CreatedToken, AppError>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let name_input = NodeRef::<leptos::html::Input>::new();
    bind_typed(name_input, name);
    let days = RwSignal::new(DEFAULT_EXPIRY_DAYS.to_string());
    let scope = RwSignal::new("ReadOnly".to_string());
    // The new token lives only here, and only until the dialog closes.
    let shown = RwSignal::new(None::<CreatedToken>);
    let error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| {
        if let Some(r) = create.value().get() {
            match r {
                Ok(t) => {
                    error.set(None);
                    name.set(String::new());
                    shown.set(Some(t));
                }
                Err(e) => {
                    redirect_if_signed_out(&e);
                    error.set(Some(e));
                }
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let d = days.get_untracked().parse::<u32>().ok();
        let s = if scope.get_untracked() == "ReadWrite" {
            TokenScope::ReadWrite
        } else {
            TokenScope::ReadOnly
        };
        create.dispatch((name.get_untracked(), d, s));
    };
    let name_error = move || error.get().and_then(|e| e.field_message("name"));
    let form_error = move || {
        error
            .get()
            .filter(|e| !e.is_field_error())
            .map(|e| e.to_string())
    };
    let live = crate::components::forms::interactive();
    view! {
        <section class="card" aria-labelledby="create-token-heading">
            <h2 id="create-token-heading">"Create a token"</h2>
            <p class="muted">"A token acts with your role in this workspace, never more. It is shown only once."</p>
            <WriteArea><form class="form" on:submit=submit>
                <p class="form-error" role="alert">{form_error}</p>
                <div class="field">
                    <label for="token-name">"Name"</label>
                    <input id="token-name" class="input" type="text" maxlength="100" required
                        placeholder="Internal reporting dashboard"
                        aria-invalid=move || name_error().is_some().to_string()
                        aria-describedby="token-name-error"
                        node_ref=name_input
                        value=name.get_untracked()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    <p id="token-name-error" class="field-error" role="alert">{name_error}</p>
                </div>
                <div class="form-inline">
                    <div class="field">
                        <label for="token-expiry">"Expires after"</label>
                        <select id="token-expiry" class="select" on:change=move |ev| days.set(event_target_value(&ev))>
                            {EXPIRY_CHOICES.into_iter().map(|d| {
                                let value = d.map(|d| d.to_string()).unwrap_or_else(|| "never".into());
                                view! { <option value=value selected=d == Some(DEFAULT_EXPIRY_DAYS)>{expiry_label(d)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="token-scope">"Access"</label>
                        <select id="token-scope" class="select" on:change=move |ev| scope.set(event_target_value(&ev))>
                            <option value="ReadOnly" selected=true>{TokenScope::ReadOnly.label()}</option>
                            <option value="ReadWrite">{TokenScope::ReadWrite.label()}</option>
                        </select>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get() || !live.get()>
                        {move || if create.pending().get() { "Creating…" } else { "Create Token" }}
                    </button>
                </div>
            </form></WriteArea>
        </section>
        <TokenDialog shown/>
    }
}

/// The one time the token is readable: copy it, then it is gone.
#[component]
fn TokenDialog(shown: RwSignal<Option<CreatedToken>>) -> impl IntoView {
    let node = NodeRef::<leptos::html::Dialog>::new();
    let copied = RwSignal::new(false);
    Effect::new(move |_| {
        let open = shown.with(Option::is_some);
        if let Some(d) = node.get() {
            if open && !d.open() {
                copied.set(false);
                let _ = d.show_modal();
            } else if !open && d.open() {
                d.close();
            }
        }
    });
    let token = move || shown.with(|s| s.as_ref().map(|t| t.token.clone()).unwrap_or_default());
    view! {
        <dialog node_ref=node class="dialog" aria-labelledby="token-dialog-title" on:close=move |_| shown.set(None)>
            <h2 id="token-dialog-title">"Copy your new token"</h2>
            <p class="notice notice-warning">"This is the only time the token is shown. Copy it now and store it somewhere safe; after you close this dialog it cannot be viewed again."</p>
            <label for="new-token" class="field-label">{move || shown.with(|s| s.as_ref().map(|t| t.info.name.clone()).unwrap_or_default())}</label>
            <input id="new-token" class="input secret" type="text" readonly prop:value=token
                on:focus=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            i.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }/>
            <p role="status" class="form-success">{move || copied.get().then_some("Copied to the clipboard.")}</p>
            <div class="actions dialog-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| { copy_text(&token()); copied.set(true); }>"Copy token"</button>
                <button type="button" class="btn btn-primary" on:click=move |_| shown.set(None)>"Done"</button>
            </div>
        </dialog>
    }
}

/// The page's question before a token is revoked, and the toast after.
#[derive(Clone, Copy)]
struct RevokeAsk {
    ask: RwSignal<Option<Ask>>,
    done: StoredValue<String>,
}

#[component]
fn TokenTable(
    tokens: Vec<ApiToken>,
    revoke: Action<uuid::Uuid, Result<(), AppError>>,
) -> impl IntoView {
    let RevokeAsk { ask, done } = expect_context();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Created by"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let id = t.id;
                        let label = format!("Revoke {}", t.name);
                        let name = t.name.clone();
                        view! {
                            <tr>
                                <td>{t.name.clone()}</td>
                                <td><span class="badge">{t.scope.label()}</span></td>
                                <td><code>{t.hint.clone()}</code></td>
                                <td>{t.created_by.clone()}</td>
                                <td>{day(t.created_at)}</td>
                                <td>{t.last_used_at.map(day).unwrap_or_else(|| "Never".into())}</td>
                                <td>{match (t.expires_at, t.expired) {
                                    (_, true) => "Expired".to_string(),
                                    (Some(e), false) => day(e),
                                    (None, false) => "Never".to_string(),
                                }}</td>
                                <td class="cell-actions">
                                    <button type="button" class="btn btn-danger btn-small" aria-label=label
                                        on:click=move |_| {
                                            done.set_value(format!("Token “{name}” revoked."));
                                            ask.set(Some(Ask {
                                                title: format!("Revoke “{name}”?"),
                                                message: "Anything that uses this token stops working at once. This cannot be undone: a new token would have to be created and put in its place.".into(),
                                                confirm: "Revoke token".into(),
                                                danger: true,
                                                run: std::sync::Arc::new(move || { revoke.dispatch(id); }),
                                            }));
                                        }>"Revoke"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
