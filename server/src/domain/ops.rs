//! The admin's sync console: queue, dead letters (with replay), pulls, the latest reconciliation.

use app::model::{ConnectionView, DeadLetterView, PullStatusView, ReconciliationView, ReplayInput, Role, SyncOverview};
use app::ports::{Actor, SyncPort};
use app::AppError;
use chrono::{DateTime, Utc};

use super::audit::{self, AuditEntry};
use super::internal;
use crate::db::{Db, Executor, Sql};
use crate::sync::outbox;

pub struct SyncService {
    pub db: Db,
}

fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    name: String,
    base_url: String,
    odoo_version: Option<String>,
    protocol: Option<String>,
    suppliers_bound: i64,
}

#[derive(sqlx::FromRow)]
struct DeadRow {
    id: i64,
    event_type: String,
    ordering_key: String,
    supplier: Option<String>,
    attempts: i64,
    last_error_kind: Option<String>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

impl DeadRow {
    fn into_view(self) -> DeadLetterView {
        DeadLetterView {
            id: self.id,
            event_type: self.event_type,
            subject: self.ordering_key,
            supplier: self.supplier,
            attempts: self.attempts,
            error_kind: self.last_error_kind,
            error: self.last_error,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct PullRow {
    supplier: String,
    model: String,
    last_run_at: Option<DateTime<Utc>>,
    last_write_date: Option<DateTime<Utc>>,
    last_error: Option<String>,
    records_seen: i64,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    checked: i64,
    drifted: i64,
    repaired: i64,
    failed: i64,
    detail: String,
}

/// One reconciliation finding as a sentence.
fn finding(entry: &serde_json::Value) -> String {
    let text = |k: &str| entry.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    if let Some(error) = entry.get("error").and_then(|v| v.as_str()) {
        return format!(
            "supplier {}: could not read {} record(s) from Odoo: {error}",
            entry["supplier_id"], entry["records"]
        );
    }
    let repaired =
        if entry.get("repaired").and_then(|v| v.as_bool()) == Some(true) { "repaired" } else { "not repaired" };
    format!("{} (supplier {}): {} — {repaired}", text("po"), entry["supplier_id"], text("drift"))
}

#[async_trait::async_trait]
impl SyncPort for SyncService {
    async fn overview(&self, actor: &Actor) -> Result<SyncOverview, AppError> {
        require_admin(actor)?;
        let mut exec = self.db.exec();
        let depth = outbox::depth(&self.db).await.map_err(internal)?;
        let connections: Vec<ConnectionRow> = exec
            .fetch_all(Sql::new(
                "SELECT c.name, c.base_url, c.odoo_version, c.protocol,
                        (SELECT COUNT(*) FROM odoo_credential k WHERE k.odoo_connection_id = c.id AND k.purpose = 'supplier') AS suppliers_bound
                 FROM odoo_connection c ORDER BY c.name",
            ))
            .await
            .map_err(internal)?;
        let dead: Vec<DeadRow> = exec
            .fetch_all(
                Sql::new(
                    "SELECT o.id, e.event_type, o.ordering_key, s.name AS supplier, o.attempts, o.last_error_kind, o.last_error, o.created_at
                     FROM outbox o JOIN event e ON e.id = o.event_id LEFT JOIN supplier s ON s.id = e.supplier_id
                     WHERE o.status = 'dead' AND o.destination = $1 ORDER BY o.id LIMIT 200",
                )
                .bind(outbox::ODOO),
            )
            .await
            .map_err(internal)?;
        let warned: Vec<DeadRow> = exec
            .fetch_all(
                Sql::new(
                    "SELECT o.id, e.event_type, o.ordering_key, s.name AS supplier, o.attempts, o.last_error_kind, o.last_error, o.created_at
                     FROM outbox o JOIN event e ON e.id = o.event_id LEFT JOIN supplier s ON s.id = e.supplier_id
                     WHERE o.status = 'done' AND o.last_error_kind = $1 AND o.destination = $2 ORDER BY o.id DESC LIMIT 50",
                )
                .bind(outbox::WARNING_KIND)
                .bind(outbox::ODOO),
            )
            .await
            .map_err(internal)?;
        let pulls: Vec<PullRow> = exec
            .fetch_all(Sql::new(
                "SELECT s.name AS supplier, c.model, c.last_run_at, c.last_write_date, c.last_error, c.records_seen
                 FROM sync_cursor c JOIN supplier s ON s.id = c.supplier_id ORDER BY s.name, c.model",
            ))
            .await
            .map_err(internal)?;
        let report: Option<ReportRow> = exec
            .fetch_optional(Sql::new(
                "SELECT id, started_at, finished_at, checked, drifted, repaired, failed, detail FROM reconciliation_report ORDER BY id DESC LIMIT 1",
            ))
            .await
            .map_err(internal)?;
        let now = Utc::now();
        Ok(SyncOverview {
            pending: depth.pending,
            dead: depth.dead,
            oldest_pending_secs: depth.oldest_pending_at.map(|at| (now - at).num_seconds().max(0)),
            connections: connections
                .into_iter()
                .map(|c| ConnectionView {
                    name: c.name,
                    base_url: c.base_url,
                    version: c.odoo_version,
                    protocol: c.protocol,
                    suppliers_bound: c.suppliers_bound,
                })
                .collect(),
            dead_letters: dead.into_iter().map(DeadRow::into_view).collect(),
            warnings: warned.into_iter().map(DeadRow::into_view).collect(),
            pulls: pulls
                .into_iter()
                .map(|p| PullStatusView {
                    supplier: p.supplier,
                    model: p.model,
                    last_run_at: p.last_run_at,
                    cursor: p.last_write_date,
                    last_error: p.last_error,
                    records_seen: p.records_seen,
                })
                .collect(),
            reconciliation: report.map(|r| ReconciliationView {
                id: r.id,
                started_at: r.started_at,
                finished_at: r.finished_at,
                checked: r.checked,
                drifted: r.drifted,
                repaired: r.repaired,
                failed: r.failed,
                detail: serde_json::from_str::<Vec<serde_json::Value>>(&r.detail)
                    .unwrap_or_default()
                    .iter()
                    .map(finding)
                    .collect(),
            }),
        })
    }

    async fn replay(&self, actor: &Actor, input: ReplayInput) -> Result<u64, AppError> {
        require_admin(actor)?;
        let ids = input.id.map(|id| vec![id]);
        let replayed = outbox::replay(&self.db, ids.as_deref()).await.map_err(internal)?;
        if input.id.is_some() && replayed == 0 {
            return Err(AppError::NotFound);
        }
        let entry = AuditEntry::acting(
            actor,
            "sync.replayed",
            input.id.map(|id| ("outbox", id)),
            None,
            serde_json::json!({ "replayed": replayed, "all": input.id.is_none() }),
        );
        audit::record(&mut self.db.exec(), entry).await.map_err(internal)?;
        // The worker starts on the replayed rows at once.
        self.db.outbox_bell().ring();
        Ok(replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_read_as_sentences() {
        let drift = serde_json::json!({"supplier_id": 3, "po": "P00012", "drift": "revised", "repaired": true});
        assert_eq!(finding(&drift), "P00012 (supplier 3): revised — repaired");
        let error = serde_json::json!({"supplier_id": 4, "error": "timeout", "records": 12});
        assert_eq!(finding(&error), "supplier 4: could not read 12 record(s) from Odoo: timeout");
    }
}
