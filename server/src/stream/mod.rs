//! Canonical events streamed to NATS JetStream for other consumers (every event the domain emits).
//!
//! Switched on by `NATS_URL` (`[events] nats_url`): then every event gets an outbox row for this
//! publisher ([`crate::sync::outbox::NATS`]), written with the event itself. The publisher claims those
//! rows under a lease like the other outbox consumers, in order per aggregate, publishes each event
//! to `<prefix>.<event type>` with `Nats-Msg-Id` = the event's uid, waits for JetStream's ack and only
//! then completes the row. A crash between the ack and the completion re-publishes the event; the
//! stream's duplicate window drops the copy.

use std::time::Duration;

use async_nats::jetstream;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::db::{Db, DbError};
use crate::sync::config::SyncConfig;
use crate::sync::outbox::{self, Claimed, Failure, NATS};

/// `[events]`: where canonical events are streamed, if anywhere.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// A NATS server with JetStream, e.g. `nats://127.0.0.1:4222`. Unset: events are not streamed.
    pub nats_url: Option<String>,
    /// The JetStream stream, created at start-up when missing (left alone when present).
    pub stream: String,
    /// Events are published to `<subject_prefix>.<event type>`; the stream takes `<subject_prefix>.>`.
    pub subject_prefix: String,
    /// How long JetStream remembers a message id to drop a re-published copy.
    pub duplicate_window_secs: u64,
    /// Run the publisher in this process (`serve`). Off on nodes that only queue events, and in tests,
    /// which drain a publisher themselves.
    pub publish: bool,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            nats_url: None,
            stream: "SUPPLYLINE".into(),
            subject_prefix: "supplyline".into(),
            duplicate_window_secs: 120,
            publish: true,
        }
    }
}

impl EventsConfig {
    /// Whether events are streamed at all.
    pub fn enabled(&self) -> bool {
        self.nats_url.is_some()
    }

    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.nats_url {
            if url.trim().is_empty() {
                return Err("nats_url must not be empty (leave it out to switch streaming off)".into());
            }
        }
        // JetStream names may not contain whitespace, `.`, `*`, `>`, path separators.
        let bad_name = |c: char| c.is_whitespace() || c.is_control() || ".*>/\\".contains(c);
        if self.stream.is_empty() || self.stream.chars().any(bad_name) {
            return Err(format!("stream {:?} must be a name without spaces, '.', '*', '>', '/' or '\\'", self.stream));
        }
        let bad_token =
            |t: &str| t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control() || "*>".contains(c));
        if self.subject_prefix.split('.').any(bad_token) {
            return Err(format!(
                "subject_prefix {:?} must be dot-separated tokens without spaces or wildcards",
                self.subject_prefix
            ));
        }
        if self.duplicate_window_secs == 0 {
            return Err("duplicate_window_secs must be at least 1".into());
        }
        Ok(())
    }

    /// The subject an event of `event_type` is published to.
    pub fn subject(&self, event_type: &str) -> String {
        format!("{}.{event_type}", self.subject_prefix)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("event streaming is not configured (no nats_url)")]
    NotConfigured,
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot set up the JetStream stream {stream}: {reason}")]
    Stream { stream: String, reason: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What goes on the wire for one event: the JSON body of its NATS message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamedEvent {
    /// The event's uid, also the message's `Nats-Msg-Id`.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: i64,
    pub aggregate: Aggregate,
    pub supplier_id: Option<i64>,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Aggregate {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
}

impl StreamedEvent {
    pub fn of(row: &Claimed) -> StreamedEvent {
        StreamedEvent {
            id: row.event_uid.clone(),
            event_type: row.event_type.clone(),
            schema_version: row.schema_version,
            aggregate: Aggregate { kind: row.aggregate_type.clone(), id: row.aggregate_id },
            supplier_id: row.supplier_id,
            payload: serde_json::from_str(&row.payload).unwrap_or(Value::Null),
            created_at: row.event_created_at,
        }
    }
}

/// Connects to NATS and makes sure the stream exists: created when missing, left as it is when present.
pub async fn connect(config: &EventsConfig) -> Result<jetstream::Context, StreamError> {
    let url = config.nats_url.as_deref().ok_or(StreamError::NotConfigured)?;
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| StreamError::Connect { url: crate::config::redact_url(url), reason: e.to_string() })?;
    let js = jetstream::new(client);
    js.get_or_create_stream(jetstream::stream::Config {
        name: config.stream.clone(),
        subjects: vec![format!("{}.>", config.subject_prefix)],
        duplicate_window: Duration::from_secs(config.duplicate_window_secs),
        ..Default::default()
    })
    .await
    .map_err(|e| StreamError::Stream { stream: config.stream.clone(), reason: e.to_string() })?;
    Ok(js)
}

pub struct Publisher {
    db: Db,
    config: EventsConfig,
    owner: String,
    /// Lease, retries and backoff: the same policy as the Odoo pushes.
    retry: SyncConfig,
    /// Connected (and the stream ensured) on first use; until then rows simply wait in the outbox.
    js: tokio::sync::OnceCell<jetstream::Context>,
}

impl Publisher {
    pub fn new(db: Db, config: EventsConfig, retry: SyncConfig) -> Publisher {
        let owner = format!("nats-{:08x}", rand::random::<u32>());
        Publisher { db, config, owner, retry, js: tokio::sync::OnceCell::new() }
    }

    /// Runs until `shutdown` resolves: connects (retrying while NATS is away), then publishes what is
    /// due whenever a commit queued events, and polls as a safety net.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut bell = self.db.outbox_bell().subscribe();
        let poll = Duration::from_millis(self.retry.poll_interval_ms.max(1000));
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.drain().await {
                tracing::warn!(%error, "event stream publisher could not publish");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = bell.changed() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    async fn context(&self) -> Result<&jetstream::Context, StreamError> {
        self.js
            .get_or_try_init(|| async {
                let js = connect(&self.config).await?;
                tracing::info!(stream = %self.config.stream, prefix = %self.config.subject_prefix, "streaming events to NATS JetStream");
                Ok(js)
            })
            .await
    }

    /// Publishes until nothing is due; answers how many events it handled. Tests call this directly.
    pub async fn drain(&self) -> Result<usize, StreamError> {
        let js = self.context().await?;
        let lease = chrono::Duration::seconds(self.retry.lease_secs as i64);
        let mut handled = 0;
        loop {
            let rows = outbox::claim(&self.db, NATS, &self.owner, &[""], 32, lease, Utc::now()).await?;
            if rows.is_empty() {
                return Ok(handled);
            }
            for row in rows {
                self.handle(js, row).await?;
                handled += 1;
            }
        }
    }

    async fn handle(&self, js: &jetstream::Context, row: Claimed) -> Result<(), DbError> {
        match publish(js, &self.config, &row).await {
            Ok(duplicate) => {
                if duplicate {
                    tracing::info!(event = %row.event_uid, "JetStream already held this event; not stored twice");
                }
                outbox::complete(&self.db, row.id, &self.owner, None).await?;
            }
            Err(error) => {
                let failure = if row.attempts < self.retry.max_attempts {
                    let wait = self.retry.backoff(row.attempts - 1, None, rand::random::<f64>());
                    Failure::RetryAt(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
                } else {
                    Failure::Dead
                };
                tracing::warn!(event = %row.event_type, outbox = row.id, %error, ?failure, "publishing an event to NATS failed");
                outbox::fail(&self.db, row.id, &self.owner, failure, "nats", &error).await?;
            }
        }
        Ok(())
    }
}

/// Publishes one event and waits for JetStream's ack; answers whether JetStream dropped it as a duplicate.
async fn publish(js: &jetstream::Context, config: &EventsConfig, row: &Claimed) -> Result<bool, String> {
    let body = serde_json::to_vec(&StreamedEvent::of(row)).map_err(|e| e.to_string())?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, row.event_uid.as_str());
    let ack = js
        .publish_with_headers(config.subject(&row.event_type), headers, body.into())
        .await
        .map_err(|e| e.to_string())?
        .await
        .map_err(|e| e.to_string())?;
    Ok(ack.duplicate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_prefixes_are_checked() {
        assert!(EventsConfig::default().validate().is_ok());
        let with = |stream: &str, prefix: &str| EventsConfig {
            stream: stream.into(),
            subject_prefix: prefix.into(),
            ..EventsConfig::default()
        };
        assert!(with("SUPPLY LINE", "supplyline").validate().is_err());
        assert!(with("a.b", "supplyline").validate().is_err());
        assert!(with("S", "supply.*").validate().is_err());
        assert!(with("S", "supplyline.").validate().is_err());
        assert!(with("S", "acme.supplyline").validate().is_ok());
        assert_eq!(with("S", "acme.supplyline").subject("po.acknowledged"), "acme.supplyline.po.acknowledged");
    }
}
