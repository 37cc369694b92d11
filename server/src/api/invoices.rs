//! `/invoices`: list, get, create from a client and a period, and move a
//! draft to sent and paid.

use super::{path_id, ApiCtx, ApiError, ApiJson, ApiResult, ErrorBody};
use app::invoices::{service, InvoiceStatus};
use app::typeset::RenderLimits;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct Line {
    pub project_name: String,
    /// The tracked time the line covers.
    pub secs: i64,
    /// The billed quantity as printed, hours with two decimals (`54.82`):
    /// `hours` × `rate_cents` is `amount_cents`, rounded half up to the cent.
    pub hours: String,
    pub rate_cents: i64,
    pub amount_cents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Invoice {
    pub id: Uuid,
    /// `INV-0001`.
    pub number: String,
    /// As it was when the invoice was made.
    pub client_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub currency: String,
    /// Percent, as entered: `19` or `7.5`.
    pub tax_rate: String,
    pub notes: String,
    /// `draft`, `sent` or `paid`.
    pub status: String,
    pub lines: Vec<Line>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub entry_count: i64,
    pub created_at: DateTime<Utc>,
}

impl From<app::invoices::Invoice> for Invoice {
    fn from(i: app::invoices::Invoice) -> Self {
        Invoice {
            id: i.id,
            number: i.number,
            client_name: i.client_name,
            period_from: i.period_from,
            period_to: i.period_to,
            currency: i.currency,
            tax_rate: i.tax_rate,
            notes: i.notes,
            status: i.status.as_str().to_string(),
            lines: i
                .lines
                .into_iter()
                .map(|l| Line {
                    hours: l.hours(),
                    project_name: l.project_name,
                    secs: l.secs,
                    rate_cents: l.rate_cents,
                    amount_cents: l.amount_cents,
                })
                .collect(),
            subtotal_cents: i.subtotal_cents,
            tax_cents: i.tax_cents,
            total_cents: i.total_cents,
            entry_count: i.entry_count,
            created_at: i.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    pub client_id: Uuid,
    /// First day, `YYYY-MM-DD`, in the person's timezone.
    pub from: String,
    /// Last day, `YYYY-MM-DD` (included).
    pub to: String,
    /// Percent, e.g. `19` or `7.5`.
    #[serde(default)]
    pub tax_rate: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `draft`, `sent` or `paid`.
    pub status: String,
}

#[utoipa::path(get, path = "/invoices", operation_id = "listInvoices", tag = "invoices",
    responses((status = 200, body = [Invoice]), (status = 403, body = ErrorBody)))]
pub async fn list(Extension(ctx): Extension<ApiCtx>) -> ApiResult<Vec<Invoice>> {
    let list = service::list(&ctx.db, &ctx.scope).await?;
    Ok(Json(list.into_iter().map(Invoice::from).collect()))
}

#[utoipa::path(get, path = "/invoices/{id}", operation_id = "getInvoice", tag = "invoices", params(("id" = Uuid, Path)),
    responses((status = 200, body = Invoice), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    Extension(ctx): Extension<ApiCtx>,
    Extension(limits): Extension<RenderLimits>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // `/invoices/{id}.pdf` reaches this route too: the router matches whole
    // path segments, so the suffix is read here (documented by `pdf`).
    if let Some(id) = id.strip_suffix(".pdf") {
        let id = path_id(id, "The invoice")?;
        return Ok(crate::downloads::invoice_pdf(&ctx.db, &ctx.scope, id, &limits).await?);
    }
    let i = service::get(&ctx.db, &ctx.scope, path_id(&id, "The invoice")?).await?;
    Ok(Json(Invoice::from(i)).into_response())
}

/// The invoice as a PDF file: the workspace, client, number, dates, period,
/// one line per project, subtotal, tax, total and notes, from the
/// invoice's stored snapshot. Rendered within a time limit: past it, 503
/// with a sentence. (Served by `get_one`; this entry documents it.)
#[utoipa::path(get, path = "/invoices/{id}.pdf", operation_id = "getInvoicePdf", tag = "invoices", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The PDF file", content_type = "application/pdf"),
        (status = 404, body = ErrorBody),
        (status = 503, description = "The render passed its time limit", body = ErrorBody)))]
#[allow(dead_code)]
pub async fn pdf() {}

/// A draft from the client's billable, not yet invoiced entries in the period.
#[utoipa::path(post, path = "/invoices", operation_id = "createInvoice", tag = "invoices", request_body = NewInvoice,
    responses((status = 201, body = Invoice), (status = 422, body = ErrorBody)))]
pub async fn create(
    Extension(ctx): Extension<ApiCtx>,
    ApiJson(body): ApiJson<NewInvoice>,
) -> Result<(StatusCode, Json<Invoice>), ApiError> {
    let (person, _) = app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    let input = service::NewInvoice {
        client_id: body.client_id,
        from: app::periods::parse_day(&body.from, "from")?,
        to: app::periods::parse_day(&body.to, "to")?,
        tax_bp: service::tax_bp(&body.tax_rate)?,
        notes: body.notes,
    };
    let tz = app::periods::zone(&person.timezone);
    let i = service::create(&ctx.db, &ctx.scope, tz, input, ctx.now).await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

#[utoipa::path(patch, path = "/invoices/{id}", operation_id = "updateInvoice", tag = "invoices", params(("id" = Uuid, Path)), request_body = StatusChange,
    responses((status = 200, body = Invoice), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    Extension(ctx): Extension<ApiCtx>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusChange>,
) -> ApiResult<Invoice> {
    let id = path_id(&id, "The invoice")?;
    let status = InvoiceStatus::parse(&body.status).ok_or_else(|| {
        ApiError::from(app::error::Error::invalid(
            "status",
            "Use draft, sent or paid.",
        ))
    })?;
    let i = service::set_status(&ctx.db, &ctx.scope, id, status, ctx.now).await?;
    Ok(Json(i.into()))
}
