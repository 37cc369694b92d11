//! The backup commands' work: writing an export to a file (complete or
//! not at all) and running an import with its progress.

use super::domain;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Runs an import, with a progress line on a terminal (plain lines
/// otherwise, every 100,000 entries).
pub(super) async fn import_backup(
    db: &sea_orm::DatabaseConnection,
    scope: &app::tenant::Scope,
    path: PathBuf,
    mode: app::backup::Mode,
    dry_run: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<app::backup::ImportReport> {
    if !path.is_file() {
        anyhow::bail!("cannot read {}: no such file", path.display());
    }
    let cmd = app::backup::import::ImportCommand {
        path,
        mode,
        dry_run,
    };
    let terminal = std::io::stderr().is_terminal();
    // Plain lines: one at each tenth of the file.
    let tenths = std::sync::atomic::AtomicU64::new(0);
    let progress = move |done: u64, total: u64| {
        if terminal {
            eprint!("\r{done} of {total} time entries");
        } else {
            let tenth = (done * 10).checked_div(total).unwrap_or(10);
            if tenth > tenths.swap(tenth, std::sync::atomic::Ordering::Relaxed) {
                eprintln!("{}% ({done} of {total} time entries)", tenth * 10);
            }
        }
    };
    let report = app::backup::import::import(db, scope, &cmd, now, &progress)
        .await
        .map_err(domain)?;
    if terminal {
        eprintln!();
    }
    Ok(report)
}

/// Runs the export, writing its chunks to `path` (complete or not at all)
/// or to standard output.
pub(super) async fn export_backup(
    db: &sea_orm::DatabaseConnection,
    scope: app::tenant::Scope,
    now: chrono::DateTime<chrono::Utc>,
    gzip: bool,
    path: Option<&std::path::Path>,
) -> anyhow::Result<app::backup::Export> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = db.clone();
    let task = tokio::spawn(async move { app::backup::export(&db, &scope, now, gzip, tx).await });
    write_out(rx, task, path, "the backup").await
}

/// Writes the chunks `rx` receives to `path` (under a temporary name,
/// renamed once complete, so a failure leaves no partial file) or to
/// standard output, then returns what the writer `task` returned.
pub(super) async fn write_out<T>(
    mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    task: tokio::task::JoinHandle<Result<T, app::error::Error>>,
    path: Option<&std::path::Path>,
    what: &str,
) -> anyhow::Result<T> {
    let partial = path.map(|p| {
        let mut name = p.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        p.with_file_name(name)
    });
    let mut sink: Box<dyn Write + Send> = match &partial {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::stdout()),
    };
    let mut written = Ok(());
    while let Some(chunk) = rx.recv().await {
        if written.is_ok() {
            written = sink.write_all(&chunk);
        }
    }
    let flushed = written.and_then(|()| sink.flush());
    drop(sink);
    let done = task.await?.map_err(domain);
    let result = match (done, flushed) {
        (Ok(done), Ok(())) => Ok(done),
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(anyhow::anyhow!("writing {what}: {e}")),
    };
    match (&result, &partial, path) {
        (Ok(_), Some(tmp), Some(path)) => std::fs::rename(tmp, path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        (Err(_), Some(tmp), _) => {
            let _ = std::fs::remove_file(tmp);
        }
        _ => {}
    }
    result
}
