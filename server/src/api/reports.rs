//! `/reports/summary`: the totals of the Reports page for a date range, in
//! the token person's timezone, grouped one way.

use super::{query, ApiCtx, ApiError, ApiResult, ErrorBody};
use app::periods::Period;
use app::reports::{service, ReportQuery};
use axum::http::{StatusCode, Uri};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct Group {
    /// The project, client or `#tag` name, or the day or month.
    pub name: String,
    pub secs: i64,
    pub billable_secs: i64,
    /// Not given per day.
    pub amount_cents: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    /// First and last day, `YYYY-MM-DD`, in the person's timezone.
    pub from: String,
    pub to: String,
    pub timezone: String,
    pub currency: String,
    /// Whether every member's time is counted (owners and admins) or only the person's.
    pub everyone: bool,
    pub total_secs: i64,
    pub billable_secs: i64,
    pub amount_cents: i64,
    pub entry_count: usize,
    pub group_by: String,
    pub groups: Vec<Group>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (included).
    pub to: Option<String>,
    /// Comma-separated tag names; entries with any of them count.
    pub tags: Option<String>,
    pub project_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// `project` (default), `client`, `tag` or `day` (the chart's bars: days,
    /// or months for long ranges).
    pub group_by: Option<String>,
}

#[utoipa::path(get, path = "/reports/summary", tag = "reports", params(SummaryParams),
    responses((status = 200, body = Summary), (status = 422, body = ErrorBody)))]
pub async fn summary(Extension(ctx): Extension<ApiCtx>, uri: Uri) -> ApiResult<Summary> {
    let p: SummaryParams = query(&uri)?;
    let group_by = p
        .group_by
        .as_deref()
        .unwrap_or("project")
        .trim()
        .to_string();
    if !["project", "client", "tag", "day"].contains(&group_by.as_str()) {
        return Err(ApiError {
            field: Some("group_by".into()),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Use group_by=project, client, tag or day.",
            )
        });
    }
    let names = app::time_filter::names(p.tags.as_deref());
    let tag_ids = app::tags::service::ids_by_names(&ctx.db, &ctx.scope, &names).await?;
    if !names.is_empty() && tag_ids.is_empty() {
        // No such tag: nothing can match (an empty filter would match all).
        return Err(ApiError {
            field: Some("tags".into()),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "None of these tags exists in this workspace.",
            )
        });
    }
    let (person, _) = app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    let tz = app::periods::zone(&person.timezone);
    let q = ReportQuery {
        period: Period::Custom,
        from: p.from.unwrap_or_default(),
        to: p.to.unwrap_or_default(),
        project_id: p.project_id,
        client_id: p.client_id,
        tag_ids,
        ..Default::default()
    };
    let r = service::report(&ctx.db, &ctx.scope, tz, &q, ctx.now).await?;
    let slices = |list: Vec<app::reports::Slice>| {
        list.into_iter()
            .map(|s| Group {
                name: s.name,
                secs: s.secs,
                billable_secs: s.billable_secs,
                amount_cents: Some(s.amount_cents),
            })
            .collect()
    };
    let groups = match group_by.as_str() {
        "client" => slices(r.by_client),
        "tag" => slices(r.by_tag),
        "day" => r
            .bars
            .into_iter()
            .map(|b| Group {
                name: b.title,
                secs: b.secs,
                billable_secs: b.billable_secs,
                amount_cents: None,
            })
            .collect(),
        _ => slices(r.by_project),
    };
    Ok(Json(Summary {
        from: r.from.to_string(),
        to: r.to.to_string(),
        timezone: tz.name().to_string(),
        currency: r.currency,
        everyone: r.everyone,
        total_secs: r.total_secs,
        billable_secs: r.billable_secs,
        amount_cents: r.amount_cents,
        entry_count: r.entry_count,
        group_by,
        groups,
    }))
}
