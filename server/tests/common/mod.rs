//! Test harness: the real application on port 0 with a fresh database (a SQLite file or a new
//! PostgreSQL database), seeded with a small demo dataset.

#![allow(dead_code)]

pub mod smtp;

use std::net::SocketAddr;

use supplyline::config::{Config, ThrottleConfig};
use supplyline::db::Db;
use supplyline::startup::Application;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = supplyline::demo::DEMO_PASSWORD;
/// Demo POs go round-robin to the four suppliers in this order.
pub const SUPPLIERS: [&str; 4] = ["NORDFAST", "KESSLER", "ALPOLY", "CIRCWORKS"];
pub const NORDHAVN_USER: &str = "lars@nordhavn.example";
pub const KESSLER_USER: &str = "petra@kessler-guss.example";
pub const BUYER: &str = "maria@brightwell.example";
pub const ADMIN: &str = "ops@brightwell.example";
pub const SEEDED_POS: usize = 8;

/// The PostgreSQL server tests create their databases on (`SUPPLYLINE_TEST_PG`).
fn pg_admin_url() -> String {
    std::env::var("SUPPLYLINE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop is synchronous: a short-lived runtime on its own thread does the async drop.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async {
                        use sqlx::Connection;
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A fresh, empty database; `None` (with a loud message) when PostgreSQL is not reachable,
/// except under `CI=true`, where that fails the test.
pub async fn fresh_db(backend: Backend) -> Option<TestDb> {
    let unique = format!("{}_{:08x}", std::process::id(), rand::random::<u32>());
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("supplyline-test-{unique}"));
            std::fs::create_dir_all(&dir).unwrap();
            Some(TestDb { url: format!("sqlite://{}/test.db", dir.display()), cleanup: Cleanup::Dir(dir) })
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin_url = pg_admin_url();
            let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("CI").as_deref() == Ok("true") {
                        panic!("PostgreSQL at {admin_url} is required under CI=true: {e}");
                    }
                    eprintln!("\n!!!! SKIPPED: PostgreSQL half of this test; no server at {admin_url}: {e} !!!!\n");
                    return None;
                }
            };
            let name = format!("supplyline_test_{unique}");
            sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            Some(TestDb { url: format!("{base}/{name}"), cleanup: Cleanup::PgDatabase { admin_url, name } })
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    /// The master keys the app seals Odoo keys with.
    pub keys: supplyline::secret::MasterKeys,
    /// The app's sync engine (not started: sync tests start or drain it themselves).
    pub sync: std::sync::Arc<supplyline::sync::SyncEngine>,
    /// The configuration the app runs with.
    pub config: Config,
    _db: TestDb,
    _server: tokio::task::JoinHandle<()>,
}

pub fn test_config(url: &str) -> Config {
    Config {
        database_url: url.to_string(),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        throttle: ThrottleConfig {
            account_max_failures: 3,
            ip_max_failures: 6,
            window_minutes: 15,
            lockout_minutes: 15,
        },
        // Sync tests start and drain the worker themselves; the others leave the outbox alone.
        sync: supplyline::sync::config::SyncConfig { enabled: false, hint_delay_ms: 0, ..Default::default() },
        master_keys: supplyline::secret::MasterKeySpec::new(supplyline::secret::MasterKeys::new_spec("test")),
        // Notification tests drain the notifier themselves and point mail at a real SMTP server.
        notifications_enabled: false,
        // Webhook tests drain the dispatcher and the delivery worker themselves.
        webhooks: supplyline::webhook::WebhookConfig { enabled: false, ..Default::default() },
        mail: supplyline::mail::MailConfig { transport: supplyline::mail::TransportKind::Log, ..Default::default() },
        ..Config::default()
    }
}

impl TestApp {
    /// The application with a seeded database, serving on an ephemeral port.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with the test configuration adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let test_db = fresh_db(backend).await?;
        let mut config = test_config(&test_db.url);
        adjust(&mut config);
        let keys = config.master_keys.keys().expect("test master key parses");
        let db = supplyline::startup::open_database(&config).await.expect("database opens and migrates");
        supplyline::demo::seed(&db, SEEDED_POS).await.expect("demo data seeds");
        let app = Application::build_with_db(config.clone(), db.clone()).await.expect("application builds");
        let addr = app.local_addr();
        let sync = app.sync();
        let server = tokio::spawn(async move {
            app.run_until(std::future::pending()).await.expect("server runs");
        });
        Some(TestApp { addr, db, keys, sync, config, _db: test_db, _server: server })
    }

    /// A notifier over the app's database and mail settings, for tests to drain.
    pub fn notifier(&self) -> supplyline::notify::Notifier {
        let mailer = supplyline::mail::Mailer::from_config(&self.config.mail).expect("mail settings are valid");
        supplyline::startup::notifier(&self.db, std::sync::Arc::new(mailer), &self.config)
    }

    /// The webhook dispatcher and delivery worker over the app's database and settings, for tests to drain.
    pub fn webhooks(&self) -> supplyline::webhook::WebhookWorker {
        let mailer = supplyline::mail::Mailer::from_config(&self.config.mail).expect("mail settings are valid");
        supplyline::startup::webhook_worker(&self.db, std::sync::Arc::new(mailer), &self.config)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A browser-like client: keeps cookies, does not follow redirects, sends our Origin.
    pub fn client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.origin().parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    pub async fn login(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        client.post(self.url("/login")).form(&[("email", email), ("password", password)]).send().await.unwrap()
    }

    /// A signed-in client for `email`.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let res = self.login(&client, email, PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in of {email} redirects");
        assert_eq!(location(&res), "/pos", "sign-in of {email} succeeds");
        client
    }

    /// Puts the supplier's first PO in the state a fresh confirmed PO has: confirmed, nothing acknowledged.
    pub async fn fresh_confirmed_po(&self, supplier_code: &str) -> i64 {
        use supplyline::db::{Executor, Sql};
        let id = self.first_po_of(supplier_code).await;
        let mut exec = self.db.exec();
        let po = "UPDATE purchase_order SET state = 'purchase', ack_state = 'pending', revision = 1 WHERE id = $1";
        exec.execute(Sql::new(po).bind(id)).await.unwrap();
        let lines = "UPDATE purchase_order_line SET ack_state = 'pending' WHERE purchase_order_id = $1";
        exec.execute(Sql::new(lines).bind(id)).await.unwrap();
        id
    }

    /// Calls a server function the way a hydrated page does: a form-encoded POST, JSON back.
    pub async fn rpc(&self, client: &reqwest::Client, endpoint: &str, body: String) -> reqwest::Response {
        client
            .post(self.url(endpoint))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// The PO's lines in line order.
    pub async fn po_lines(&self, po: i64) -> Vec<PoLine> {
        use supplyline::db::{Executor, Sql};
        let sql = "SELECT id, quantity FROM purchase_order_line WHERE purchase_order_id = $1 ORDER BY line_no";
        self.db.exec().fetch_all(Sql::new(sql).bind(po)).await.unwrap()
    }

    /// A `SELECT COUNT(*) AS n …` with one bound id.
    pub async fn count(&self, sql: &str, id: i64) -> i64 {
        use supplyline::db::{Executor, Sql};
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        self.db.exec().fetch_one::<N>(Sql::new(sql).bind(id)).await.unwrap().n
    }

    /// The id of the first seeded PO of the supplier with `code`.
    pub async fn first_po_of(&self, code: &str) -> i64 {
        use supplyline::db::{Executor, Sql};
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
        }
        let row: Row = self
            .db
            .exec()
            .fetch_one(
                Sql::new("SELECT po.id FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id WHERE s.code = $1 ORDER BY po.id LIMIT 1")
                    .bind(code),
            )
            .await
            .unwrap();
        row.id
    }
}

/// `supplier_code`'s first PO, fresh and confirmed, answered by `user`: line 1 with `line1` (form
/// fields, `{i}` for its index), the rest accepted. Answers the PO, its lines and the proposal's id.
pub async fn po_with_a_proposal(
    app: &TestApp,
    supplier_code: &str,
    user: &str,
    line1: impl Fn(&PoLine) -> String,
) -> (i64, Vec<PoLine>, i64) {
    use supplyline::db::{Executor, Sql};
    let po = app.fresh_confirmed_po(supplier_code).await;
    let lines = app.po_lines(po).await;
    let body = per_line_body(po, &lines, &line1(&lines[0]));
    let supplier = app.signed_in(user).await;
    let res = app.rpc(&supplier, "/rpc/acknowledge", body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let proposal: Id = app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id FROM change_proposal WHERE purchase_order_line_id = $1").bind(lines[0].id))
        .await
        .unwrap();
    (po, lines, proposal.id)
}

/// A PO line as the acknowledgement tests need it.
#[derive(Debug, sqlx::FromRow)]
pub struct PoLine {
    pub id: i64,
    pub quantity: f64,
}

/// A per-line acknowledgement form body: line 1 gets `first_line` (form fields, `{i}` standing for its
/// index), every other line is accepted as ordered.
pub fn per_line_body(po: i64, lines: &[PoLine], first_line: &str) -> String {
    let mut body = format!("input[po_id]={po}&input[revision]=1&input[decision]=per_line");
    for (i, line) in lines.iter().enumerate() {
        body.push_str(&format!("&input[lines][{i}][line_id]={}", line.id));
        if i == 0 {
            body.push_str(&first_line.replace("{i}", "0"));
        } else {
            body.push_str(&format!("&input[lines][{i}][action]=accept"));
        }
    }
    body
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies().find(|c| c.name() == "supplyline_session").map(|c| c.value().to_string())
}

/// The seeded application, or an early return when this backend is skipped (no PostgreSQL).
#[macro_export]
macro_rules! app_or_skip {
    ($backend:expr) => {
        match $crate::common::TestApp::spawn($backend).await {
            Some(app) => app,
            None => return,
        }
    };
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}
