//! The OpenAPI document.

use super::*;
use axum::http::StatusCode;

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn().await;
    let mut c = app.client();
    let r = api(&mut c, "GET", "/api/v1/openapi.json", None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let expected = [
        ("get", "/me"),
        ("get", "/clients"),
        ("post", "/clients"),
        ("get", "/clients/{id}"),
        ("patch", "/clients/{id}"),
        ("delete", "/clients/{id}"),
        ("get", "/projects"),
        ("post", "/projects"),
        ("get", "/projects/{id}"),
        ("patch", "/projects/{id}"),
        ("delete", "/projects/{id}"),
        ("get", "/tags"),
        ("post", "/tags"),
        ("get", "/tags/{id}"),
        ("patch", "/tags/{id}"),
        ("delete", "/tags/{id}"),
        ("get", "/time-entries"),
        ("post", "/time-entries"),
        ("get", "/time-entries/{id}"),
        ("patch", "/time-entries/{id}"),
        ("delete", "/time-entries/{id}"),
        ("get", "/timer"),
        ("post", "/timer/start"),
        ("post", "/timer/stop"),
        ("get", "/reports/summary"),
        ("get", "/invoices"),
        ("post", "/invoices"),
        ("get", "/invoices/{id}"),
        ("patch", "/invoices/{id}"),
        ("get", "/invoices/{id}.pdf"),
        ("get", "/exports/backup"),
        ("get", "/exports/time-entries.csv"),
        ("get", "/exports/time-entries.pdf"),
        ("post", "/imports"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        expected.len(),
        "a route is documented but not expected here: {paths:?}"
    );
}

/// Client generators name their methods after operation ids: each must be
/// there, unique and readable (`listInvoices`), and the whole document
/// must pass a real validator (`openapi-spec-validator`, which
/// `scripts/python-deps.sh` provides), so a change that breaks it fails here.
#[tokio::test]
async fn the_openapi_document_is_valid_with_unique_operation_ids() {
    let app = spawn().await;
    let mut c = app.client();
    let r = api(&mut c, "GET", "/api/v1/openapi.json", None, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = r.json();
    let mut ids = std::collections::BTreeMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{method} {path}: operationId {id:?} is not camelCase"
            );
            if let Some(other) = ids.insert(id.to_string(), format!("{method} {path}")) {
                panic!("operationId {id:?} is used by {other} and {method} {path}");
            }
        }
    }
    assert_eq!(ids["listInvoices"], "get /invoices");
    assert_eq!(ids["createTimeEntry"], "post /time-entries");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &r.body).unwrap();
    // TIMETHER_TEST_PYTHON: scripts/python-deps.sh (make check and make test).
    let python = std::env::var("TIMETHER_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
