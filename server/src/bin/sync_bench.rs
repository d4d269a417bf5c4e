//! `supplyline-sync-bench`: the Odoo sync's figures, printed (not asserted), against the in-process
//! Odoo simulator over HTTP.
//!
//! 1. Push throughput: `--pushes` POs with one `po.acknowledged` outbox row each, drained by a fresh
//!    engine at worker concurrency 1, 4 and 16 with `--latency-ms` injected per Odoo call; next to the
//!    ideal (Odoo round trips × latency ÷ concurrency). The calls are counted from the simulator's log.
//! 2. Acknowledgement → Odoo latency at idle: a running worker, no injected latency; `--acks` times in
//!    turn, an acknowledgement event is committed (the commit rings the outbox bell) and the PO is
//!    watched in the simulator until it reads `acknowledged = true`. p50 / p99 / max.
//! 3. Initial pull: `--pull-pos` POs of `--pull-lines` lines seeded in Odoo, then `pull_all()` into an
//!    empty portal; the Odoo reads the pull made are replayed alone to show where the time goes.
//!
//! Each runs on SQLite (a temp file) and on PostgreSQL (a fresh database, dropped afterwards) when
//! `--postgres-url` is given or PostgreSQL answers at the default URL.
//!
//!     cargo run --release -p supplyline --bin supplyline-sync-bench
//!     cargo run -p supplyline --bin supplyline-sync-bench -- --pushes 16 --acks 20 --pull-pos 200

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use odoo_sim::{NewPoLine, OdooVersion, SimConfig, Simulator};
use serde_json::{json, Value};
use supplyline::db::{Db, Executor, Sql};
use supplyline::secret::{MasterKeys, Secret};
use supplyline::sync::config::SyncConfig;
use supplyline::sync::pull::PullReport;
use supplyline::sync::{connection, SyncEngine};

#[path = "shared/bench_db.rs"]
mod bench_db;
use bench_db::{drop_db, fresh_db, Backend};

/// The simulator's administrator (its setup helpers run as this user).
const SIM_ADMIN: i64 = 2;

#[derive(Parser)]
struct Args {
    /// POs (one acknowledgement each) pushed per concurrency level.
    #[arg(long, default_value_t = 64)]
    pushes: usize,
    /// Injected latency per Odoo call for the push throughput, in ms.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Acknowledgements timed one after another at idle.
    #[arg(long, default_value_t = 200)]
    acks: usize,
    /// POs in Odoo for the initial pull.
    #[arg(long, default_value_t = 10_000)]
    pull_pos: usize,
    /// Lines per PO for the initial pull.
    #[arg(long, default_value_t = 5)]
    pull_lines: usize,
    /// Seed Odoo one PO per call (`Simulator::create_purchase_order`): the simulator snapshots its
    /// whole store for every write, so this is quadratic. By default POs are created and confirmed
    /// in batches of 500 through the same ORM methods.
    #[arg(long)]
    seed_one_by_one: bool,
    /// PostgreSQL server to create the benchmark databases on (default: tried at 127.0.0.1:5432).
    #[arg(long)]
    postgres_url: Option<String>,
    /// Only SQLite.
    #[arg(long)]
    sqlite_only: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

// ---- Odoo and the portal ----

/// A simulated Odoo 19 with one vendor, its bot user and a few products.
struct Odoo {
    sim: Simulator,
    addr: SocketAddr,
    vendor: i64,
    bot_key: String,
    products: Vec<i64>,
}

async fn odoo(products: usize) -> Odoo {
    let sim =
        Simulator::new(SimConfig { version: OdooVersion::V19, database: "brightwell".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let vendor = sim.create_vendor("Nordhavn Fasteners", Some("orders@nordhavn.example"));
    let (_, bot_key) = sim.create_bot_user(vendor, "nordfast-bot");
    let products = (0..products)
        .map(|i| sim.create_product(&format!("FAST-{i:03}"), &format!("Hex bolt M8x{}", 20 + i), "none", "Units"))
        .collect();
    Odoo { sim, addr, vendor, bot_key, products }
}

impl Odoo {
    fn lines(&self, count: usize, offset: usize) -> Vec<NewPoLine> {
        (0..count)
            .map(|i| NewPoLine {
                product_id: self.products[(offset + i) % self.products.len()],
                qty: 5.0 + i as f64,
                price_unit: 2.5,
                date_planned: Utc::now() + chrono::Duration::days(14),
            })
            .collect()
    }

    /// Confirmed POs of the vendor; returns their Odoo ids.
    fn create_pos(&self, count: usize, lines: usize, one_by_one: bool) -> Vec<i64> {
        if one_by_one {
            return (0..count)
                .map(|i| self.sim.create_purchase_order(self.vendor, &self.lines(lines, i), true))
                .collect();
        }
        let mut ids = Vec::with_capacity(count);
        let mut made = 0;
        while made < count {
            let batch = (count - made).min(500);
            let vals: Vec<Value> = (made..made + batch)
                .map(|i| {
                    let lines: Vec<Value> = self
                        .lines(lines, i)
                        .iter()
                        .map(|l| {
                            json!([0, 0, {"product_id": l.product_id, "product_qty": l.qty, "price_unit": l.price_unit,
                                          "date_planned": l.date_planned.format("%Y-%m-%d %H:%M:%S").to_string()}])
                        })
                        .collect();
                    json!({"partner_id": self.vendor, "order_line": lines})
                })
                .collect();
            let created = self
                .sim
                .call_method(SIM_ADMIN, "purchase.order", "create", None, json!({ "vals_list": vals }))
                .expect("create POs");
            let created: Vec<i64> =
                created.as_array().expect("create answers ids").iter().filter_map(Value::as_i64).collect();
            self.sim
                .call_method(SIM_ADMIN, "purchase.order", "button_confirm", Some(created.clone()), json!({}))
                .expect("confirm POs");
            ids.extend(created);
            made += batch;
        }
        ids
    }
}

/// A migrated portal database with the demo suppliers, NORDFAST bound to the simulator's bot.
struct Portal {
    db: Db,
    keys: MasterKeys,
    nordfast: i64,
    connection_id: i64,
}

async fn portal(url: &str, odoo: &Odoo) -> Portal {
    let config = supplyline::config::Config { database_url: url.to_string(), ..Default::default() };
    let db = supplyline::startup::open_database(&config).await.expect("database opens and migrates");
    supplyline::demo::seed(&db, 0).await.expect("demo suppliers");
    let keys = MasterKeys::generate("bench");
    let (connection_id, _webhook_secret) =
        connection::create_connection(&db, "sim", &format!("http://{}", odoo.addr), "brightwell").await.unwrap();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let nordfast = db
        .exec()
        .fetch_one::<Id>(Sql::new("SELECT id FROM supplier WHERE code = $1").bind("NORDFAST"))
        .await
        .unwrap()
        .id;
    connection::bind(
        &db,
        &keys,
        connection_id,
        Some(nordfast),
        Some(odoo.vendor),
        "nordfast-bot",
        &Secret::new(odoo.bot_key.clone()),
        None,
    )
    .await
    .expect("binds NORDFAST");
    Portal { db, keys, nordfast, connection_id }
}

fn sync_config(concurrency: usize) -> SyncConfig {
    SyncConfig {
        concurrency,
        backoff_base_ms: 1,
        backoff_cap_secs: 1,
        hint_delay_ms: 0,
        request_timeout_secs: 30,
        lease_secs: 60,
        ..SyncConfig::default()
    }
}

impl Portal {
    fn engine(&self, concurrency: usize) -> Arc<SyncEngine> {
        SyncEngine::new(self.db.clone(), self.keys.clone(), sync_config(concurrency))
    }

    /// Canonical PO ids by Odoo id.
    async fn canonical(&self) -> HashMap<i64, i64> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            odoo_id: i64,
        }
        let rows: Vec<Row> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT id, odoo_id FROM purchase_order WHERE odoo_connection_id = $1 AND odoo_id IS NOT NULL",
                )
                .bind(self.connection_id),
            )
            .await
            .unwrap();
        rows.into_iter().map(|r| (r.odoo_id, r.id)).collect()
    }

    /// Commits one acknowledgement of `po` bound for Odoo, as the domain does (the commit rings the bell).
    async fn acknowledge(&self, po: i64) {
        let mut tx = self.db.begin().await.unwrap();
        supplyline::domain::event::emit(
            &mut tx,
            supplyline::domain::event::NewEvent {
                event_type: "po.acknowledged",
                aggregate: ("purchase_order", po),
                supplier_id: Some(self.nordfast),
                payload: json!({"purchase_order_id": po, "revision": 1, "decision": "accept", "lines": []}),
                destinations: &["odoo"],
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn count(&self, sql: &str) -> i64 {
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        self.db.exec().fetch_one::<N>(Sql::new(sql)).await.unwrap().n
    }
}

// ---- 1. push throughput ----

struct PushRun {
    concurrency: usize,
    pushes: usize,
    calls: usize,
    set_ups: usize,
    failed_calls: usize,
    wall: Duration,
    ideal: Duration,
    floor: Duration,
    by_method: BTreeMap<String, usize>,
}

async fn push_throughput(args: &Args, backend: Backend, pg_admin: &str) -> Vec<PushRun> {
    let odoo = odoo(4).await;
    let bench = fresh_db(backend, pg_admin).await;
    let portal = portal(&bench.url, &odoo).await;
    let odoo_pos = odoo.create_pos(args.pushes, 1, false);
    portal.engine(4).pull_all().await;
    let canonical = portal.canonical().await;
    let pos: Vec<i64> = odoo_pos.iter().map(|id| canonical[id]).collect();
    let mut runs = Vec::new();
    for concurrency in [1, 4, 16] {
        for &po in &pos {
            portal.acknowledge(po).await;
        }
        // A fresh engine: its client connects (version + context_get) as part of the run.
        let engine = portal.engine(concurrency);
        odoo.sim.faults().set_latency(args.latency_ms);
        odoo.sim.clear_calls();
        let started = Instant::now();
        let handled = engine.worker().drain().await.expect("the queue drains");
        let wall = started.elapsed();
        odoo.sim.faults().clear();
        let calls = odoo.sim.calls();
        let pending = portal.count("SELECT COUNT(*) AS n FROM outbox WHERE status <> 'done'").await;
        assert_eq!((handled, pending), (pos.len(), 0), "every push done at concurrency {concurrency}");
        let mut by_method = BTreeMap::new();
        for call in &calls {
            *by_method.entry(format!("{}.{}", call.model, call.method)).or_insert(0) += 1;
        }
        // A connection set-up is GET /web/version (not in the simulator's log) and context_get: two
        // round trips. One is needed; more are clients connected side by side for the same supplier.
        let set_ups = calls.iter().filter(|c| c.method == "context_get").count();
        let push_calls = calls.len() - set_ups;
        let latency = Duration::from_millis(args.latency_ms);
        let ideal = latency * (push_calls + 2) as u32 / concurrency as u32;
        let floor =
            latency * 2 + latency * push_calls.div_ceil(pos.len()) as u32 * pos.len().div_ceil(concurrency) as u32;
        runs.push(PushRun {
            concurrency,
            pushes: handled,
            calls: calls.len(),
            set_ups,
            failed_calls: calls.iter().filter(|c| c.outcome != "ok").count(),
            wall,
            ideal,
            floor,
            by_method,
        });
    }
    drop_db(portal.db, bench).await;
    runs
}

// ---- 2. acknowledgement → Odoo latency at idle ----

struct AckLatency {
    samples: Vec<Duration>,
}

/// Watches the PO in the simulator from a blocking thread (tokio's timer has 1 ms steps) until it
/// reads acknowledged; returns when it first did.
async fn visible_at(sim: &Simulator, odoo_id: i64) -> Instant {
    let sim = sim.clone();
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let record = sim.read_record("purchase.order", odoo_id).expect("the PO exists");
            if record["acknowledged"] == json!(true) {
                return Instant::now();
            }
            assert!(Instant::now() < deadline, "PO {odoo_id} never became acknowledged in Odoo");
            std::thread::sleep(Duration::from_micros(50));
        }
    })
    .await
    .unwrap()
}

async fn ack_latency(args: &Args, backend: Backend, pg_admin: &str) -> AckLatency {
    let odoo = odoo(4).await;
    let bench = fresh_db(backend, pg_admin).await;
    let portal = portal(&bench.url, &odoo).await;
    let odoo_pos = odoo.create_pos(args.acks, 1, false);
    let engine = portal.engine(SyncConfig::default().concurrency);
    engine.pull_all().await;
    let canonical = portal.canonical().await;
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(engine.worker().run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    // The worker's client connects once, before the timed acknowledgements.
    engine.clients.for_supplier(portal.nordfast).await.expect("the bot connects");
    let mut samples = Vec::with_capacity(odoo_pos.len());
    for odoo_id in &odoo_pos {
        portal.acknowledge(canonical[odoo_id]).await;
        let committed = Instant::now();
        samples.push(visible_at(&odoo.sim, *odoo_id).await - committed);
        // Idle again: the push completed (note posted, row done) before the next acknowledgement.
        let deadline = Instant::now() + Duration::from_secs(30);
        while portal.count("SELECT COUNT(*) AS n FROM outbox WHERE status <> 'done'").await > 0 {
            assert!(Instant::now() < deadline, "the push of PO {odoo_id} did not complete");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    stop.send(true).unwrap();
    let _ = worker.await;
    drop_db(portal.db, bench).await;
    samples.sort();
    AckLatency { samples }
}

// ---- 3. initial pull ----

struct PullRun {
    backend: Backend,
    wall: Duration,
    report: PullReport,
    lines_stored: i64,
    calls: BTreeMap<String, usize>,
    /// The pull's Odoo reads replayed alone: the id/write_date scan, then the record reads.
    scan: Duration,
    reads: Duration,
}

async fn initial_pull(odoo: &Odoo, backend: Backend, pg_admin: &str) -> PullRun {
    let bench = fresh_db(backend, pg_admin).await;
    let portal = portal(&bench.url, odoo).await;
    let engine = portal.engine(SyncConfig::default().concurrency);
    odoo.sim.clear_calls();
    let started = Instant::now();
    let report = engine.pull_all().await;
    let wall = started.elapsed();
    let mut calls = BTreeMap::new();
    for call in odoo.sim.calls() {
        *calls.entry(format!("{}.{}", call.model, call.method)).or_insert(0) += 1;
    }
    let lines_stored = portal.count("SELECT COUNT(*) AS n FROM purchase_order_line").await;
    let (scan, reads) = replay_pull_reads(&engine, portal.nordfast).await;
    drop_db(portal.db, bench).await;
    PullRun { backend, wall, report, lines_stored, calls, scan, reads }
}

/// The same Odoo reads `pull_supplier` makes from an empty cursor (pages of ids and write dates for
/// POs and lines, then the POs and their lines by chunk), without storing anything.
async fn replay_pull_reads(engine: &SyncEngine, supplier: i64) -> (Duration, Duration) {
    let odoo = engine.clients.for_supplier(supplier).await.expect("the bot connects");
    let page_size = engine.config().pull_page_size;
    let started = Instant::now();
    let mut ids = std::collections::BTreeSet::new();
    for model in ["purchase.order", "purchase.order.line"] {
        let mut offset = 0;
        loop {
            let mut kwargs = serde_json::Map::new();
            kwargs.insert("domain".into(), json!([]));
            let fields = if model == "purchase.order" { vec!["write_date"] } else { vec!["order_id", "write_date"] };
            kwargs.insert("fields".into(), json!(fields));
            kwargs.insert("order".into(), json!("write_date asc, id asc"));
            kwargs.insert("limit".into(), json!(page_size));
            kwargs.insert("offset".into(), json!(offset));
            let page = odoo.call(model, "search_read", None, kwargs).await.expect("scan page");
            let page = page.as_array().cloned().unwrap_or_default();
            for item in &page {
                let id = if model == "purchase.order" {
                    item.get("id")
                } else {
                    item.get("order_id").and_then(|m| m.get(0))
                };
                ids.extend(id.and_then(Value::as_i64));
            }
            if page.len() < page_size {
                break;
            }
            offset += page.len();
        }
    }
    let scan = started.elapsed();
    let names = odoo.version().fields();
    let ids: Vec<i64> = ids.into_iter().collect();
    let started = Instant::now();
    for chunk in ids.chunks(page_size) {
        let order_fields = supplyline::sync::record::order_fields(names);
        odoo.search_read("purchase.order", json!([["id", "in", chunk]]), &order_fields, Some("id asc"), None)
            .await
            .expect("orders");
        let line_fields = supplyline::sync::record::line_fields(names);
        odoo.search_read("purchase.order.line", json!([["order_id", "in", chunk]]), &line_fields, Some("id asc"), None)
            .await
            .expect("lines");
    }
    (scan, started.elapsed())
}

// ---- the report ----

fn print_pushes(args: &Args, backend: Backend, runs: &[PushRun]) {
    println!(
        "Push throughput, {}: {} pushes (po.acknowledged), {} ms injected per Odoo call",
        backend.label(),
        args.pushes,
        args.latency_ms
    );
    println!(
        "  {:>4} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>6} {:>9} {:>6}",
        "conc", "pushes", "calls", "set-ups", "wall ms", "pushes/s", "ideal ms", "eff.", "floor ms", "eff."
    );
    for run in runs {
        println!(
            "  {:>4} {:>7} {:>7} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>5.0}% {:>9.1} {:>5.0}%",
            run.concurrency,
            run.pushes,
            run.calls,
            run.set_ups,
            ms(run.wall),
            run.pushes as f64 / run.wall.as_secs_f64(),
            ms(run.ideal),
            100.0 * run.ideal.as_secs_f64() / run.wall.as_secs_f64(),
            ms(run.floor),
            100.0 * run.floor.as_secs_f64() / run.wall.as_secs_f64()
        );
    }
    println!(
        "  calls: RPCs in the simulator's log ({} failed); set-ups: client connections made (context_get), each",
        runs.iter().map(|r| r.failed_calls).sum::<usize>()
    );
    println!("  also an unlogged GET /web/version. ideal = (push calls + one set-up's 2) × latency ÷ concurrency;");
    println!("  floor = one set-up, then ⌈pushes ÷ concurrency⌉ rounds of one push's calls, each call one latency");
    for run in runs {
        let methods: Vec<String> = run.by_method.iter().map(|(m, n)| format!("{m} {n}")).collect();
        println!("  c={:<3} {}", run.concurrency, methods.join(", "));
    }
    println!();
}

fn print_acks(args: &Args, backend: Backend, acks: &AckLatency) {
    let s = &acks.samples;
    println!(
        "Acknowledgement → visible in Odoo at idle, {}: {} acknowledgements, no injected latency",
        backend.label(),
        args.acks
    );
    println!(
        "  commit → acknowledged   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   min {:>7.2} ms",
        ms(percentile(s, 0.5)),
        ms(percentile(s, 0.99)),
        ms(*s.last().unwrap()),
        ms(s[0])
    );
    println!();
}

fn print_pull(args: &Args, run: &PullRun) {
    let secs = run.wall.as_secs_f64();
    let r = &run.report;
    println!("Initial pull, {}: {} POs × {} lines from empty", run.backend.label(), args.pull_pos, args.pull_lines);
    println!("  pull_all                {:>9.2} s", secs);
    println!("  POs/s                   {:>9.0}", r.created as f64 / secs);
    println!("  lines/s                 {:>9.0}   ({} lines stored)", run.lines_stored as f64 / secs, run.lines_stored);
    println!(
        "  report                  seen {}, created {}, revised {}, updated {}, foreign {}, missing {}",
        r.seen,
        r.created,
        r.revised,
        r.updated,
        r.foreign,
        r.missing.len()
    );
    println!(
        "  Odoo reads, replayed    {:>9.2} s   (id/write_date scan {:.2} s, record reads {:.2} s); the rest is the portal's side",
        (run.scan + run.reads).as_secs_f64(),
        run.scan.as_secs_f64(),
        run.reads.as_secs_f64()
    );
    let methods: Vec<String> = run.calls.iter().map(|(m, n)| format!("{m} {n}")).collect();
    println!("  Odoo calls              {}", methods.join(", "));
    println!();
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (backends, pg_admin) = bench_db::backends(args.postgres_url.as_deref(), args.sqlite_only).await;

    println!(
        "\nSupplyline sync benchmark ({} build), Odoo simulator 19 over HTTP on 127.0.0.1\n",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    for &backend in &backends {
        let runs = push_throughput(&args, backend, &pg_admin).await;
        print_pushes(&args, backend, &runs);
    }
    for &backend in &backends {
        let acks = ack_latency(&args, backend, &pg_admin).await;
        print_acks(&args, backend, &acks);
    }

    let odoo = odoo(50).await;
    let started = Instant::now();
    odoo.create_pos(args.pull_pos, args.pull_lines, args.seed_one_by_one);
    let seeding = started.elapsed();
    println!(
        "Seeding Odoo: {} confirmed POs × {} lines in {:.2} s ({})\n",
        args.pull_pos,
        args.pull_lines,
        seeding.as_secs_f64(),
        if args.seed_one_by_one { "one create_purchase_order each" } else { "create + button_confirm, 500 per call" }
    );
    for &backend in &backends {
        let run = initial_pull(&odoo, backend, &pg_admin).await;
        print_pull(&args, &run);
    }
}
