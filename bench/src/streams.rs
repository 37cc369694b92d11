//! `timether-streams`, the load generator of `make bench-live`: opens many
//! live-update streams (`GET /events`) to a running Timether, starts and
//! stops a timer, and measures how long each stream takes to hear of it,
//! and what the open streams cost the server in memory.
//!
//! It speaks plain HTTP/1.1 over TCP (one connection per stream), so what
//! it measures is the server, not a client library.

use anyhow::{anyhow, bail, Context};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

struct Args {
    addr: SocketAddr,
    email: String,
    password: String,
    streams: usize,
    sessions: usize,
    rounds: usize,
    pid: u32,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        addr: "127.0.0.1:3100".parse()?,
        email: String::new(),
        password: String::new(),
        streams: 1000,
        sessions: 50,
        rounds: 40,
        pid: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| anyhow!("{k} needs a value"))?;
        match k.as_str() {
            "--addr" => a.addr = v.parse()?,
            "--email" => a.email = v,
            "--password" => a.password = v,
            "--streams" => a.streams = v.parse()?,
            "--sessions" => a.sessions = v.parse()?,
            "--rounds" => a.rounds = v.parse()?,
            "--pid" => a.pid = v.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.email.is_empty() || a.pid == 0 || a.sessions == 0 {
        bail!("--email, --password and --pid are required");
    }
    Ok(a)
}

/// One request on a connection of its own: status, headers, body.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> anyhow::Result<(u16, String, String)> {
    let mut tcp = TcpStream::connect(addr).await?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    tcp.write_all(head.as_bytes()).await?;
    tcp.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no status in {head:?}"))?;
    Ok((status, head.to_string(), body.to_string()))
}

async fn sign_in(a: &Args) -> anyhow::Result<String> {
    let form = format!(
        "email={}&password={}",
        a.email.replace('@', "%40"),
        a.password.replace(' ', "+")
    );
    let (status, head, body) = request(
        a.addr,
        "POST",
        "/rpc/sign_in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        &form,
    )
    .await?;
    if status != 200 {
        bail!("sign-in answered {status}: {body}");
    }
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie")
                .then(|| v.trim().split(';').next().unwrap_or("").to_string())
        })
        .ok_or_else(|| anyhow!("sign-in set no cookie"))
}

/// Opens a stream and waits for its `hello`; then reports each `changed`.
async fn open_stream(
    addr: SocketAddr,
    cookie: String,
    heard: mpsc::UnboundedSender<Instant>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut tcp = TcpStream::connect(addr).await?;
    let head = format!(
        "GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await?;
    let mut lines = BufReader::new(tcp).lines();
    let status = lines.next_line().await?.unwrap_or_default();
    if !status.contains(" 200 ") {
        bail!("the stream answered {status}");
    }
    loop {
        let line = lines.next_line().await?.context("closed before hello")?;
        if line == "event: hello" {
            break;
        }
    }
    Ok(tokio::spawn(async move {
        // Chunked transfer encoding puts size lines between events; only
        // the event lines matter here.
        while let Ok(Some(line)) = lines.next_line().await {
            if line == "event: changed" && heard.send(Instant::now()).is_err() {
                return;
            }
        }
    }))
}

fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS for {pid}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let mut cookies = Vec::new();
    for _ in 0..a.sessions {
        cookies.push(sign_in(&a).await?);
    }
    // A first stream and a first change, so the hub's one-time work (its
    // sweep, the first channel) is not counted as the streams' memory.
    let (warm_tx, mut warm_rx) = mpsc::unbounded_channel();
    let warm = open_stream(a.addr, cookies[0].clone(), warm_tx).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kb(a.pid)?;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for i in 0..a.streams {
        let cookie = cookies[i % cookies.len()].clone();
        tasks.push(open_stream(a.addr, cookie, tx.clone()).await?);
    }
    drop(tx);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = rss_kb(a.pid)?;
    let per_stream = (after.saturating_sub(before) * 1024) as f64 / a.streams as f64;

    let mut last = Vec::new();
    let mut each = Vec::new();
    for round in 0..a.rounds {
        let (path, body) = if round % 2 == 0 {
            ("/rpc/start_timer", r#"{"input":{"description":"Bench"}}"#)
        } else {
            ("/rpc/stop_timer", r#"{"entry_id":null}"#)
        };
        let started = Instant::now();
        let (status, _, answer) = request(
            a.addr,
            "POST",
            path,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("Cookie", &cookies[round % cookies.len()]),
            ],
            body,
        )
        .await?;
        if status != 200 {
            bail!("{path} answered {status}: {answer}");
        }
        let mut latest = Duration::ZERO;
        for _ in 0..a.streams {
            let at = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .context("a stream did not hear of the change within 10 s")?
                .context("streams closed")?;
            let took = at.duration_since(started);
            each.push(took.as_secs_f64() * 1000.0);
            latest = latest.max(took);
        }
        last.push(latest.as_secs_f64() * 1000.0);
        while warm_rx.try_recv().is_ok() {}
        // Apart by more than the server's spacing of events in a burst
        // (500 ms), so each round measures a change on its own.
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    last.sort_by(f64::total_cmp);
    each.sort_by(f64::total_cmp);
    println!(
        "streams={} sessions={} rounds={} rss_before_kb={before} rss_after_kb={after} per_stream_bytes={per_stream:.0} last_p50_ms={:.1} last_p99_ms={:.1} each_p50_ms={:.1} each_p99_ms={:.1}",
        a.streams,
        a.sessions,
        a.rounds,
        percentile(&last, 0.5),
        percentile(&last, 0.99),
        percentile(&each, 0.5),
        percentile(&each, 0.99),
    );
    for t in tasks {
        t.abort();
    }
    warm.abort();
    Ok(())
}
