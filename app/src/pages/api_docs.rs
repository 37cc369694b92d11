//! "API reference": the public API's endpoints as the OpenAPI document
//! describes them, with the help center's request example.

use crate::api_docs::{api_reference, Endpoint};
use crate::components::forms::redirect_if_signed_out;
use crate::components::loaded::load;
use leptos::prelude::*;
use leptos_router::components::A;

const EXAMPLE: &str = "curl https://your-timether-host/api/v1/time-entries?limit=100 \\
  -H \"Authorization: Bearer your_api_token_here\" \\
  -H \"X-Workspace-Id: your_workspace_id_here\" \\
  -H \"Content-Type: application/json\"";

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let endpoints = load(|| (), |_| api_reference());
    view! {
        <div class="page-header">
            <h1>"API reference"</h1>
            <p class="lead">"Connect dashboards, billing sync, export automations and client portals to Timether."</p>
        </div>
        <section class="card" aria-labelledby="basics-heading">
            <h2 id="basics-heading">"Making requests"</h2>
            <p>"The base path is "<code>"/api/v1"</code>". Every request sends an API token as "<code>"Authorization: Bearer …"</code>" and the workspace's id as "<code>"X-Workspace-Id"</code>". Tokens are created under "<A href="/settings/workspace/api">"Workspace settings → API tokens"</A>" on the Team and Business plans."</p>
            <pre class="code-block" tabindex="0" role="region" aria-label="Example request"><code>{EXAMPLE}</code></pre>
            <p>"Times are UTC in RFC 3339, durations in seconds. Errors are "<code>"{\"error\": {\"code\": \"…\", \"message\": \"…\"}}"</code>"; every response reports the token's rate limit in "<code>"RateLimit-Limit"</code>", "<code>"RateLimit-Remaining"</code>" and "<code>"RateLimit-Reset"</code>". While a workspace is read-only for billing, writes answer "<code>"403 workspace_read_only"</code>" and reads keep working."</p>
            <p>"The machine-readable description: "<a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>" (OpenAPI 3.1)."</p>
        </section>
        <Transition fallback=|| view! { <div class="card skeleton-card"></div> }>
            {move || endpoints.get().map(|r| match r {
                Ok(list) => view! { <Endpoints list/> }.into_any(),
                Err(e) => {
                    redirect_if_signed_out(&e);
                    view! { <p class="card" role="alert">{e.to_string()}</p> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn Endpoints(list: Vec<Endpoint>) -> impl IntoView {
    let mut groups: Vec<(String, Vec<Endpoint>)> = Vec::new();
    for e in list {
        match groups.last_mut() {
            Some((tag, items)) if *tag == e.tag => items.push(e),
            _ => groups.push((e.tag.clone(), vec![e])),
        }
    }
    groups
        .into_iter()
        .map(|(tag, items)| {
            let id = format!("api-{tag}");
            let labelled_by = id.clone();
            view! {
                <section class="card" aria-labelledby=labelled_by>
                    <h2 id=id>{tag}</h2>
                    <ul class="endpoint-list">
                        {items.into_iter().map(|e| view! {
                            <li class="endpoint">
                                <p class="endpoint-line">
                                    <span class=format!("method method-{}", e.method.to_ascii_lowercase())>{e.method.clone()}</span>
                                    " "<code>{e.path.clone()}</code>
                                </p>
                                {(!e.summary.is_empty()).then(|| view! { <p>{e.summary.clone()}</p> })}
                                {(!e.params.is_empty()).then(|| view! {
                                    <ul class="params" aria-label="Parameters">
                                        {e.params.iter().map(|p| view! {
                                            <li><code>{p.name.clone()}</code>" ("{p.location.clone()}{p.required.then_some(", required")}")"
                                                {(!p.description.is_empty()).then(|| format!(": {}", p.description))}</li>
                                        }).collect_view()}
                                    </ul>
                                })}
                                {e.has_body.then(|| view! { <p class="muted">"JSON body: see the schema in openapi.json."</p> })}
                                <p class="muted">"Answers: "{e.statuses.join(" · ")}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
        .collect_view()
}
