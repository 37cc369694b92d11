//! `timether`: serves the app (default) or runs an admin command.

use axum::serve::ListenerExt;
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;
use timether_server::cli::{load_settings, run_admin, Cli, Command};
use tracing_subscriber::EnvFilter;

// A list request allocates thousands of small rows and strings; glibc's
// malloc spent a sixth of the server's time on them under load. The
// `override` feature sends C's malloc here as well: SQLite allocates for
// every value it binds and cell it copies, and glibc's bins (and frees of
// blocks another thread allocated) took a third of SQLite's thread in an
// import of a million entries.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match load_settings(&cli.config) {
        Ok(settings) => match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&cli.config, settings).await,
            other => run_admin(&settings, other).await,
        },
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn serve(config: &std::path::Path, settings: app::settings::Settings) -> anyhow::Result<()> {
    let conf = if config.exists() {
        leptos::prelude::get_configuration(config.to_str())?
    } else {
        leptos::prelude::get_configuration(None)?
    };
    let options = conf.leptos_options;
    let addr: SocketAddr = options.site_addr;
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = app::db::connect(&settings.database_url)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the database {}: {e}",
                timether_server::cli::redact(&settings.database_url)
            )
        })?;
    let settings = Arc::new(settings);
    tokio::spawn(housekeeping(db.clone(), settings.clone()));
    let clock: timether_server::Clock = Arc::new(timether_server::system_clock);
    let live = app::live::Hub::new(db.clone(), settings.clone(), clock.clone());
    let router = timether_server::router_with_hub(db, settings, options, clock, live.clone());
    // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold the
    // later chunks of a streamed page for ~40 ms.
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set: {e}");
        }
    });
    tracing::info!("Timether is listening on http://{addr}");
    // On Ctrl-C or SIGTERM (what a container stop sends) no new connection
    // is taken and the requests under way may finish, for at most
    // DRAIN_LIMIT; a request still running then (a stuck client) is cut.
    let stopping = Arc::new(tokio::sync::Notify::new());
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown({
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("stopping: finishing the requests under way");
            // Open live-update streams never finish by themselves.
            live.close_all();
            stopping.notify_one();
        }
    });
    tokio::select! {
        served = server => served?,
        _ = async {
            stopping.notified().await;
            tokio::time::sleep(DRAIN_LIMIT).await;
        } => tracing::warn!("stopping: requests still running after {DRAIN_LIMIT:?} were cut"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Deletes unusable sessions, challenges and rate-limit windows now and
/// then (`app::housekeeping`).
async fn housekeeping(db: sea_orm::DatabaseConnection, settings: Arc<app::settings::Settings>) {
    let mut every = tokio::time::interval(app::housekeeping::EVERY);
    loop {
        every.tick().await;
        match app::housekeeping::sweep(&db, &settings, timether_server::system_clock()).await {
            Ok(swept) => tracing::info!(?swept, "housekeeping"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed; trying again later"),
        }
    }
}

/// How long a stopping server waits for the requests under way.
const DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(8);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("SIGTERM cannot be caught ({e}); only Ctrl-C stops gracefully");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
