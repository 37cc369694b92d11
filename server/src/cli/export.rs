//! The export commands' work: the filter from the arguments, Export CSV
//! streamed to a file, Export PDF rendered with the server's limits.

use super::backup::write_out;
use super::{domain, parse_workspace, FilterArgs};
use app::settings::Settings;

/// Export CSV of a workspace's time, as its owner (everyone's time), in
/// the owner's timezone.
pub(super) async fn export_csv(
    db: &sea_orm::DatabaseConnection,
    scope: app::tenant::Scope,
    filter: app::time_filter::TimeFilter,
    opts: app::time_export::CsvOptions,
    now: chrono::DateTime<chrono::Utc>,
    path: Option<&std::path::Path>,
) -> anyhow::Result<app::time_export::csv_file::CsvDone> {
    let (person, _) = app::workspaces::service::person_and_workspace(db, &scope)
        .await
        .map_err(domain)?;
    let tz = app::periods::zone(&person.timezone);
    // The filter is checked before anything is written.
    app::time_filter::service::select(&scope, tz, &filter, now).map_err(domain)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = db.clone();
    let task = tokio::spawn(async move {
        app::time_export::csv_file::write(&db, &scope, tz, &filter, opts, now, tx).await
    });
    write_out(rx, task, path, "the CSV file").await
}

/// The owner's scope and the filter the export arguments describe.
pub(super) async fn export_filter(
    db: &sea_orm::DatabaseConnection,
    args: &FilterArgs,
) -> anyhow::Result<(app::tenant::Scope, app::time_filter::TimeFilter)> {
    let id = parse_workspace(&args.workspace)?;
    let scope = app::tenant::owner_scope(db, id).await.map_err(domain)?;
    let names = app::time_filter::names(args.tags.as_deref());
    let filter = app::time_filter::TimeFilter {
        period: app::periods::Period::Custom,
        from: args.from.clone(),
        to: args.to.clone(),
        tag_ids: app::time_filter::service::tags_named(db, &scope, &names)
            .await
            .map_err(domain)?,
        tag_mode: app::time_filter::TagMode::parse(&args.tag_mode).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown tag mode `{}`: use any, all or untagged",
                args.tag_mode
            )
        })?,
        ..Default::default()
    };
    Ok((scope, filter))
}

/// Renders Export PDF in the owner's timezone, with the server's limits.
pub(super) async fn export_pdf(
    db: &sea_orm::DatabaseConnection,
    scope: &app::tenant::Scope,
    filter: &app::time_filter::TimeFilter,
    detail: app::time_export::Detail,
    now: chrono::DateTime<chrono::Utc>,
    settings: &Settings,
) -> anyhow::Result<Vec<u8>> {
    let (person, _) = app::workspaces::service::person_and_workspace(db, scope)
        .await
        .map_err(domain)?;
    let tz = app::periods::zone(&person.timezone);
    let limits = app::time_export::pdf::RenderLimits::new(
        1,
        std::time::Duration::from_secs(settings.pdf_render_timeout_secs),
    );
    app::time_export::pdf::render(db, scope, tz, filter, detail, now, &limits)
        .await
        .map_err(domain)
}

/// Writes `bytes` to `path` under a temporary name, renamed when complete.
pub(super) fn write_whole(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        })
}
