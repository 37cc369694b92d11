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
