//! Fresh databases for the benchmarks: a SQLite file in a temp folder, or a PostgreSQL database
//! created for the run and dropped afterwards.

use supplyline::db::Db;

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database for one part of the benchmark, removed by `drop_db`.
pub struct BenchDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Pg { admin_url: String, name: String },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

pub async fn fresh_db(backend: Backend, pg_admin: &str) -> BenchDb {
    let unique = format!("{}_{:08x}", std::process::id(), rand::random::<u32>());
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("supplyline-bench-{unique}"));
            std::fs::create_dir_all(&dir).unwrap();
            BenchDb { url: format!("sqlite://{}/bench.db", dir.display()), cleanup: Cleanup::Dir(dir) }
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(pg_admin).await.expect("PostgreSQL answers");
            let name = format!("supplyline_bench_{unique}");
            sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.unwrap();
            let base = pg_admin.rsplit_once('/').expect("a database URL").0;
            BenchDb { url: format!("{base}/{name}"), cleanup: Cleanup::Pg { admin_url: pg_admin.to_string(), name } }
        }
    }
}

pub async fn drop_db(db: Db, bench: BenchDb) {
    db.close().await;
    match bench.cleanup {
        Cleanup::Dir(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Cleanup::Pg { admin_url, name } => {
            use sqlx::Connection;
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ =
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await;
            }
        }
    }
}

/// SQLite always; PostgreSQL when it answers (or must answer, when its URL was given). Answers the
/// backends and the PostgreSQL admin URL.
pub async fn backends(postgres_url: Option<&str>, sqlite_only: bool) -> (Vec<Backend>, String) {
    let mut backends = vec![Backend::Sqlite];
    let pg_admin = postgres_url.unwrap_or(DEFAULT_PG).to_string();
    if !sqlite_only {
        use sqlx::Connection;
        match sqlx::PgConnection::connect(&pg_admin).await {
            Ok(conn) => {
                let _ = conn.close().await;
                backends.push(Backend::Postgres);
            }
            Err(e) if postgres_url.is_some() => panic!("PostgreSQL at {pg_admin} is not reachable: {e}"),
            Err(e) => eprintln!("PostgreSQL at {pg_admin} not reachable ({e}); its figures are skipped"),
        }
    }
    (backends, pg_admin)
}
