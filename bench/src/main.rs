//! `timether-bare`: serves one file as a JSON response from a bare axum
//! handler (no middleware, no database), the baseline `make bench`
//! compares Timether's lists with. It lives apart from the `timether`
//! binary, which ships to people who have no use for it.
//!
//! `timether-bare --body FILE [--addr 127.0.0.1:3101] [--serialize]`:
//! with `--serialize` the file is parsed once and serialised again on every
//! request, as a handler that renders its data would.

// The same allocator as the server, so the comparison is of the handlers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

struct Args {
    addr: SocketAddr,
    body: PathBuf,
    serialize: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut addr: SocketAddr = "127.0.0.1:3101".parse()?;
    let mut body = None;
    let mut serialize = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => addr = it.next().unwrap_or_default().parse()?,
            "--body" => body = it.next().map(PathBuf::from),
            "--serialize" => serialize = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let body = body.ok_or_else(|| anyhow::anyhow!("--body FILE is required"))?;
    Ok(Args {
        addr,
        body,
        serialize,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args {
        addr,
        body,
        serialize,
    } = args()?;
    let raw = std::fs::read(&body)?;
    let app = if serialize {
        let value: Arc<serde_json::Value> = Arc::new(serde_json::from_slice(&raw)?);
        axum::Router::new().fallback(move || {
            let v = value.clone();
            async move { axum::Json(v) }
        })
    } else {
        let bytes = axum::body::Bytes::from(raw);
        axum::Router::new().fallback(move || {
            let b = bytes.clone();
            async move { ([(http::header::CONTENT_TYPE, "application/json")], b) }
        })
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
