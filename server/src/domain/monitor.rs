//! The buyer's confirmation monitor: per supplier, the POs still waiting for an answer, how many
//! are past the SLA, how old the oldest is, and the proposals waiting for a buyer.

use chrono::{DateTime, Duration, Utc};

use app::model::SupplierConfirmation;
use app::ports::Actor;
use app::AppError;

use crate::db::{Db, Executor, Sql};
use crate::domain::{internal, require_buyer};

/// A confirmed PO still waiting for the supplier's answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AwaitingPo {
    pub supplier_id: i64,
    pub ack_state: String,
    pub received_at: DateTime<Utc>,
    pub ack_sla_hours: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupplierCounts {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub proposals_pending: i64,
    pub lead_times_pending: i64,
}

/// Folds the waiting POs into each supplier's row. Pure: the SLA arithmetic is tested alone.
pub fn summarise(
    suppliers: Vec<SupplierCounts>,
    awaiting: &[AwaitingPo],
    now: DateTime<Utc>,
) -> Vec<SupplierConfirmation> {
    suppliers
        .into_iter()
        .map(|s| {
            let own = awaiting.iter().filter(|p| p.supplier_id == s.supplier_id);
            // New POs wait for a first answer against the SLA; changed ones are counted apart.
            let first: Vec<&AwaitingPo> = own.clone().filter(|p| p.ack_state == "pending").collect();
            SupplierConfirmation {
                awaiting: first.len() as i64,
                overdue: first.iter().filter(|p| now > p.received_at + Duration::hours(p.ack_sla_hours)).count() as i64,
                oldest_awaiting_hours: first.iter().map(|p| (now - p.received_at).num_hours()).max(),
                reconfirm: own.filter(|p| p.ack_state == "reconfirm").count() as i64,
                supplier_id: s.supplier_id,
                supplier_name: s.supplier_name,
                proposals_pending: s.proposals_pending,
                lead_times_pending: s.lead_times_pending,
            }
        })
        .collect()
}

pub async fn confirmation_monitor(db: &Db, actor: &Actor) -> Result<Vec<SupplierConfirmation>, AppError> {
    require_buyer(actor)?;
    let suppliers: Vec<SupplierCounts> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT s.id AS supplier_id, s.name AS supplier_name,
                    (SELECT COUNT(*) FROM change_proposal cp
                       JOIN purchase_order_line l ON l.id = cp.purchase_order_line_id
                       JOIN purchase_order po ON po.id = l.purchase_order_id
                      WHERE po.supplier_id = s.id AND cp.status = 'pending') AS proposals_pending,
                    (SELECT COUNT(*) FROM leadtime_proposal lp
                       JOIN supplier_product sp ON sp.id = lp.supplier_product_id
                      WHERE sp.supplier_id = s.id AND lp.status = 'pending') AS lead_times_pending
               FROM supplier s ORDER BY s.name",
        ))
        .await
        .map_err(internal)?;
    let awaiting: Vec<AwaitingPo> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT po.supplier_id, po.ack_state, po.received_at, s.ack_sla_hours
               FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id
              WHERE po.state = 'purchase' AND po.ack_state IN ('pending', 'reconfirm')",
        ))
        .await
        .map_err(internal)?;
    Ok(summarise(suppliers, &awaiting, Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_counts_from_arrival_plus_each_suppliers_sla() {
        let now = Utc::now();
        let po = |supplier_id, hours_ago, sla, state: &str| AwaitingPo {
            supplier_id,
            ack_state: state.into(),
            received_at: now - Duration::hours(hours_ago),
            ack_sla_hours: sla,
        };
        let suppliers = vec![
            SupplierCounts { supplier_id: 1, supplier_name: "A".into(), proposals_pending: 2, lead_times_pending: 0 },
            SupplierCounts { supplier_id: 2, supplier_name: "B".into(), proposals_pending: 0, lead_times_pending: 1 },
        ];
        let awaiting =
            [po(1, 30, 24, "pending"), po(1, 20, 24, "pending"), po(1, 50, 24, "reconfirm"), po(2, 30, 48, "pending")];
        let rows = summarise(suppliers, &awaiting, now);
        assert_eq!(
            (rows[0].awaiting, rows[0].overdue, rows[0].reconfirm, rows[0].oldest_awaiting_hours),
            (2, 1, 1, Some(30))
        );
        // B's 48-hour SLA has not run out after 30 hours.
        assert_eq!((rows[1].awaiting, rows[1].overdue, rows[1].lead_times_pending), (1, 0, 1));
    }

    #[test]
    fn a_supplier_with_nothing_waiting_has_no_age() {
        let suppliers = vec![SupplierCounts {
            supplier_id: 1,
            supplier_name: "A".into(),
            proposals_pending: 0,
            lead_times_pending: 0,
        }];
        let rows = summarise(suppliers, &[], Utc::now());
        assert_eq!((rows[0].awaiting, rows[0].oldest_awaiting_hours), (0, None));
    }
}
