//! An invoice as a PDF file, rendered by Typst from `invoice.typ` with the
//! engine, fonts and render limits of the time report (`crate::typeset`).
//! Every number comes from the invoice's stored snapshot (client name,
//! lines, subtotal, tax, total), so the file reads the same after a client
//! or project is renamed.

use super::{Invoice, InvoiceStatus};
use crate::error::Error;
use crate::periods::money;
use crate::tenant::Scope;
use crate::typeset::{RenderLimits, Template};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use uuid::Uuid;

static INVOICE: Template = Template::new(include_str!("invoice.typ"));

/// What the template reads (`sys.inputs.data`, as JSON): text, formatted.
#[derive(Serialize)]
struct Doc {
    workspace: String,
    number: String,
    client: String,
    date: String,
    period: String,
    status: String,
    currency: String,
    lines: Vec<Line>,
    subtotal: String,
    tax_label: String,
    tax: String,
    total: String,
    notes: String,
}

#[derive(Serialize)]
struct Line {
    project: String,
    hours: String,
    rate: String,
    amount: String,
}

fn doc(inv: &Invoice) -> Doc {
    let cur = &inv.currency;
    let m = |c: i64| format!("{} {cur}", money(c));
    let day = |d: chrono::NaiveDate| d.format("%-d %b %Y").to_string();
    Doc {
        workspace: inv.workspace_name.clone(),
        number: inv.number.clone(),
        client: inv.client_name.clone(),
        date: inv.created_at.format("%-d %b %Y").to_string(),
        period: format!("{} – {}", day(inv.period_from), day(inv.period_to)),
        status: match inv.status {
            // A draft says so on the page, so it is not mistaken for the bill.
            InvoiceStatus::Draft => "Draft".into(),
            s => s.label().into(),
        },
        currency: cur.clone(),
        lines: inv
            .lines
            .iter()
            .map(|l| Line {
                project: l.project_name.clone(),
                hours: l.hours(),
                rate: m(l.rate_cents),
                amount: m(l.amount_cents),
            })
            .collect(),
        subtotal: m(inv.subtotal_cents),
        tax_label: format!("Tax ({} %)", inv.tax_rate),
        tax: m(inv.tax_cents),
        total: m(inv.total_cents),
        notes: inv.notes.clone(),
    }
}

/// The file name: `invoice-INV-0007-acme-corp.pdf`.
pub fn file_name(inv: &Invoice) -> String {
    let mut slug = String::new();
    for c in inv.client_name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("invoice-{}.pdf", inv.number)
    } else {
        format!("invoice-{}-{slug}.pdf", inv.number)
    }
}

/// The invoice `id` as a PDF: its file name and bytes. Owners and admins
/// only, as the invoice itself.
pub async fn render(
    db: &DatabaseConnection,
    scope: &Scope,
    id: Uuid,
    limits: &RenderLimits,
) -> Result<(String, Vec<u8>), Error> {
    let inv = super::service::get(db, scope, id).await?;
    let json = serde_json::to_string(&doc(&inv))
        .map_err(|e| Error::Internal(format!("invoice PDF data: {e}")))?;
    let too_slow = format!(
        "The PDF took longer than {} seconds to make. Try again in a moment.",
        limits.timeout.as_secs()
    );
    let pdf = crate::typeset::render(&INVOICE, json, limits, too_slow).await?;
    Ok((file_name(&inv), pdf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoices::InvoiceLine;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn invoice(notes: &str) -> Invoice {
        Invoice {
            id: Uuid::nil(),
            number: "INV-0007".into(),
            client_name: "Acme Corp #1 [test]".into(),
            period_from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            period_to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            currency: "EUR".into(),
            tax_rate: "19".into(),
            notes: notes.into(),
            status: InvoiceStatus::Sent,
            lines: vec![InvoiceLine {
                project_name: "Website *relaunch* $x$".into(),
                secs: 54 * 3600 + 49 * 60 + 12,
                rate_cents: 13500,
                amount_cents: 740070,
            }],
            subtotal_cents: 740070,
            tax_cents: 140613,
            total_cents: 880683,
            entry_count: 12,
            created_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            workspace_name: "Studio North".into(),
        }
    }

    #[test]
    fn an_invoice_renders_and_markup_in_its_text_stays_text() {
        let pdf = INVOICE
            .compile(
                serde_json::to_string(&doc(&invoice("Due in 14 days. #set page(width: 1cm)")))
                    .unwrap(),
            )
            .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            file_name(&invoice("")),
            "invoice-INV-0007-acme-corp-1-test.pdf"
        );
    }
}
