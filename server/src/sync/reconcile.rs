//! Tier 3: compare every open canonical PO with Odoo, repair what drifted (the import brings the
//! canonical record in line and invalidates answers on changed lines), and keep a report that
//! names each drifted record.

use chrono::Utc;
use serde_json::json;

use super::connection::Clients;
use super::pull::{bound_suppliers, refresh_orders, PullError};
use crate::db::{DbError, Executor, Sql};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub report_id: i64,
    pub checked: usize,
    pub drifted: usize,
    pub repaired: usize,
    pub failed: usize,
}

/// Runs one reconciliation over every bound supplier and stores its report.
pub async fn reconcile(clients: &Clients, page: usize) -> Result<Reconciliation, DbError> {
    let db = clients.db();
    let started = Utc::now();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let report: Id = db
        .exec()
        .fetch_one(Sql::new("INSERT INTO reconciliation_report (started_at) VALUES ($1) RETURNING id").bind(started))
        .await?;
    let mut result = Reconciliation { report_id: report.id, ..Default::default() };
    let mut detail = Vec::new();
    for supplier_id in bound_suppliers(db).await? {
        #[derive(sqlx::FromRow)]
        struct Open {
            odoo_id: i64,
            number: String,
        }
        let open: Vec<Open> = db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT odoo_id, number FROM purchase_order WHERE supplier_id = $1 AND odoo_id IS NOT NULL
                     AND odoo_connection_id = (SELECT odoo_connection_id FROM supplier WHERE id = $1)
                     AND state IN ('draft', 'sent', 'to_approve', 'purchase') ORDER BY odoo_id",
                )
                .bind(supplier_id),
            )
            .await?;
        let ids: Vec<i64> = open.iter().map(|o| o.odoo_id).collect();
        result.checked += ids.len();
        for chunk in ids.chunks(page.max(1)) {
            match refresh_orders(clients, supplier_id, chunk).await {
                Ok(pulled) => {
                    for (number, outcome) in pulled.changed {
                        result.drifted += 1;
                        result.repaired += 1;
                        detail.push(json!({ "supplier_id": supplier_id, "po": number, "drift": format!("{outcome:?}").to_lowercase(), "repaired": true }));
                    }
                    for odoo_id in pulled.missing {
                        result.drifted += 1;
                        let number =
                            open.iter().find(|o| o.odoo_id == odoo_id).map(|o| o.number.as_str()).unwrap_or("?");
                        detail.push(json!({ "supplier_id": supplier_id, "po": number, "odoo_id": odoo_id,
                                            "drift": "missing in Odoo or hidden from the supplier's key", "repaired": false }));
                    }
                }
                Err(error) => {
                    result.failed += chunk.len();
                    let message = error.to_string();
                    tracing::warn!(supplier = supplier_id, error = %message, "reconciliation could not read from Odoo");
                    detail.push(json!({ "supplier_id": supplier_id, "error": message, "records": chunk.len() }));
                    if matches!(error, PullError::Db(_)) {
                        break;
                    }
                }
            }
        }
    }
    db.exec()
        .execute(
            Sql::new(
                "UPDATE reconciliation_report SET finished_at = $1, checked = $2, drifted = $3, repaired = $4, failed = $5, detail = $6 WHERE id = $7",
            )
            .bind(Utc::now())
            .bind(result.checked as i64)
            .bind(result.drifted as i64)
            .bind(result.repaired as i64)
            .bind(result.failed as i64)
            .bind(serde_json::Value::Array(detail).to_string())
            .bind(report.id),
        )
        .await?;
    tracing::info!(
        checked = result.checked,
        drifted = result.drifted,
        repaired = result.repaired,
        failed = result.failed,
        "reconciliation finished"
    );
    Ok(result)
}
