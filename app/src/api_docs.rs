//! The "API reference" page's data: the endpoints of the OpenAPI document
//! the server generates from its code (`/api/v1/openapi.json`), in a shape
//! the page can show.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    /// `path` or `query`.
    pub location: String,
    pub required: bool,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    pub params: Vec<Param>,
    pub has_body: bool,
    /// `"201: …"` lines.
    pub statuses: Vec<String>,
}

#[server(prefix = "/rpc", endpoint = "api_reference", input = Json)]
pub async fn api_reference() -> Result<Vec<Endpoint>, AppError> {
    let ctx = crate::context::request()?;
    ctx.session().map_err(crate::context::reply)?;
    service::endpoints().map_err(crate::context::reply)
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::*;
    use crate::error::Error;
    use serde_json::Value;
    use std::sync::OnceLock;

    static DOC: OnceLock<String> = OnceLock::new();

    /// The server hands over the document it built with its routes.
    pub fn publish(json: String) {
        let _ = DOC.set(json);
    }

    fn text(v: &Value) -> String {
        v.as_str().unwrap_or_default().trim().to_string()
    }

    pub fn endpoints() -> Result<Vec<Endpoint>, Error> {
        let raw = DOC
            .get()
            .ok_or_else(|| Error::Internal("the OpenAPI document was not published".into()))?;
        let doc: Value =
            serde_json::from_str(raw).map_err(|e| Error::Internal(format!("OpenAPI: {e}")))?;
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let summary = [text(&op["summary"]), text(&op["description"])]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| Param {
                        name: text(&p["name"]),
                        location: text(&p["in"]),
                        required: p["required"].as_bool().unwrap_or(false),
                        description: text(&p["description"]),
                    })
                    .collect();
                let statuses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(code, r)| {
                        let d = text(&r["description"]);
                        if d.is_empty() {
                            code.clone()
                        } else {
                            format!("{code}: {d}")
                        }
                    })
                    .collect();
                out.push(Endpoint {
                    method: method.to_uppercase(),
                    path: format!("/api/v1{path}"),
                    tag: op["tags"][0].as_str().unwrap_or("other").to_string(),
                    summary,
                    params,
                    has_body: op.get("requestBody").is_some(),
                    statuses,
                });
            }
        }
        let order = |m: &str| {
            ["GET", "POST", "PATCH", "DELETE"]
                .iter()
                .position(|x| *x == m)
        };
        out.sort_by(|a, b| {
            (&a.tag, &a.path, order(&a.method)).cmp(&(&b.tag, &b.path, order(&b.method)))
        });
        Ok(out)
    }
}
