//! Invoices through their server functions, on SQLite or PostgreSQL:
//! lines, rates, tax and rounding, numbering, draft → sent → paid, the
//! snapshot, releasing entries, roles, read-only and isolation.

use crate::common::*;
use app::clients::{CreateClient, DeleteClient, UpdateClient};
use app::entries::{CreateEntry, DeleteEntry, EntryFilter, EntryForm, ListEntries, UpdateEntry};
use app::invoices::{
    CreateInvoice, DeleteInvoice, GetInvoice, InvoiceInput, InvoiceStatus, ListInvoices,
    SetInvoiceStatus,
};
use app::projects::{CreateProject, DeleteProject, ProjectInput};
use app::workspaces::UpdateRates;
use axum::http::StatusCode;
use serde_json::{json, Value};

async fn project(c: &mut Client, name: &str, client: &str, rate: &str) -> String {
    let r = c
        .invoke(CreateProject {
            input: ProjectInput {
                name: name.into(),
                client_id: Some(client.parse().unwrap()),
                color: "#4f46e5".into(),
                billable: true,
                hourly_rate: rate.into(),
                archived: false,
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id(&r.json())
}

async fn entry(c: &mut Client, project: &str, start: &str, end: &str, billable: bool) -> Value {
    let r = c
        .invoke(CreateEntry {
            input: EntryForm {
                description: "Work".into(),
                project_id: Some(project.parse().unwrap()),
                start: start.into(),
                end: end.into(),
                billable: Some(billable),
                ..Default::default()
            },
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn invoice_input(client: &str) -> InvoiceInput {
    InvoiceInput {
        client_id: Some(client.parse().unwrap()),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        tax_rate: "19".into(),
        notes: "Thank you!".into(),
    }
}

/// [`invoice_input`] as `create_invoice`'s arguments, for the tables that
/// call several server functions by name.
fn invoice_args(client: &str) -> Value {
    json!({ "input": invoice_input(client) })
}

fn create_invoice(client: &str) -> CreateInvoice {
    CreateInvoice {
        input: invoice_input(client),
    }
}

fn set_status(invoice: &Value, status: InvoiceStatus) -> SetInvoiceStatus {
    SetInvoiceStatus {
        id: uuid(invoice),
        status,
    }
}

fn one_day(day: &str) -> ListEntries {
    ListEntries {
        filter: EntryFilter {
            from: day.into(),
            to: day.into(),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn invoices_bill_uninvoiced_time_and_keep_their_snapshot() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Ivy").await;
    let r = owner
        .invoke(UpdateRates {
            currency: "EUR".into(),
            default_rate: "50".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let acme = id(&owner
        .invoke(CreateClient {
            name: "Acme".into(),
        })
        .await
        .json());
    let other = id(&owner
        .invoke(CreateClient {
            name: "Other".into(),
        })
        .await
        .json());
    let web = project(&mut owner, "Website", &acme, "100").await;
    let support = project(&mut owner, "Support", &acme, "").await;
    let elsewhere = project(&mut owner, "Elsewhere", &other, "80").await;
    let e1 = entry(
        &mut owner,
        &web,
        "2026-11-02T09:00",
        "2026-11-02T10:30",
        true,
    )
    .await;
    entry(
        &mut owner,
        &support,
        "2026-11-03T09:00",
        "2026-11-03T09:20",
        true,
    )
    .await;
    entry(
        &mut owner,
        &web,
        "2026-11-04T09:00",
        "2026-11-04T11:00",
        false,
    )
    .await;
    entry(
        &mut owner,
        &elsewhere,
        "2026-11-05T09:00",
        "2026-11-05T10:00",
        true,
    )
    .await;
    entry(
        &mut owner,
        &web,
        "2026-12-01T09:00",
        "2026-12-01T10:00",
        true,
    )
    .await;

    let r = owner.invoke(create_invoice(&acme)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let inv = r.json();
    assert_eq!(inv["number"], "INV-0001");
    assert_eq!(inv["client_name"], "Acme");
    assert_eq!(inv["currency"], "EUR");
    assert_eq!(inv["status"], "Draft");
    assert_eq!(inv["entry_count"], 2);
    let lines = inv["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["project_name"], "Support");
    assert_eq!(lines[0]["rate_cents"], 5000, "the workspace default rate");
    assert_eq!(
        lines[0]["amount_cents"], 1650,
        "20 minutes are billed as the 0.33 h printed: 0.33 × 50.00 = 16.50"
    );
    assert_eq!(lines[1]["project_name"], "Website");
    assert_eq!(lines[1]["amount_cents"], 15000);
    assert_eq!(inv["subtotal_cents"], 16650);
    assert_eq!(inv["tax_cents"], 3164, "19 % of 166.50 = 31.635 -> 31.64");
    assert_eq!(inv["total_cents"], 19814);

    // Download PDF: the number, client, lines and total, as on the page.
    let pdf_path = format!("/exports/invoices/{}", inv["id"].as_str().unwrap());
    let r = owner.get(&pdf_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/pdf");
    let (pdf_before, pages) = pdf_text(&r.bytes);
    assert_eq!(pages, 1);
    for want in [
        "Invoice INV-0001",
        "Acme",
        "1 Nov 2026 – 30 Nov 2026",
        "Support",
        "0.33",
        "16.50 EUR",
        "Website",
        "150.00 EUR",
        "166.50 EUR",
        "Tax (19 %)",
        "31.64 EUR",
        "198.14 EUR",
        "Draft",
    ] {
        assert!(
            pdf_before.contains(want),
            "{want:?} missing from:\n{pdf_before}"
        );
    }

    // Nothing left to bill for Acme in November.
    let r = owner.invoke(create_invoice(&acme)).await;
    assert_eq!(r.json()["Invalid"]["field"], "client_id", "{}", r.body);
    // Bad input is named.
    let bad = CreateInvoice {
        input: InvoiceInput {
            tax_rate: "150".into(),
            ..invoice_input(&acme)
        },
    };
    assert_eq!(
        owner.invoke(bad).await.json()["Invalid"]["field"],
        "tax_rate"
    );

    // A draft's entries are not yet "invoiced"; once sent they are.
    let page = owner.invoke(one_day("2026-11-02")).await.json();
    assert_eq!(page["days"][0]["entries"][0]["invoiced"], false);
    let r = owner.invoke(set_status(&inv, InvoiceStatus::Paid)).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a draft cannot jump to paid"
    );
    let r = owner.invoke(set_status(&inv, InvoiceStatus::Sent)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = owner.invoke(one_day("2026-11-02")).await.json();
    assert_eq!(page["days"][0]["entries"][0]["invoiced"], true);
    let edit = |confirm_invoiced| UpdateEntry {
        id: uuid(&e1),
        input: EntryForm {
            project_id: Some(web.parse().unwrap()),
            start: "2026-11-02T09:00".into(),
            end: "2026-11-02T11:00".into(),
            confirm_invoiced,
            ..Default::default()
        },
    };
    let r = owner.invoke(edit(false)).await;
    assert_eq!(r.json()["Invalid"]["field"], "confirm_invoiced");
    assert_eq!(owner.invoke(edit(true)).await.status, StatusCode::OK);
    assert_eq!(
        owner.invoke(DeleteEntry { id: uuid(&e1) }).await.status,
        StatusCode::CONFLICT
    );

    let r = owner.invoke(set_status(&inv, InvoiceStatus::Paid)).await;
    assert_eq!(r.json()["status"], "Paid");
    assert_eq!(
        owner.invoke(DeleteInvoice { id: uuid(&inv) }).await.status,
        StatusCode::CONFLICT
    );

    // The snapshot survives renaming and deleting the client.
    owner
        .invoke(UpdateClient {
            id: acme.parse().unwrap(),
            name: "Acme Renamed".into(),
            archived: false,
        })
        .await;
    let r = owner
        .invoke(DeleteProject {
            id: web.parse().unwrap(),
            keep_entries: true,
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        owner
            .invoke(DeleteClient {
                id: acme.parse().unwrap()
            })
            .await
            .status,
        StatusCode::OK
    );
    let again = owner.invoke(GetInvoice { id: uuid(&inv) }).await.json();
    assert_eq!(again["client_name"], "Acme");
    assert_eq!(again["lines"][1]["project_name"], "Website");
    assert_eq!(again["total_cents"], 19814);
    let r = owner.get(&pdf_path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (pdf_after, _) = pdf_text(&r.bytes);
    assert!(!pdf_after.contains("Acme Renamed"));
    // Only the status moved on since (it was a draft then).
    let without_status = |t: &str| {
        t.lines()
            .filter(|l| !["Draft", "Sent", "Paid", "Draft – not yet sent"].contains(&l.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_status(&pdf_after), without_status(&pdf_before));

    // Deleting a draft releases its entries for the next invoice.
    let r = owner.invoke(create_invoice(&other)).await;
    let draft = r.json();
    assert_eq!(draft["number"], "INV-0002");
    assert_eq!(
        owner
            .invoke(DeleteInvoice { id: uuid(&draft) })
            .await
            .status,
        StatusCode::OK
    );
    let r = owner.invoke(create_invoice(&other)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["entry_count"], 1);
    let list = owner.invoke(ListInvoices {}).await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn invoices_are_for_managers_of_active_workspaces_only() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Owen").await;
    let (mut member, member_email) = app.signed_up("Mia").await;
    let (mut stranger, _) = app.signed_up("Sam").await;
    let ws = owner.workspace_id().await;
    member
        .join(&mut owner, &member_email, &ws, app::types::Role::Member)
        .await;
    let acme = id(&owner
        .invoke(CreateClient {
            name: "Acme".into(),
        })
        .await
        .json());
    let web = project(&mut owner, "Website", &acme, "100").await;
    entry(
        &mut owner,
        &web,
        "2026-11-02T09:00",
        "2026-11-02T10:00",
        true,
    )
    .await;
    let inv = owner.invoke(create_invoice(&acme)).await.json();

    for (f, args) in [
        ("list_invoices", json!({})),
        ("get_invoice", json!({ "id": inv["id"] })),
        ("create_invoice", invoice_args(&acme)),
        (
            "set_invoice_status",
            json!({ "id": inv["id"], "status": "Sent" }),
        ),
        ("delete_invoice", json!({ "id": inv["id"] })),
    ] {
        let r = member.call(f, args.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "member {f}: {}", r.body);
        let r = stranger.call(f, args).await;
        assert!(
            [
                StatusCode::NOT_FOUND,
                StatusCode::UNPROCESSABLE_ENTITY,
                StatusCode::OK
            ]
            .contains(&r.status),
            "stranger {f}: {}",
            r.body
        );
        if f == "list_invoices" {
            assert!(r.json().as_array().unwrap().is_empty());
        }
    }

    app.set_billing(&ws, app::types::BillingStatus::ReadOnly)
        .await;
    for (f, args) in [
        ("create_invoice", invoice_args(&acme)),
        (
            "set_invoice_status",
            json!({ "id": inv["id"], "status": "Sent" }),
        ),
        ("delete_invoice", json!({ "id": inv["id"] })),
    ] {
        let r = owner.call(f, args).await;
        assert_eq!(r.json(), json!("WorkspaceReadOnly"), "{f}");
    }
    assert_eq!(
        owner.invoke(GetInvoice { id: uuid(&inv) }).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn members_are_not_offered_the_invoice_form() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Ines").await;
    let ws = owner.workspace_id().await;
    let (mut member, email) = app.signed_up("Mo").await;
    member
        .join(&mut owner, &email, &ws, app::types::Role::Member)
        .await;
    let page = owner.get("/invoices").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("New invoice"), "{}", page.body);
    // The page answers 403 (its list is refused) and says so in words.
    let page = member.get("/invoices").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("New invoice"), "{}", page.body);
    assert!(!page.body.contains("Create draft invoice"));
    assert!(
        page.body
            .contains("owners and admins make and see invoices"),
        "{}",
        page.body
    );
    // The server still refuses them, whatever a page shows.
    let r = member.invoke(ListInvoices {}).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
