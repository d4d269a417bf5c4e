//! Canonical events and their outbox rows, written in the caller's transaction (transactional
//! outbox): the change, its event and the work it causes commit together or not at all.

use crate::db::{Executor, Result, Sql, Tx};

pub struct NewEvent<'a> {
    pub event_type: &'a str,
    pub aggregate: (&'a str, i64),
    pub supplier_id: Option<i64>,
    pub payload: serde_json::Value,
    /// Where the event must be delivered (e.g. `odoo`); each gets an outbox row kept in order per
    /// aggregate. The notifier is added by [`emit`] itself for events that notify someone, and the
    /// webhook dispatcher for every event, and the NATS publisher when event streaming is on.
    pub destinations: &'a [&'a str],
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

/// Records the event and its outbox rows; returns the event's id.
pub async fn emit(tx: &mut Tx, event: NewEvent<'_>) -> Result<i64> {
    let now = chrono::Utc::now();
    let uid = format!("evt_{:032x}", rand::random::<u128>());
    let row: IdRow = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO event (event_uid, event_type, schema_version, aggregate_type, aggregate_id, supplier_id, payload, created_at)
                 VALUES ($1, $2, 1, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(uid)
            .bind(event.event_type)
            .bind(event.aggregate.0)
            .bind(event.aggregate.1)
            .bind(event.supplier_id)
            .bind(event.payload.to_string())
            .bind(now),
        )
        .await?;
    let ordering_key = format!("{}:{}", event.aggregate.0, event.aggregate.1);
    // Events that tell someone something also go to the notifier, whatever the caller named.
    let notifies = crate::notify::topic::topic_of(event.event_type, &event.payload).is_some();
    // Every event may interest a webhook endpoint; the dispatcher decides which.
    let streams = tx.streams_events();
    let destinations: Vec<&str> = event
        .destinations
        .iter()
        .copied()
        .chain(notifies.then_some(crate::sync::outbox::NOTIFY))
        .chain(std::iter::once(crate::sync::outbox::WEBHOOK))
        .chain(streams.then_some(crate::sync::outbox::NATS))
        .collect();
    tx.ring_outbox_bell_on_commit();
    for destination in destinations {
        // Notifications and webhooks need no order: one waiting for a mail server or a slow receiver
        // must not hold up the next.
        let unordered = [crate::sync::outbox::NOTIFY, crate::sync::outbox::WEBHOOK].contains(&destination);
        let ordering_key = if unordered { format!("event:{}", row.id) } else { ordering_key.clone() };
        tx.execute(
            Sql::new(
                "INSERT INTO outbox (event_id, destination, ordering_key, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
            )
            .bind(row.id)
            .bind(destination)
            .bind(ordering_key.as_str())
            .bind(now),
        )
        .await?;
    }
    Ok(row.id)
}

/// A canonical event as partners read it from the feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub event_uid: String,
    pub event_type: String,
    pub schema_version: i64,
    pub aggregate_type: String,
    pub aggregate_id: i64,
    pub supplier_id: Option<i64>,
    pub payload: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Events after `after_id`, oldest first: a supplier's own only; buyers and admins every one.
pub async fn feed(
    db: &crate::db::Db,
    actor: &app::ports::Actor,
    after_id: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>> {
    let mut sql = Sql::new(
        "SELECT id, event_uid, event_type, schema_version, aggregate_type, aggregate_id, supplier_id, payload, created_at
           FROM event WHERE id > $1",
    )
    .bind(after_id);
    if let Some(own) = actor.supplier_scope() {
        sql.push(" AND supplier_id = ?", [crate::db::Arg::from(own)]);
    }
    sql.push(" ORDER BY id LIMIT ?", [crate::db::Arg::from(limit)]);
    db.exec().fetch_all(sql).await
}
