//! Invoices through the API.

use super::*;
use axum::http::StatusCode;

#[tokio::test]
async fn invoices_are_made_and_moved_through_the_api() {
    let app = spawn().await;
    let (_owner, ws, token) = team_with_token(&app, "Nell").await;
    let c = app.client();
    let t = Some(token.as_str());
    let w = Some(ws.as_str());
    let mut v1 = ApiClient::new(&c, t, w);
    let r = v1.post("/api/v1/clients", json!({ "name": "Acme" })).await;
    let client = r.json()["id"].as_str().unwrap().to_string();
    let r = v1.post("/api/v1/projects", json!({ "name": "Website", "client_id": client, "billable": true, "hourly_rate_cents": 10000 })).await;
    let project = r.json()["id"].as_str().unwrap().to_string();
    let r = v1.post("/api/v1/time-entries", json!({
            "project_id": project, "start": "2026-11-03T09:00:00Z", "end": "2026-11-03T10:30:00Z"
        }))
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["billable"], true);

    let r = v1
        .post(
            "/api/v1/invoices",
            json!({
                "client_id": client, "from": "2026-11-01", "to": "2026-11-30", "tax_rate": "19"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let inv = r.json();
    assert_eq!(inv["number"], "INV-0001");
    assert_eq!(inv["status"], "draft");
    assert_eq!(inv["subtotal_cents"], 15000);
    assert_eq!(inv["tax_cents"], 2850);
    assert_eq!(inv["lines"][0]["project_name"], "Website");
    assert_eq!(inv["lines"][0]["hours"], "1.50");
    let id = inv["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/invoices/{id}");
    let r = v1.patch(&path, json!({ "status": "bogus" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "status");
    let r = v1.patch(&path, json!({ "status": "sent" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "sent");
    let r = v1.get("/api/v1/time-entries").await;
    assert_eq!(r.json()["data"][0]["invoiced"], true);
    let r = v1.get("/api/v1/invoices").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = v1.get(&path).await;
    assert_eq!(r.json()["total_cents"], 17850);

    // The same invoice as a PDF file.
    let r = v1.get(&format!("{path}.pdf")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("invoice-INV-0001-acme.pdf"));
    let (text, _) = pdf_text(&r.bytes);
    for want in [
        "Invoice INV-0001",
        "Acme",
        "Website",
        "1.50",
        "150.00 USD",
        "178.50 USD",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    let r = v1.get("/api/v1/invoices/not-an-id.pdf").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = v1
        .get(&format!("/api/v1/invoices/{}.pdf", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}
