//! Outbox rows: claiming them under a lease, completing, retrying, parking dead letters and replaying
//! them. Each destination (Odoo, notifications) has its own consumer; no network call happens while a
//! statement here runs.

use chrono::{DateTime, Utc};

use crate::db::{Backend, Db, DbError, Executor, Sql};

pub const ODOO: &str = "odoo";
/// In-app notifications and e-mail (`crate::notify`).
pub const NOTIFY: &str = "notify";
/// Outbound webhooks (`crate::webhook`): every event gets a row, fanned out to subscribed endpoints.
pub const WEBHOOK: &str = "webhook";
/// The NATS JetStream stream of canonical events (`crate::stream`), when switched on.
pub const NATS: &str = "nats";

/// A claimed row, with its event: everything a push needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub attempts: i64,
    pub ordering_key: String,
    pub event_id: i64,
    pub event_uid: String,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: i64,
    pub supplier_id: Option<i64>,
    pub payload: String,
    pub schema_version: i64,
    pub event_created_at: DateTime<Utc>,
}

/// Claims up to `limit` due rows for `destination` whose event type starts with one of `prefixes`, at most one per
/// ordering key and only the oldest pending row of each key, so one PO's pushes go in order. The
/// lease makes the claim safe across nodes; PostgreSQL also skips rows another claim has locked.
pub async fn claim(
    db: &Db,
    destination: &str,
    owner: &str,
    prefixes: &[&str],
    limit: usize,
    lease: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, DbError> {
    if prefixes.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut inner = Sql::new(
        "SELECT o.id FROM outbox o JOIN event e ON e.id = o.event_id
         WHERE o.destination = $1 AND o.status = 'pending' AND o.next_attempt_at <= $2
           AND (o.locked_until IS NULL OR o.locked_until <= $2)
           AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.ordering_key = o.ordering_key
                           AND b.destination = o.destination AND b.status = 'pending' AND b.id < o.id) AND (",
    )
    .bind(destination)
    .bind(now);
    for (i, prefix) in prefixes.iter().enumerate() {
        inner.push(
            if i == 0 { "e.event_type LIKE ?" } else { " OR e.event_type LIKE ?" },
            [format!("{prefix}%").into()],
        );
    }
    inner.push(") ORDER BY o.id LIMIT ?", [(limit as i64).into()]);
    if db.backend() == Backend::Postgres {
        inner.push(" FOR UPDATE OF o SKIP LOCKED", []);
    }
    let mut tx = db.begin().await?;
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let ids: Vec<Id> = tx.fetch_all(inner).await?;
    let mut claimed = Vec::with_capacity(ids.len());
    for Id { id } in ids {
        let taken = tx
            .execute(
                Sql::new(
                    "UPDATE outbox SET locked_until = $1, lease_owner = $2, attempts = attempts + 1
                     WHERE id = $3 AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $4)",
                )
                .bind(now + lease)
                .bind(owner)
                .bind(id)
                .bind(now),
            )
            .await?;
        if taken == 1 {
            claimed.push(id);
        }
    }
    let mut rows = Vec::with_capacity(claimed.len());
    for id in claimed {
        rows.push(
            tx.fetch_one::<Claimed>(
                Sql::new(
                    "SELECT o.id, o.attempts, o.ordering_key, e.id AS event_id, e.event_uid, e.event_type,
                            e.aggregate_type, e.aggregate_id, e.supplier_id, e.payload, e.schema_version,
                            e.created_at AS event_created_at
                     FROM outbox o JOIN event e ON e.id = o.event_id WHERE o.id = $1",
                )
                .bind(id),
            )
            .await?,
        );
    }
    tx.commit().await?;
    Ok(rows)
}

/// The kind a done row carries when it was applied but something beside it was not (a chatter note
/// Odoo refused): the ops page lists these as warnings, not as dead letters.
pub const WARNING_KIND: &str = "warning";

/// Marks a pushed row done, keeping a warning when part of the push (a note) did not go through.
/// False when the lease was lost meanwhile (another worker owns the row).
pub async fn complete(db: &Db, id: i64, owner: &str, warning: Option<&str>) -> Result<bool, DbError> {
    let updated = db
        .exec()
        .execute(
            Sql::new(
                "UPDATE outbox SET status = 'done', locked_until = NULL, completed_at = $1, last_error = $2, last_error_kind = $3
                 WHERE id = $4 AND lease_owner = $5 AND status = 'pending'",
            )
            .bind(Utc::now())
            .bind(warning)
            .bind(warning.map(|_| WARNING_KIND))
            .bind(id)
            .bind(owner),
        )
        .await?;
    Ok(updated == 1)
}

/// What became of a failed push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    RetryAt(DateTime<Utc>),
    Dead,
}

pub async fn fail(db: &Db, id: i64, owner: &str, outcome: Failure, kind: &str, error: &str) -> Result<bool, DbError> {
    let (status, next) = match outcome {
        Failure::RetryAt(at) => ("pending", Some(at)),
        Failure::Dead => ("dead", None),
    };
    let mut sql = Sql::new("UPDATE outbox SET status = $1, locked_until = NULL, last_error = $2, last_error_kind = $3")
        .bind(status)
        .bind(error)
        .bind(kind);
    if let Some(at) = next {
        sql.push(", next_attempt_at = ?", [at.into()]);
    }
    sql.push(" WHERE id = ? AND lease_owner = ? AND status = 'pending'", [id.into(), owner.into()]);
    Ok(db.exec().execute(sql).await? == 1)
}

/// Puts dead letters back in the queue (fresh attempts, due now). `ids = None` replays every dead letter;
/// named rows may also be pushes that went through with a warning (pushes are idempotent, so running one
/// again after the cause is fixed only adds what was missing).
pub async fn replay(db: &Db, ids: Option<&[i64]>) -> Result<u64, DbError> {
    let mut sql = Sql::new(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL, lease_owner = NULL
         WHERE destination = $2",
    )
    .bind(Utc::now())
    .bind(ODOO);
    match ids {
        None => sql.push(" AND status = 'dead'", std::iter::empty()),
        Some([]) => return Ok(0),
        Some(ids) => {
            sql.push(" AND (status = 'dead' OR (status = 'done' AND last_error_kind = ?))", [WARNING_KIND.into()]);
            let marks = vec!["?"; ids.len()].join(", ");
            sql.push(&format!(" AND id IN ({marks})"), ids.iter().map(|id| (*id).into()));
        }
    }
    db.exec().execute(sql).await
}

/// A row for the ops page and `supplyline sync dead-letters`.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub event_type: String,
    pub ordering_key: String,
    pub supplier_id: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub async fn entries(db: &Db, status: &str, limit: i64) -> Result<Vec<OutboxEntry>, DbError> {
    db.exec()
        .fetch_all(
            Sql::new(
                "SELECT o.id, e.event_type, o.ordering_key, e.supplier_id, o.status, o.attempts, o.last_error_kind,
                        o.last_error, o.next_attempt_at, o.created_at
                 FROM outbox o JOIN event e ON e.id = o.event_id
                 WHERE o.destination = $1 AND o.status = $2 ORDER BY o.id LIMIT $3",
            )
            .bind(ODOO)
            .bind(status)
            .bind(limit),
        )
        .await
}

/// Queue depth and age, for `/metrics` and the ops page.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Depth {
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

pub async fn depth(db: &Db) -> Result<Depth, DbError> {
    db.exec()
        .fetch_one(
            Sql::new(
                "SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                        COALESCE(SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END), 0) AS dead,
                        MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest_pending_at
                 FROM outbox WHERE destination = $1",
            )
            .bind(ODOO),
        )
        .await
}
