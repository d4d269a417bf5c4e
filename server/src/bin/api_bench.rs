//! `supplyline-api-bench`: acknowledgements per second through the partner API next to the same
//! SQL run directly against the database, and the ratio of the two. Figures are printed, never
//! asserted.
//!
//! - Through the API: `wrk` (Debian's package; `./dev bench` installs it) drives
//!   `POST /api/v1/purchase-orders/{id}/acknowledgement` with a Lua script that gives every request
//!   its own confirmed PO, for `--seconds`, against the release server in this process. Only
//!   acknowledgements that the database holds afterwards are counted.
//! - Directly: the statements one acknowledgement runs (read the PO and its lines, guarded update,
//!   acknowledgement and its lines, line states, the event, its outbox rows, the audit entry), in one
//!   transaction each: on PostgreSQL with `pgbench` and a custom script, on SQLite from as many tasks
//!   as wrk has connections.
//! - Webhooks: the acknowledgements' events fanned out to one internal endpoint on a local receiver
//!   (an axum server in this process) and delivered, signed, by the webhook worker: deliveries per second.
//!
//! Run it with:
//!
//! ```text
//! cargo build --profile server-release -p supplyline --bin supplyline-api-bench
//! $CARGO_TARGET_DIR/server-release/supplyline-api-bench --pos 6000 --seconds 8
//! ```

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use app::model::{NewCredentialInput, Role};
use app::ports::{Actor, ApiAccessPort};
use clap::Parser;
use supplyline::config::Config;
use supplyline::db::{Arg, Db, Executor, Sql};
use supplyline::domain::account::{self, Email};
use supplyline::domain::api_access::ApiAccessService;
use supplyline::startup::Application;

#[path = "shared/bench_db.rs"]
mod bench_db;
use bench_db::{drop_db, fresh_db, Backend};

const SUPPLIER: &str = "NORDFAST";
const SUPPLIER_ADMIN: &str = "anna@nordhavn.example";

#[derive(Parser)]
struct Args {
    /// Confirmed POs waiting for an answer (more than the run can use up).
    #[arg(long, default_value_t = 6000)]
    pos: usize,
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Concurrent connections (wrk, pgbench clients, SQLite tasks).
    #[arg(long, default_value_t = 8)]
    connections: usize,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[arg(long)]
    postgres_url: Option<String>,
    #[arg(long)]
    sqlite_only: bool,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

/// Every seeded PO confirmed, unanswered and the supplier's; answers their ids.
async fn prepare(db: &Db) -> (Vec<i64>, i64, i64) {
    let supplier: IdRow =
        db.exec().fetch_one(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(SUPPLIER)).await.unwrap();
    let statements = [
        "UPDATE purchase_order SET supplier_id = $1, state = 'purchase', ack_state = 'pending', revision = 1",
        "UPDATE purchase_order_line SET ack_state = 'pending' WHERE $1 > 0",
    ];
    for sql in statements {
        db.exec().execute(Sql::new(sql).bind(supplier.id)).await.unwrap();
    }
    let ids: Vec<IdRow> = db.exec().fetch_all(Sql::new("SELECT id FROM purchase_order ORDER BY id")).await.unwrap();
    let user = account::find_by_email(db, &Email::parse(SUPPLIER_ADMIN).unwrap()).await.unwrap().unwrap();
    (ids.into_iter().map(|r| r.id).collect(), supplier.id, user.id)
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.exec().fetch_one::<CountRow>(Sql::new(sql)).await.unwrap().n
}

fn config(url: &str) -> Config {
    let mut config = Config {
        database_url: url.to_string(),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        notifications_enabled: false,
        master_keys: supplyline::secret::MasterKeySpec::new(supplyline::secret::MasterKeys::new_spec("bench")),
        ..Config::default()
    };
    config.sync.enabled = false;
    // Deliveries are measured on their own, after the API run.
    config.webhooks.enabled = false;
    config.webhooks.allow_private_networks = vec!["127.0.0.1".into()];
    config.api.requests_per_minute_per_token = u32::MAX / 2;
    config.api.requests_per_minute_per_address = u32::MAX / 2;
    config
}

fn wrk_script(ids: &[i64], token: &str, threads: usize) -> String {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    format!(
        r#"ids = {{{list}}}
stride = {threads}
started = 0
function setup(thread)
  thread:set("first", started)
  started = started + 1
end
function init(args)
  nxt = first + 1
end
function request()
  local id = ids[nxt] or 0
  nxt = nxt + stride
  return wrk.format("POST", "/api/v1/purchase-orders/" .. id .. "/acknowledgement",
    {{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}},
    '{{"revision": 1, "decision": "accept_all"}}')
end
"#
    )
}

struct ApiRun {
    acks: i64,
    seconds: f64,
    wrk_summary: String,
}

async fn through_api(args: &Args, url: &str, db: &Db, ids: &[i64], supplier: i64, user: i64) -> ApiRun {
    let actor = Actor::new(user, Role::SupplierAdmin, Some(supplier)).unwrap();
    let issued = ApiAccessService { db: db.clone() }
        .create(
            &actor,
            NewCredentialInput {
                kind: "token".into(),
                name: "bench".into(),
                scopes: vec!["po:ack".into()],
                expires_in_days: "1".into(),
            },
        )
        .await
        .unwrap();
    let app = Application::build_with_db(config(url), db.clone()).await.unwrap();
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let script = std::env::temp_dir().join(format!("supplyline-api-bench-{}.lua", std::process::id()));
    std::fs::write(&script, wrk_script(ids, &issued.secret, args.threads)).unwrap();
    let started = Instant::now();
    let output = Command::new("wrk")
        .args([
            "-t",
            &args.threads.to_string(),
            "-c",
            &args.connections.to_string(),
            "-d",
            &format!("{}s", args.seconds),
        ])
        .arg("--latency")
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{addr}"))
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&script);
    let _ = stop.send(());
    let _ = server.await;
    let acks = count(db, "SELECT COUNT(*) AS n FROM acknowledgement").await;
    let text = String::from_utf8_lossy(&output.stdout);
    let wrk_summary = text
        .lines()
        .filter(|l| {
            l.contains("Requests/sec") || l.trim_start().starts_with("50%") || l.trim_start().starts_with("99%")
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    assert!(acks < ids.len() as i64, "every PO was used up: raise --pos above {}", ids.len());
    ApiRun { acks, seconds, wrk_summary }
}

/// The outbox destinations an acknowledgement's event got through the API: the direct runs write the same.
async fn destinations(db: &Db) -> Vec<String> {
    #[derive(sqlx::FromRow)]
    struct Row {
        destination: String,
    }
    let rows: Vec<Row> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT DISTINCT o.destination FROM outbox o JOIN event e ON e.id = o.event_id
              WHERE e.event_type = 'po.acknowledged' ORDER BY o.destination",
        ))
        .await
        .unwrap();
    rows.into_iter().map(|r| r.destination).collect()
}

/// One acknowledgement's statements, as the service runs them, for `pgbench`.
fn pgbench_script(destinations: &[String]) -> String {
    let outbox: String = destinations
        .iter()
        .map(|d| {
            format!(
                "INSERT INTO outbox (event_id, destination, ordering_key, status, attempts, next_attempt_at, created_at)
   VALUES (:event_id, '{d}', 'purchase_order:' || :po, 'pending', 0, now(), now());\n"
            )
        })
        .collect();
    format!(
        r#"\set po random(:first, :last)
BEGIN;
SELECT supplier_id, number, state, ack_state, revision FROM purchase_order WHERE id = :po AND supplier_id = :supplier;
SELECT id, line_no, quantity, requested_date, ack_state FROM purchase_order_line WHERE purchase_order_id = :po ORDER BY line_no;
UPDATE purchase_order SET ack_state = 'accepted', updated_at = now() WHERE id = :po AND revision = 1;
INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, created_at)
   VALUES (:po, 1, :user, 'accept', now()) RETURNING id AS ack_id \gset
INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision, reason)
   SELECT :ack_id, id, 'accept', NULL FROM purchase_order_line WHERE purchase_order_id = :po;
UPDATE purchase_order_line SET ack_state = 'accepted' WHERE purchase_order_id = :po;
INSERT INTO event (event_uid, event_type, schema_version, aggregate_type, aggregate_id, supplier_id, payload, created_at)
   VALUES ('evt_' || md5(random()::text), 'po.acknowledged', 1, 'purchase_order', :po, :supplier, '{{"decision": "accept_all"}}', now())
   RETURNING id AS event_id \gset
{outbox}INSERT INTO audit_log (user_id, role, supplier_id, action, entity_type, entity_id, detail, created_at)
   VALUES (:user, 'supplier_admin', :supplier, 'po.acknowledged', 'purchase_order', :po, '{{}}', now());
COMMIT;
"#
    )
}

fn direct_postgres(
    args: &Args,
    url: &str,
    ids: &[i64],
    supplier: i64,
    user: i64,
    destinations: &[String],
) -> (f64, String) {
    let script = std::env::temp_dir().join(format!("supplyline-api-bench-{}.sql", std::process::id()));
    std::fs::write(&script, pgbench_script(destinations)).unwrap();
    let output = Command::new("pgbench")
        .args(["-n", "-c", &args.connections.to_string(), "-j", &args.threads.to_string()])
        .args(["-T", &args.seconds.to_string(), "-f"])
        .arg(&script)
        .args(["-D", &format!("first={}", ids[0]), "-D", &format!("last={}", ids[ids.len() - 1])])
        .args(["-D", &format!("supplier={supplier}"), "-D", &format!("user={user}")])
        .arg(url)
        .output()
        .expect("pgbench runs");
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("pgbench printed no tps:\n{text}\n{}", String::from_utf8_lossy(&output.stderr)));
    let latency = text.lines().find(|l| l.starts_with("latency average")).unwrap_or("").to_string();
    (tps, latency)
}

/// The same statements from `connections` tasks on SQLite, one transaction per acknowledgement.
async fn direct_sqlite(args: &Args, db: &Db, ids: &[i64], supplier: i64, user: i64, destinations: &[String]) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..args.connections {
        let (db, destinations) = (db.clone(), destinations.to_vec());
        let mine: Vec<i64> = ids.iter().copied().skip(worker).step_by(args.connections).collect();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            for po in mine {
                if Instant::now() >= deadline {
                    break;
                }
                acknowledge_directly(&db, po, supplier, user, &destinations).await;
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn acknowledge_directly(db: &Db, po: i64, supplier: i64, user: i64, destinations: &[String]) {
    #[derive(sqlx::FromRow)]
    #[allow(dead_code)]
    struct Po {
        supplier_id: i64,
        number: String,
        state: String,
        ack_state: String,
        revision: i64,
    }
    #[derive(sqlx::FromRow)]
    #[allow(dead_code)]
    struct Line {
        id: i64,
        line_no: i64,
        quantity: f64,
        requested_date: chrono::DateTime<chrono::Utc>,
        ack_state: String,
    }
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.unwrap();
    let _: Option<Po> = tx
        .fetch_optional(
            Sql::new("SELECT supplier_id, number, state, ack_state, revision FROM purchase_order WHERE id = $1 AND supplier_id = $2")
                .bind(po)
                .bind(supplier),
        )
        .await
        .unwrap();
    let lines: Vec<Line> = tx
        .fetch_all(
            Sql::new("SELECT id, line_no, quantity, requested_date, ack_state FROM purchase_order_line WHERE purchase_order_id = $1 ORDER BY line_no")
                .bind(po),
        )
        .await
        .unwrap();
    tx.execute(
        Sql::new("UPDATE purchase_order SET ack_state = 'accepted', updated_at = $1 WHERE id = $2 AND revision = 1")
            .bind(now)
            .bind(po),
    )
    .await
    .unwrap();
    let ack: IdRow = tx
        .fetch_one(
            Sql::new("INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, created_at) VALUES ($1, 1, $2, 'accept', $3) RETURNING id")
                .bind(po)
                .bind(user)
                .bind(now),
        )
        .await
        .unwrap();
    for line in &lines {
        let insert = Sql::new("INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision) VALUES ($1, $2, 'accept')")
            .bind(ack.id)
            .bind(line.id);
        tx.execute(insert).await.unwrap();
        tx.execute(Sql::new("UPDATE purchase_order_line SET ack_state = 'accepted' WHERE id = $1").bind(line.id))
            .await
            .unwrap();
    }
    let event: IdRow = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO event (event_uid, event_type, schema_version, aggregate_type, aggregate_id, supplier_id, payload, created_at)
                 VALUES ($1, 'po.acknowledged', 1, 'purchase_order', $2, $3, '{}', $4) RETURNING id",
            )
            .bind(format!("evt_{:032x}", rand::random::<u128>()))
            .bind(po)
            .bind(supplier)
            .bind(now),
        )
        .await
        .unwrap();
    for destination in destinations {
        let mut insert = Sql::new("INSERT INTO outbox (event_id, destination, ordering_key, status, attempts, next_attempt_at, created_at) VALUES ");
        insert.push(
            "(?, ?, ?, 'pending', 0, ?, ?)",
            [
                Arg::from(event.id),
                Arg::from(destination.as_str()),
                Arg::from(format!("purchase_order:{po}")),
                Arg::from(now),
                Arg::from(now),
            ],
        );
        tx.execute(insert).await.unwrap();
    }
    tx.execute(
        Sql::new("INSERT INTO audit_log (user_id, role, supplier_id, action, entity_type, entity_id, detail, created_at) VALUES ($1, 'supplier_admin', $2, 'po.acknowledged', 'purchase_order', $3, '{}', $4)")
            .bind(user)
            .bind(supplier)
            .bind(po)
            .bind(now),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Every acknowledgement event so far, delivered to a local receiver: (deliveries, seconds).
async fn webhook_deliveries(db: &Db, url: &str) -> (i64, f64) {
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = receiver.local_addr().unwrap();
    let router = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    let server = tokio::spawn(async move { axum::serve(receiver, router).await });
    let config = config(url);
    let keys = config.master_keys.keys().unwrap();
    let admin = account::find_by_email(db, &Email::parse("ops@brightwell.example").unwrap()).await.unwrap().unwrap();
    let admin = Actor::new(admin.id, Role::Admin, None).unwrap();
    let input = app::model::WebhookEndpointInput {
        url: format!("http://{addr}/hook"),
        description: "bench receiver".into(),
        event_types: vec!["po.acknowledged".into()],
    };
    let service = supplyline::webhook::WebhookService::new(db.clone(), keys.clone(), config.webhooks.clone());
    app::ports::WebhookPort::create(&service, &admin, input).await.unwrap();
    let mailer = std::sync::Arc::new(supplyline::mail::Mailer::from_config(&config.mail).unwrap());
    let worker =
        supplyline::webhook::WebhookWorker::new(db.clone(), keys, config.webhooks.clone(), mailer, config.base_url());
    let started = Instant::now();
    worker.drain().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    server.abort();
    (count(db, "SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'succeeded'").await, seconds)
}

async fn seeded(backend: Backend, pg_admin: &str, pos: usize) -> (bench_db::BenchDb, Db) {
    let bench = fresh_db(backend, pg_admin).await;
    let db = supplyline::startup::open_database(&config(&bench.url)).await.unwrap();
    supplyline::demo::seed(&db, pos).await.unwrap();
    (bench, db)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let (backends, pg_admin) = bench_db::backends(args.postgres_url.as_deref(), args.sqlite_only).await;
    println!(
        "\nSupplyline API benchmark ({} build): accept_all acknowledgements, {} s, {} connections, {} threads\n",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        args.seconds,
        args.connections,
        args.threads
    );
    for backend in backends {
        let (bench, db) = seeded(backend, &pg_admin, args.pos).await;
        let (ids, supplier, user) = prepare(&db).await;
        let api = through_api(&args, &bench.url, &db, &ids, supplier, user).await;
        let destinations = destinations(&db).await;
        let (delivered, delivery_secs) = webhook_deliveries(&db, &bench.url).await;
        drop_db(db, bench).await;

        let (bench, db) = seeded(backend, &pg_admin, args.pos).await;
        let (ids, supplier, user) = prepare(&db).await;
        let (direct, detail) = match backend {
            Backend::Postgres => direct_postgres(&args, &bench.url, &ids, supplier, user, &destinations),
            Backend::Sqlite => (direct_sqlite(&args, &db, &ids, supplier, user, &destinations).await, String::new()),
        };
        drop_db(db, bench).await;

        let through = api.acks as f64 / api.seconds;
        println!("{}:", backend.label());
        println!(
            "  through the API (wrk):   {:>8.0} acks/s  ({} acks in {:.1} s; {})",
            through, api.acks, api.seconds, api.wrk_summary
        );
        println!(
            "  same SQL directly ({}): {:>8.0} acks/s  {detail}",
            if backend == Backend::Postgres { "pgbench" } else { "sqlx   " },
            direct
        );
        println!("  API / direct:            {:>8.2}", through / direct);
        println!(
            "  webhook deliveries:      {:>8.0} /s  ({delivered} signed deliveries to a local receiver in {delivery_secs:.2} s, fan-out included)\n",
            delivered as f64 / delivery_secs
        );
    }
}
