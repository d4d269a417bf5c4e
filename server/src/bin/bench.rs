//! `./dev bench`: the walking skeleton's figures, printed (not asserted).
//!
//! For SQLite and PostgreSQL each: a fresh database seeded with `--pos` POs, the release server
//! started as a child process; time from spawn to a ready `/readyz`, resident memory when idle,
//! server-side render latency (p50/p99) of the PO inbox (buyer: every PO; supplier: its own, and its
//! "needs acknowledgement" view) and of a PO detail page, and the latency of submitting an ASN (a
//! form post that validates, writes the ASN with its lots and queues it for Odoo and notifications).
//! Then the WebAssembly bundle's size, raw and gzipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use supplyline::db::Db;

#[derive(Parser)]
struct Args {
    /// The release `supplyline` binary.
    #[arg(long)]
    server: PathBuf,
    /// The built site (holds pkg/supplyline.wasm).
    #[arg(long, default_value = "target/site")]
    site: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    pos: usize,
    #[arg(long, default_value_t = 400)]
    requests: usize,
    /// PostgreSQL server to create the benchmark database on.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg: String,
}

struct Figures {
    backend: &'static str,
    seed: Duration,
    ready: Duration,
    idle_rss_kib: u64,
    loaded_rss_kib: u64,
    latencies: Vec<(&'static str, Duration, Duration)>,
    asn_submit: Option<(usize, Duration, Duration)>,
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn run_backend(args: &Args, backend: &'static str, url: &str) -> Figures {
    let db = Db::connect(url).await.expect("database opens");
    db.migrate().await.expect("migrations apply");
    let t = Instant::now();
    supplyline::demo::seed(&db, args.pos).await.expect("seed");
    let seed = t.elapsed();
    db.close().await;

    let port = free_port();
    let started = Instant::now();
    let child = Command::new(&args.server)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("SUPPLYLINE_BIND", format!("127.0.0.1:{port}"))
        .env("SUPPLYLINE_SITE_ROOT", &args.site)
        .env("SUPPLYLINE_LOG_LEVEL", "warn")
        .env("SUPPLYLINE_MAIL_TRANSPORT", "log")
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let plain = reqwest::Client::new();
    let ready = loop {
        if let Ok(r) = plain.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break started.elapsed();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not become ready");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_kib = rss_kib(server.0.id());

    let supplier_po = first_po_of(url, "NORDFAST").await;
    let detail = format!("/pos/{supplier_po}");
    let mut latencies = Vec::new();
    for (label, email, path) in [
        ("buyer, all POs, page 1", "maria@brightwell.example", "/pos"),
        ("buyer, search 'gearbox'", "maria@brightwell.example", "/pos?q=gearbox"),
        ("buyer, PO detail", "maria@brightwell.example", detail.as_str()),
        ("supplier, own POs, page 1", "lars@nordhavn.example", "/pos"),
        ("supplier, needs acknowledgement", "lars@nordhavn.example", "/pos?view=needs_ack"),
        ("supplier, PO detail", "lars@nordhavn.example", detail.as_str()),
    ] {
        let client = signed_in(&base, email).await;
        for _ in 0..20 {
            client.get(format!("{base}{path}")).send().await.unwrap().bytes().await.unwrap();
        }
        let mut samples = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let t = Instant::now();
            let res = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.bytes().await.unwrap();
            samples.push(t.elapsed());
        }
        samples.sort();
        latencies.push((label, percentile(&samples, 0.5), percentile(&samples, 0.99)));
    }
    let asn_submit = asn_submission(&base, args.requests.min(200)).await;
    let loaded_rss_kib = rss_kib(server.0.id());
    drop(server);
    Figures { backend, seed, ready, idle_rss_kib, loaded_rss_kib, latencies, asn_submit }
}

/// A browser-like client signed in as `email`.
async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", supplyline::demo::DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers().get("location").unwrap(), "/pos", "sign-in as {email}");
    client
}

async fn first_po_of(url: &str, supplier_code: &str) -> i64 {
    use supplyline::db::{Executor, Sql};
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let db = Db::connect(url).await.expect("database opens");
    let row: Id = db
        .exec()
        .fetch_one(
            Sql::new("SELECT po.id FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id WHERE s.code = $1 ORDER BY po.id LIMIT 1")
                .bind(supplier_code),
        )
        .await
        .expect("the supplier has POs");
    db.close().await;
    row.id
}

/// Submits `count` one-unit ASNs, each on another open line (lots or serials as the product needs),
/// the way the form does; answers how many and the p50/p99 latency.
async fn asn_submission(base: &str, count: usize) -> Option<(usize, Duration, Duration)> {
    let client = signed_in(base, "lars@nordhavn.example").await;
    let rpc = |path: &str, body: String| {
        client
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
    };
    let draft: serde_json::Value = rpc("/rpc/shippable_lines", String::new()).await.ok()?.json().await.ok()?;
    let lines: Vec<serde_json::Value> = draft["lines"]
        .as_array()?
        .iter()
        .filter(|l| l["max_shippable"].as_f64().unwrap_or(0.0) >= 1.0)
        .cloned()
        .collect();
    if lines.is_empty() {
        return None;
    }
    let today = chrono::Utc::now().date_naive();
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let line = &lines[i % lines.len()];
        let lots = match line["tracking"].as_str() {
            Some("lot") => format!("BENCH-{i}"),
            Some("serial") => format!("SN-BENCH-{i}"),
            _ => String::new(),
        };
        let body = format!(
            "input[number]=BENCH-{i}&input[carrier]=DHL&input[tracking_ref]=1Z{i}&input[ship_date]={today}&input[eta]={}T10%3A00\
             &input[lines][0][line_id]={}&input[lines][0][quantity]=1&input[lines][0][lots]={lots}\
             &input[lines][0][package]=1&input[packages][0][kind]=carton",
            today + chrono::Duration::days(2),
            line["line_id"]
        );
        let t = Instant::now();
        let res = rpc("/rpc/submit_asn", body).await.ok()?;
        let status = res.status();
        let text = res.text().await.ok()?;
        if !status.is_success() {
            // A line exhausted by earlier runs is skipped, not timed.
            eprintln!("ASN {i} refused ({status}): {text}");
            continue;
        }
        samples.push(t.elapsed());
    }
    samples.sort();
    (!samples.is_empty()).then(|| (samples.len(), percentile(&samples, 0.5), percentile(&samples, 0.99)))
}

fn gzip_size(path: &Path) -> u64 {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().expect("gzip runs");
    out.stdout.len() as u64
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut results = Vec::new();

    let dir = std::env::temp_dir().join(format!("supplyline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    results.push(run_backend(&args, "SQLite", &format!("sqlite://{}/bench.db", dir.display())).await);
    std::fs::remove_dir_all(&dir).ok();

    use sqlx::Connection;
    match sqlx::PgConnection::connect(&args.pg).await {
        Ok(mut admin) => {
            let name = format!("supplyline_bench_{}", std::process::id());
            sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.unwrap();
            let base = args.pg.rsplit_once('/').unwrap().0;
            results.push(run_backend(&args, "PostgreSQL", &format!("{base}/{name}")).await);
            sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).execute(&mut admin).await.unwrap();
        }
        Err(e) => eprintln!("PostgreSQL at {} not reachable ({e}); its figures are skipped", args.pg),
    }

    println!("\nSupplyline benchmark: {} POs, {} requests per scenario, release build\n", args.pos, args.requests);
    for f in &results {
        println!("{}", f.backend);
        println!("  seed {} POs            {:>8.1} s", args.pos, f.seed.as_secs_f64());
        println!("  start → ready           {:>8.1} ms", f.ready.as_secs_f64() * 1000.0);
        println!("  RSS idle                {:>8.1} MiB", f.idle_rss_kib as f64 / 1024.0);
        println!("  RSS after the runs      {:>8.1} MiB", f.loaded_rss_kib as f64 / 1024.0);
        for (label, p50, p99) in &f.latencies {
            println!(
                "  GET {label:<34} p50 {:>6.2} ms   p99 {:>6.2} ms",
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0
            );
        }
        match f.asn_submit {
            Some((n, p50, p99)) => println!(
                "  POST ASN (1 line, 1 carton) x{n:<12} p50 {:>6.2} ms   p99 {:>6.2} ms",
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0
            ),
            None => println!("  POST ASN: no open line to ship"),
        }
        println!();
    }
    let wasm = args.site.join("pkg/supplyline.wasm");
    match std::fs::metadata(&wasm) {
        Ok(meta) => println!(
            "WebAssembly bundle {}: {:.1} KiB raw, {:.1} KiB gzip -9",
            wasm.display(),
            meta.len() as f64 / 1024.0,
            gzip_size(&wasm) as f64 / 1024.0
        ),
        Err(e) => println!("WebAssembly bundle {}: not found ({e})", wasm.display()),
    }
}
