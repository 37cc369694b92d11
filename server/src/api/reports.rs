//! `/reports/summary`: the totals of the Reports page for a date range, in
//! the token person's timezone, grouped one way.

use super::{query, ApiCtx, ApiError, ApiResult, ErrorBody};
use app::reports::service;
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
    /// Instead of `from` and `to`: `this-week`, `last-week`, `this-month`,
    /// `last-month` or `this-year`.
    pub period: Option<String>,
    /// Comma-separated tag names (`#` optional).
    pub tags: Option<String>,
    /// `any` (default): entries with any of the tags; `all`: with every
    /// one of them; `untagged`: entries without tags.
    pub tag_mode: Option<String>,
    pub project_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// One person's time (owners' and admins' tokens; members see their own).
    pub user_id: Option<Uuid>,
    /// Only billable (`true`) or non-billable (`false`) entries.
    pub billable: Option<bool>,
    /// `project` (default), `client`, `tag` or `day` (the chart's bars: days
    /// up to 62 days, weeks from Monday up to 27 weeks, months beyond).
    pub group_by: Option<String>,
}

#[utoipa::path(get, path = "/reports/summary", operation_id = "getReportSummary", tag = "reports", params(SummaryParams),
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
    // The exports' filter, so a summary and a CSV of the same query agree.
    let filter = crate::downloads::TimeParams {
        from: p.from,
        to: p.to,
        period: p.period,
        tags: p.tags,
        tag_mode: p.tag_mode,
        project_id: p.project_id,
        client_id: p.client_id,
        user_id: p.user_id,
        billable: p.billable,
        ..Default::default()
    }
    .filter(&ctx.db, &ctx.scope)
    .await?;
    let (person, _) = app::workspaces::service::person_and_workspace(&ctx.db, &ctx.scope).await?;
    let tz = app::periods::zone(&person.timezone);
    let r = service::report(&ctx.db, &ctx.scope, tz, &filter, ctx.now).await?;
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
