//! The sync engine: Odoo → portal (pull, webhook hints, reconciliation) and portal → Odoo (the
//! outbox worker), each supplier's traffic under that supplier's own Odoo key.

pub mod check;
pub mod config;
pub mod connection;
pub mod import;
pub mod metrics;
pub mod mo_pull;
pub mod outbox;
pub mod provision;
pub mod pull;
pub mod push;
// Quality holds from Odoo (issue 4): the `quality` flow.
pub mod quality;
pub mod reconcile;
pub mod record;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch, Mutex};

use crate::db::{Db, Executor, Sql};
use crate::secret::MasterKeys;
use config::{Flow, SyncConfig};
use connection::Clients;
use metrics::SyncMetrics;
use worker::Worker;

/// An Odoo webhook's claim that a record changed. Only a hint: the record is read from Odoo under
/// the supplier's key before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub connection_id: i64,
    pub model: String,
    pub odoo_id: i64,
    /// `partner_id` / `order_id` from the payload, used only to choose whose key reads the record.
    pub partner_id: Option<i64>,
    pub order_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintOutcome {
    Accepted,
    RateLimited,
    /// Not a model the portal imports: acknowledged and ignored.
    Ignored,
}

pub struct SyncEngine {
    db: Db,
    pub clients: Clients,
    pub metrics: Arc<SyncMetrics>,
    config: SyncConfig,
    hints: mpsc::Sender<Hint>,
    hint_queue: Mutex<Option<mpsc::Receiver<Hint>>>,
    /// Hints per connection in the current minute.
    hint_budget: std::sync::Mutex<HashMap<i64, (DateTime<Utc>, u32)>>,
}

impl SyncEngine {
    pub fn new(db: Db, keys: MasterKeys, config: SyncConfig) -> Arc<SyncEngine> {
        let http = crate::odoo::client::http_client(Duration::from_secs(config.request_timeout_secs));
        let clients = Clients::new(db.clone(), keys, http, config.force_jsonrpc);
        let (hints, queue) = mpsc::channel(1024);
        Arc::new(SyncEngine {
            db,
            clients,
            metrics: Arc::default(),
            config,
            hints,
            hint_queue: Mutex::new(Some(queue)),
            hint_budget: Default::default(),
        })
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    pub fn worker(&self) -> Worker {
        Worker::new(self.db.clone(), self.clients.clone(), self.config.clone(), self.metrics.clone())
    }

    /// Queues a webhook hint unless the connection spent its budget for this minute.
    pub fn hint(&self, hint: Hint) -> HintOutcome {
        if !matches!(hint.model.as_str(), "purchase.order" | "purchase.order.line") {
            self.metrics.webhook_hint("ignored");
            return HintOutcome::Ignored;
        }
        let now = Utc::now();
        {
            let mut budget = self.hint_budget.lock().expect("hint budget lock");
            let (window, used) = budget.entry(hint.connection_id).or_insert((now, 0));
            if now - *window >= chrono::Duration::minutes(1) {
                *window = now;
                *used = 0;
            }
            if *used >= self.config.webhook_rate_per_minute {
                self.metrics.webhook_hint("rate_limited");
                return HintOutcome::RateLimited;
            }
            *used += 1;
        }
        // A full queue drops the hint: the next pull reads the record anyway.
        match self.hints.try_send(hint) {
            Ok(()) => {
                self.metrics.webhook_hint("accepted");
                HintOutcome::Accepted
            }
            Err(_) => {
                self.metrics.webhook_hint("dropped");
                HintOutcome::RateLimited
            }
        }
    }

    /// Reads the hinted record under the key of the supplier it belongs to. Which supplier is
    /// decided from our own records first; the payload's vendor only narrows the search, and a key
    /// that cannot see the record imports nothing.
    pub async fn handle_hint(&self, hint: &Hint) -> Result<(), pull::PullError> {
        let po_id = if hint.model == "purchase.order" { hint.odoo_id } else { hint.order_id.unwrap_or(0) };
        #[derive(sqlx::FromRow)]
        struct Owner {
            supplier_id: i64,
        }
        let known: Option<Owner> = self
            .db
            .exec()
            .fetch_optional(
                Sql::new("SELECT supplier_id FROM purchase_order WHERE odoo_connection_id = $1 AND odoo_id = $2")
                    .bind(hint.connection_id)
                    .bind(po_id),
            )
            .await?;
        let candidates: Vec<i64> = match known {
            Some(owner) => vec![owner.supplier_id],
            None => {
                let mut sql = Sql::new(
                    "SELECT s.id AS supplier_id FROM supplier s JOIN odoo_credential c ON c.supplier_id = s.id AND c.purpose = 'supplier'
                     WHERE s.odoo_connection_id = $1",
                )
                .bind(hint.connection_id);
                if let Some(partner) = hint.partner_id {
                    sql.push(" AND s.odoo_partner_id = ?", [partner.into()]);
                }
                self.db.exec().fetch_all::<Owner>(sql).await?.into_iter().map(|o| o.supplier_id).collect()
            }
        };
        if hint.model == "purchase.order.line" && hint.order_id.is_none() {
            // A line hint without its order: the next incremental pull picks the change up.
            return Ok(());
        }
        for supplier_id in candidates {
            let report = pull::refresh_orders(&self.clients, supplier_id, &[po_id]).await?;
            if report.seen > 0 {
                break;
            }
        }
        Ok(())
    }

    /// Starts the worker, the hint reader, the puller and the reconciler; they stop when `stop` flips.
    pub async fn spawn(self: &Arc<Self>, stop: watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let worker = self.worker();
        let mut worker_stop = stop.clone();
        tasks.push(tokio::spawn(worker.run(async move {
            let _ = worker_stop.wait_for(|s| *s).await;
        })));
        tasks.extend(self.spawn_hint_reader(stop.clone()).await);
        let engine = self.clone();
        let mut pull_stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut last: Option<DateTime<Utc>> = None;
            let mut last_mo: Option<DateTime<Utc>> = None;
            let mut last_quality: Option<DateTime<Utc>> = None;
            loop {
                let now = Utc::now();
                if engine.config.tiers.of(Flow::PoPull).is_due(last, now) {
                    last = Some(now);
                    engine.pull_all().await;
                }
                if engine.config.tiers.of(Flow::MoPull).is_due(last_mo, now) {
                    last_mo = Some(now);
                    engine.pull_manufacturing_orders().await;
                    // After the pulls, so a line made late by either is announced once.
                    if let Err(error) = crate::domain::exceptions::announce_delays(&engine.db).await {
                        tracing::warn!(%error, "announcing delayed components failed");
                    }
                }
                if engine.quality_pull_tier().is_due(last_quality, now) {
                    last_quality = Some(now);
                    engine.pull_quality().await;
                }
                tokio::select! {
                    _ = pull_stop.wait_for(|s| *s) => break,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }));
        let engine = self.clone();
        let mut reconcile_stop = stop;
        tasks.push(tokio::spawn(async move {
            // The first run waits for its slot: reconciliation is the nightly safety net.
            let mut last: Option<DateTime<Utc>> = Some(Utc::now());
            loop {
                let now = Utc::now();
                if engine.config.reconcile.is_due(last, now) {
                    last = Some(now);
                    if let Err(error) = reconcile::reconcile(&engine.clients, engine.config.pull_page_size).await {
                        tracing::warn!(%error, "reconciliation failed");
                    }
                }
                tokio::select! {
                    _ = reconcile_stop.wait_for(|s| *s) => break,
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }));
        tasks
    }

    /// Starts the task that applies webhook hints (once per engine; `None` when already started).
    pub async fn spawn_hint_reader(
        self: &Arc<Self>,
        stop: watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let mut queue = self.hint_queue.lock().await.take()?;
        let engine = self.clone();
        let mut hint_stop = stop;
        Some(tokio::spawn(async move {
            loop {
                let hint = tokio::select! {
                    _ = hint_stop.wait_for(|s| *s) => break,
                    hint = queue.recv() => match hint { Some(hint) => hint, None => break },
                };
                // Odoo 17/18 send the webhook before their transaction commits (`base_automation` posts inside the transaction there):
                // give the commit a moment before reading.
                tokio::time::sleep(Duration::from_millis(engine.config.hint_delay_ms)).await;
                if let Err(error) = engine.handle_hint(&hint).await {
                    tracing::warn!(odoo.model = %hint.model, odoo.id = hint.odoo_id, %error, "webhook hint could not be applied; the next pull retries");
                }
            }
        }))
    }

    /// One incremental pull for every bound supplier; a failing supplier does not stop the others.
    pub async fn pull_all(&self) -> pull::PullReport {
        let mut total = pull::PullReport::default();
        let suppliers = match pull::bound_suppliers(&self.db).await {
            Ok(s) => s,
            Err(error) => {
                tracing::warn!(%error, "cannot list the suppliers to pull");
                return total;
            }
        };
        for supplier_id in suppliers {
            if let Err(error) = pull::pull_supplier_products(&self.clients, supplier_id).await {
                tracing::warn!(supplier = supplier_id, %error, "pull of the vendor pricelist from Odoo failed");
            }
            match pull::pull_supplier(&self.clients, supplier_id, &self.config).await {
                Ok(report) => {
                    self.metrics.pulled("purchase.order", report.seen as u64);
                    total.merge(report);
                }
                Err(error) => {
                    tracing::warn!(supplier = supplier_id, %error, "pull from Odoo failed");
                    let _ = pull::record_pull_error(&self.db, supplier_id, &error.to_string()).await;
                }
            }
        }
        total
    }

    /// The quality flow's pull (holds from Odoo's QC location and OCA inspections). A pull cannot be
    /// real time: under `realtime` it runs at the PO pull's pace.
    pub fn quality_pull_tier(&self) -> config::Tier {
        match self.config.tiers.of(Flow::Quality) {
            config::Tier::Realtime => self.config.tiers.of(Flow::PoPull),
            tier => tier,
        }
    }

    /// One quality pull for every connection with a planning key.
    pub async fn pull_quality(&self) -> quality::QualityReport {
        let report = quality::pull_all(&self.clients).await;
        self.metrics.pulled("quality_hold", report.seen as u64);
        report
    }

    /// One pull of manufacturing-order demand per connection with a planning key; a failing
    /// connection does not stop the others.
    pub async fn pull_manufacturing_orders(&self) -> mo_pull::MoPullReport {
        let mut total = mo_pull::MoPullReport::default();
        let connections = match mo_pull::planning_connections(&self.db).await {
            Ok(c) => c,
            Err(error) => {
                tracing::warn!(%error, "cannot list the connections to read manufacturing orders from");
                return total;
            }
        };
        for connection_id in connections {
            match mo_pull::pull_manufacturing_orders(&self.clients, connection_id).await {
                Ok(report) => {
                    self.metrics.pulled("mrp.production", report.orders as u64);
                    total.orders += report.orders;
                    total.components += report.components;
                    total.removed += report.removed;
                }
                Err(error) => tracing::warn!(connection = connection_id, %error, "pull of manufacturing orders failed"),
            }
        }
        total
    }
}
