//! The database chosen at run time: SQLite (the default, a file) or PostgreSQL.
//!
//! Queries are written once with `$1, $2, …` placeholders (SQLite reads `$N` as a numbered parameter)
//! and run on whichever pool is configured. Rows derive `sqlx::FromRow`, which serves both backends.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Database, Encode, FromRow, Postgres, Sqlite, Type};
use tokio::sync::watch;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// SHA-384 of migrations as first released, before a comment in them was reworded: (version, checksum).
const REWORDED_SQLITE: &[(i64, &str)] =
    &[(5, "199432c94d89ba5ba6bfd9ff38d2f7835507a9552c52c2ac7e7f61ac780e8cc2e89b215fe4529b705581b36c6b17f24a")];
const REWORDED_POSTGRES: &[(i64, &str)] =
    &[(5, "0a409653f3fc6378409c38f8e7699442734233e83257e764408beada52f3e89712f39ea78c977c6fcd7c2487d5e26829")];

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://, got {0:?}")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool plus the outbox bell: a transaction that queued outbox rows rings it when it commits,
/// so the sync worker starts at once instead of at its next poll. Also whether canonical events are
/// streamed to NATS (decided once at start-up), which every transaction carries to `event::emit`.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    outbox_bell: Arc<OutboxBell>,
    event_stream: bool,
}

/// Wakes every outbox consumer (the Odoo worker, the notifier) once per ring, however many rang
/// while it was busy: each consumer holds its own receiver.
#[derive(Debug)]
pub struct OutboxBell(watch::Sender<u64>);

impl OutboxBell {
    fn new() -> OutboxBell {
        OutboxBell(watch::channel(0).0)
    }

    pub fn ring(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver whose `changed()` resolves after the next ring.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A value bound to a placeholder. Owned, so a query can be assembled piece by piece.
#[derive(Clone, Debug)]
pub enum Arg {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
    Bool(bool),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Arg { fn from(v: $t) -> Self { Arg::$variant(Some(v.into())) } }
        impl From<Option<$t>> for Arg { fn from(v: Option<$t>) -> Self { Arg::$variant(v.map(Into::into)) } }
    )*};
}
arg_from!(i64 => Int, f64 => Float, String => Text, &str => Text, DateTime<Utc> => Time, NaiveDate => Date, Vec<u8> => Bytes);

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// SQL text and its arguments, in placeholder order.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Sql { text: text.into(), args: Vec::new() }
    }

    /// Binds the next positional argument (`$1`, `$2`, … in the text).
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends `fragment`, replacing each `?` in it with the next `$N` and binding `arg` to it.
    pub fn push(&mut self, fragment: &str, args: impl IntoIterator<Item = Arg>) {
        let mut args = args.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                let arg = args.next().expect("one argument per ? in a SQL fragment");
                self.args.push(arg);
                self.text.push('$');
                self.text.push_str(&self.args.len().to_string());
            } else {
                self.text.push(ch);
            }
        }
        debug_assert!(args.next().is_none(), "more arguments than ? in a SQL fragment");
    }
}

/// A row type readable from either backend.
pub trait AnyRow: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> AnyRow for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// The two sqlx query kinds that take positional arguments.
trait Bindable<'q, DB: Database>: Sized {
    fn bind_value<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self;
}

impl<'q, DB: Database> Bindable<'q, DB> for sqlx::query::Query<'q, DB, <DB as Database>::Arguments<'q>> {
    fn bind_value<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self {
        self.bind(value)
    }
}

impl<'q, DB: Database, O> Bindable<'q, DB> for sqlx::query::QueryAs<'q, DB, O, <DB as Database>::Arguments<'q>> {
    fn bind_value<T: 'q + Encode<'q, DB> + Type<DB>>(self, value: T) -> Self {
        self.bind(value)
    }
}

fn bind_args<'q, DB, Q>(mut query: Q, args: Vec<Arg>) -> Q
where
    DB: Database,
    Q: Bindable<'q, DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<f64>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind_value(v),
            Arg::Float(v) => query.bind_value(v),
            Arg::Text(v) => query.bind_value(v),
            Arg::Bool(v) => query.bind_value(v),
            Arg::Time(v) => query.bind_value(v),
            Arg::Date(v) => query.bind_value(v),
            Arg::Bytes(v) => query.bind_value(v),
        };
    }
    query
}

/// Runs one statement on a pool, a connection or a transaction of either backend.
macro_rules! run_on {
    ($target:expr, $sql:expr, $pg:expr, $sqlite:expr, |$q:ident, $exec:ident| $body:expr) => {{
        let Sql { text, args } = $sql;
        match $target {
            Target::Sqlite($exec) => {
                let $q = $sqlite(text.as_str(), args);
                $body
            }
            Target::Postgres($exec) => {
                let $q = $pg(text.as_str(), args);
                $body
            }
        }
    }};
}

enum Target<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

async fn fetch_all_on<T: AnyRow>(target: Target<'_>, sql: Sql) -> Result<Vec<T>> {
    Ok(run_on!(
        target,
        sql,
        |t, a| bind_args::<Postgres, _>(sqlx::query_as::<Postgres, T>(t), a),
        |t, a| bind_args::<Sqlite, _>(sqlx::query_as::<Sqlite, T>(t), a),
        |q, c| q.fetch_all(&mut *c).await?
    ))
}

async fn fetch_optional_on<T: AnyRow>(target: Target<'_>, sql: Sql) -> Result<Option<T>> {
    Ok(run_on!(
        target,
        sql,
        |t, a| bind_args::<Postgres, _>(sqlx::query_as::<Postgres, T>(t), a),
        |t, a| bind_args::<Sqlite, _>(sqlx::query_as::<Sqlite, T>(t), a),
        |q, c| q.fetch_optional(&mut *c).await?
    ))
}

async fn execute_on(target: Target<'_>, sql: Sql) -> Result<u64> {
    Ok(run_on!(
        target,
        sql,
        |t, a| bind_args::<Postgres, _>(sqlx::query::<Postgres>(t), a),
        |t, a| bind_args::<Sqlite, _>(sqlx::query::<Sqlite>(t), a),
        |q, c| q.execute(&mut *c).await?.rows_affected()
    ))
}

/// The statements every executor offers; implemented by [`Db`] (a pooled connection per call) and
/// [`Tx`] (one transaction), so a repository function works inside or outside a transaction.
#[allow(async_fn_in_trait)]
pub trait Executor {
    fn backend(&self) -> Backend;
    async fn fetch_all<T: AnyRow>(&mut self, sql: Sql) -> Result<Vec<T>>;
    async fn fetch_optional<T: AnyRow>(&mut self, sql: Sql) -> Result<Option<T>>;
    async fn execute(&mut self, sql: Sql) -> Result<u64>;

    async fn fetch_one<T: AnyRow>(&mut self, sql: Sql) -> Result<T> {
        self.fetch_optional(sql).await?.ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
    }
}

/// A pooled executor: each statement takes a connection from the pool.
pub struct PoolExec<'a>(&'a Db);

impl Executor for PoolExec<'_> {
    fn backend(&self) -> Backend {
        self.0.backend()
    }
    async fn fetch_all<T: AnyRow>(&mut self, sql: Sql) -> Result<Vec<T>> {
        match &self.0.pool {
            Pool::Sqlite(p) => fetch_all_on(Target::Sqlite(&mut *p.acquire().await?), sql).await,
            Pool::Postgres(p) => fetch_all_on(Target::Postgres(&mut *p.acquire().await?), sql).await,
        }
    }
    async fn fetch_optional<T: AnyRow>(&mut self, sql: Sql) -> Result<Option<T>> {
        match &self.0.pool {
            Pool::Sqlite(p) => fetch_optional_on(Target::Sqlite(&mut *p.acquire().await?), sql).await,
            Pool::Postgres(p) => fetch_optional_on(Target::Postgres(&mut *p.acquire().await?), sql).await,
        }
    }
    async fn execute(&mut self, sql: Sql) -> Result<u64> {
        match &self.0.pool {
            Pool::Sqlite(p) => execute_on(Target::Sqlite(&mut *p.acquire().await?), sql).await,
            Pool::Postgres(p) => execute_on(Target::Postgres(&mut *p.acquire().await?), sql).await,
        }
    }
}

/// One transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: TxInner,
    bell: Arc<OutboxBell>,
    rings: bool,
    event_stream: bool,
}

enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        if self.rings {
            self.bell.ring();
        }
        Ok(())
    }

    /// Whether events emitted in this transaction also go to the NATS stream.
    pub fn streams_events(&self) -> bool {
        self.event_stream
    }

    /// Wake the outbox worker once this transaction commits (it queued work).
    pub fn ring_outbox_bell_on_commit(&mut self) {
        self.rings = true;
    }

    fn target(&mut self) -> Target<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Target::Sqlite(&mut *tx),
            TxInner::Postgres(tx) => Target::Postgres(&mut *tx),
        }
    }
}

impl Executor for Tx {
    fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }
    async fn fetch_all<T: AnyRow>(&mut self, sql: Sql) -> Result<Vec<T>> {
        fetch_all_on(self.target(), sql).await
    }
    async fn fetch_optional<T: AnyRow>(&mut self, sql: Sql) -> Result<Option<T>> {
        fetch_optional_on(self.target(), sql).await
    }
    async fn execute(&mut self, sql: Sql) -> Result<u64> {
        execute_on(self.target(), sql).await
    }
}

impl Db {
    /// Opens the pool for `url`, creating a SQLite file (and its directory) when missing.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(5));
            if let Some(dir) = Path::new(options.get_filename()).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|source| DbError::CreateDir { path: dir.display().to_string(), source })?;
                }
            }
            let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
            Ok(Db::from_pool(Pool::Sqlite(pool)))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            // One direct connection first: its error says what is wrong ("connection refused",
            // "password authentication failed"), where the pool would only say it timed out.
            sqlx::Connection::close(<sqlx::PgConnection as sqlx::Connection>::connect_with(&options).await?).await?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(std::time::Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Ok(Db::from_pool(Pool::Postgres(pool)))
        } else {
            Err(DbError::UnsupportedUrl(crate::config::redact_url(url)))
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        self.accept_reworded_migrations().await?;
        match &self.pool {
            Pool::Sqlite(p) => {
                SQLITE_MIGRATIONS.run(p).await?;
                // SQLite's advice for long-lived connections: refresh planner statistics where stale.
                sqlx::query("PRAGMA optimize").execute(p).await?;
            }
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// A migration whose text was reworded after release without changing what it does (a comment)
    /// has a new checksum; databases that applied the old text record the old one, and sqlx refuses
    /// to start on a mismatch. The known previous checksums are brought up to date, nothing else.
    async fn accept_reworded_migrations(&self) -> Result<()> {
        let (migrator, reworded, exists) = match self.backend() {
            Backend::Sqlite => (
                &SQLITE_MIGRATIONS,
                REWORDED_SQLITE,
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            ),
            Backend::Postgres => (
                &POSTGRES_MIGRATIONS,
                REWORDED_POSTGRES,
                "SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = '_sqlx_migrations' AND schemaname = current_schema()",
            ),
        };
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        if self.exec().fetch_one::<N>(Sql::new(exists)).await?.n == 0 {
            return Ok(());
        }
        for (version, old_checksum) in reworded {
            let Some(current) = migrator.iter().find(|m| m.version == *version) else { continue };
            let old = hex_bytes(old_checksum);
            self.exec()
                .execute(
                    Sql::new("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND checksum = $3")
                        .bind(current.checksum.to_vec())
                        .bind(*version)
                        .bind(old),
                )
                .await?;
        }
        Ok(())
    }

    /// Answers when the database does: the readiness probe.
    pub async fn ping(&self) -> Result<()> {
        self.exec().execute(Sql::new("SELECT 1")).await.map(|_| ())
    }

    fn from_pool(pool: Pool) -> Db {
        Db { pool, outbox_bell: Arc::new(OutboxBell::new()), event_stream: false }
    }

    /// This database with event streaming switched on or off: from then on every event emitted in
    /// one of its transactions also gets an outbox row for the NATS publisher. Set once at start-up.
    pub fn with_event_stream(mut self, on: bool) -> Db {
        self.event_stream = on;
        self
    }

    pub fn streams_events(&self) -> bool {
        self.event_stream
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Rung by every commit that queued outbox rows; the outbox consumers wait on it.
    pub fn outbox_bell(&self) -> Arc<OutboxBell> {
        self.outbox_bell.clone()
    }

    pub fn exec(&self) -> PoolExec<'_> {
        PoolExec(self)
    }

    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            // Our transactions write: taking SQLite's write lock up front makes a concurrent writer wait
            // (busy_timeout) instead of failing mid-transaction with SQLITE_BUSY_SNAPSHOT.
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx { inner, bell: self.outbox_bell.clone(), rings: false, event_stream: self.event_stream })
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// True when `err` is a unique-constraint violation (so callers can answer with a field error).
pub fn is_unique_violation(err: &DbError) -> bool {
    matches!(err, DbError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_numbers_placeholders_in_order() {
        let mut sql = Sql::new("SELECT 1 FROM t WHERE a = $1").bind(1i64);
        sql.push(" AND b = ? AND c LIKE ?", [Arg::from("x"), Arg::from("%y%")]);
        assert_eq!(sql.text, "SELECT 1 FROM t WHERE a = $1 AND b = $2 AND c LIKE $3");
        assert_eq!(sql.args.len(), 3);
    }

    #[tokio::test]
    async fn rejects_unknown_url_scheme() {
        let err = Db::connect("mysql://localhost/x").await.unwrap_err();
        assert!(err.to_string().contains("sqlite:// or postgres://"), "{err}");
    }
}
