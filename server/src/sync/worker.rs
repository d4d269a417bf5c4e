//! The outbox worker: woken by the commit that queued work (and by a poll, for other nodes' commits),
//! it claims due rows under a lease, pushes them to Odoo outside any transaction, and records the
//! outcome: done, retry later (exponential backoff with jitter), or dead letter.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use super::config::{Flow, SyncConfig};
use super::connection::Clients;
use super::metrics::SyncMetrics;
use super::outbox::{self, Claimed, Failure};
use super::push::{self, PushError, Pushed};
use crate::db::{Db, DbError};

pub struct Worker {
    /// What each push needs (database, clients, configuration, lease owner); shared with the push tasks.
    pusher: Arc<Pusher>,
    /// When each flow last ran, for interval and batch tiers.
    last_run: Mutex<HashMap<Flow, DateTime<Utc>>>,
}

struct Pusher {
    db: Db,
    clients: Clients,
    config: SyncConfig,
    owner: String,
    metrics: Arc<SyncMetrics>,
}

impl Worker {
    pub fn new(db: Db, clients: Clients, config: SyncConfig, metrics: Arc<SyncMetrics>) -> Worker {
        let owner = format!("{}-{:08x}", hostname(), rand::random::<u32>());
        Worker { pusher: Arc::new(Pusher { db, clients, config, owner, metrics }), last_run: Mutex::default() }
    }

    pub fn owner(&self) -> &str {
        &self.pusher.owner
    }

    /// Runs until `shutdown` resolves; a failing database is logged and retried, never fatal.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut bell = self.pusher.db.outbox_bell().subscribe();
        let poll = Duration::from_millis(self.pusher.config.poll_interval_ms);
        tokio::pin!(shutdown);
        tracing::info!(worker = %self.pusher.owner, "outbox worker started");
        loop {
            match self.drain().await {
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(worker = %self.pusher.owner, %error, "outbox worker could not read the queue")
                }
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = bell.changed() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!(worker = %self.pusher.owner, "outbox worker stopped");
    }

    /// Pushes until nothing is due; returns how many rows it handled. Tests call this directly.
    /// A slot is refilled as soon as its push finishes, so one slow call does not idle the others.
    /// Pushes run as tasks: they keep going (and give back their connections) while we claim more.
    pub async fn drain(&self) -> Result<usize, DbError> {
        let prefixes = self.due_prefixes(Utc::now()).await;
        let mut in_flight = tokio::task::JoinSet::new();
        let mut handled = 0;
        loop {
            let free = self.pusher.config.concurrency.saturating_sub(in_flight.len());
            if free > 0 {
                for row in self.claim(&prefixes, free).await? {
                    let pusher = self.pusher.clone();
                    in_flight.spawn(async move { pusher.push_one(row).await });
                }
            }
            match in_flight.join_next().await {
                Some(Ok(outcome)) => {
                    outcome?;
                    handled += 1;
                }
                Some(Err(panicked)) => {
                    // The row keeps its lease and is pushed again once it expires.
                    tracing::error!(error = %panicked, "a push task failed");
                }
                None => return Ok(handled),
            }
        }
    }

    /// One claim of up to `concurrency` rows (each of a different PO) and their pushes.
    pub async fn run_once(&self) -> Result<usize, DbError> {
        let prefixes = self.due_prefixes(Utc::now()).await;
        let rows = self.claim(&prefixes, self.pusher.config.concurrency).await?;
        let count = rows.len();
        for outcome in futures::future::join_all(rows.into_iter().map(|row| self.pusher.push_one(row))).await {
            outcome?;
        }
        Ok(count)
    }

    async fn claim(&self, prefixes: &[&str], limit: usize) -> Result<Vec<Claimed>, DbError> {
        let lease = chrono::Duration::seconds(self.pusher.config.lease_secs as i64);
        outbox::claim(&self.pusher.db, outbox::ODOO, &self.pusher.owner, prefixes, limit, lease, Utc::now()).await
    }

    async fn due_prefixes(&self, now: DateTime<Utc>) -> Vec<&'static str> {
        let mut last_run = self.last_run.lock().await;
        let mut due = Vec::new();
        for flow in Flow::ALL.into_iter().filter(|f| !matches!(f, Flow::PoPull | Flow::MoPull)) {
            if self.pusher.config.tiers.of(flow).is_due(last_run.get(&flow).copied(), now) {
                due.push(flow.event_prefix());
                last_run.insert(flow, now);
            }
        }
        due
    }
}

impl Pusher {
    async fn push_one(&self, row: Claimed) -> Result<(), DbError> {
        let started = std::time::Instant::now();
        let supplier = row.supplier_id.unwrap_or_default();
        let span = tracing::info_span!("push", outbox = row.id, event = %row.event_type, supplier, aggregate = %row.ordering_key, attempt = row.attempts);
        let outcome = push::push(&self.clients, &row).await;
        let elapsed = started.elapsed();
        self.metrics.observe_push(supplier, elapsed, outcome.as_ref().err().map(PushError::kind));
        match outcome {
            Ok(pushed) => {
                let warning = match &pushed {
                    Pushed::Applied { warning, .. } => warning.as_deref(),
                    Pushed::Skipped(_) => None,
                };
                if !outbox::complete(&self.db, row.id, &self.owner, warning).await? {
                    tracing::warn!(parent: &span, "lease lost before completion; the row's new owner decides");
                }
                match pushed {
                    Pushed::Applied { model, odoo_id, warning: None } => {
                        tracing::info!(parent: &span, odoo.model = model, odoo.id = odoo_id, elapsed_ms = elapsed.as_millis() as u64, "pushed to Odoo")
                    }
                    Pushed::Applied { model, odoo_id, warning: Some(warning) } => {
                        tracing::warn!(parent: &span, odoo.model = model, odoo.id = odoo_id, %warning, "pushed to Odoo with a warning")
                    }
                    Pushed::Skipped(why) => tracing::info!(parent: &span, why, "nothing to push"),
                }
            }
            Err(error) => {
                let retry = error.is_retryable() && row.attempts < self.config.max_attempts;
                let failure = if retry {
                    let wait = self.config.backoff(row.attempts - 1, error.retry_after(), rand::random::<f64>());
                    Failure::RetryAt(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
                } else {
                    Failure::Dead
                };
                let message = error.to_string();
                outbox::fail(&self.db, row.id, &self.owner, failure, error.kind(), &message).await?;
                match failure {
                    Failure::RetryAt(at) => {
                        tracing::warn!(parent: &span, kind = error.kind(), error = %message, retry_at = %at, "push failed; will retry")
                    }
                    Failure::Dead => {
                        self.metrics.dead_letter(supplier);
                        tracing::error!(parent: &span, kind = error.kind(), error = %message, "push failed; parked as a dead letter")
                    }
                }
            }
        }
        Ok(())
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "node".into())
}
