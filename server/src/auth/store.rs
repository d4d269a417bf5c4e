//! Sessions live in the same database as everything else: the SQLite or PostgreSQL store.

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::db::{Db, Pool};

#[derive(Debug, Clone)]
pub enum SessionDb {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionDb {
    /// The store for `db`, with its table created when missing.
    pub async fn for_db(db: &Db) -> Result<SessionDb, sqlx::Error> {
        let store = match db.pool() {
            Pool::Sqlite(pool) => SessionDb::Sqlite(SqliteStore::new(pool.clone())),
            Pool::Postgres(pool) => SessionDb::Postgres(PostgresStore::new(pool.clone())),
        };
        match &store {
            SessionDb::Sqlite(s) => s.migrate().await?,
            SessionDb::Postgres(s) => s.migrate().await?,
        }
        Ok(store)
    }
}

#[async_trait::async_trait]
impl SessionStore for SessionDb {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(s) => s.create(record).await,
            SessionDb::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(s) => s.save(record).await,
            SessionDb::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionDb::Sqlite(s) => s.load(id).await,
            SessionDb::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(s) => s.delete(id).await,
            SessionDb::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for SessionDb {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionDb::Sqlite(s) => s.delete_expired().await,
            SessionDb::Postgres(s) => s.delete_expired().await,
        }
    }
}
