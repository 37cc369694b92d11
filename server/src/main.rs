//! `timether`: serves the app (default) or runs an admin command.

use axum::serve::ListenerExt;
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;
use timether_server::cli::{load_settings, run_admin, serve_bare, Cli, Command, DevCommand};
use tracing_subscriber::EnvFilter;

// A list request allocates thousands of small rows and strings; glibc's
// malloc spent a sixth of the server's time on them under load.
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
            Command::Dev(DevCommand::Bare {
                addr,
                body,
                serialize,
            }) => serve_bare(addr, &body, serialize).await,
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
    let router = timether_server::router(db, Arc::new(settings), options);
    // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold the
    // later chunks of a streamed page for ~40 ms.
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set: {e}");
        }
    });
    tracing::info!("Timether is listening on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
