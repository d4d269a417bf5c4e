//! Supplier proposals and the buyer's decisions on them. Accepting applies the change to the PO
//! line (a new quantity, a new date, or a split into several lines) and sends it to Odoo through
//! the outbox; rejecting returns the line to the supplier, who must answer it again.

use chrono::{DateTime, NaiveDate, Utc};

use app::model::{DecisionInput, ProposalQueueItem, ProposalView};
use app::ports::{Actor, ProposalPort};
use app::AppError;

use crate::db::{Arg, Db, Executor, Sql, Tx};
use crate::domain::acknowledgement::{po_ack_state, MAX_REASON_CHARS};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::event::{self, NewEvent};
use crate::domain::{internal, require_buyer};

#[derive(Debug, sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    line_id: i64,
    kind: String,
    proposed_quantity: Option<f64>,
    proposed_date: Option<NaiveDate>,
    reason: Option<String>,
    status: String,
    decision_comment: Option<String>,
    created_at: DateTime<Utc>,
    po_id: i64,
    po_number: String,
    supplier_id: i64,
    supplier_name: String,
    line_no: i64,
    product_name: String,
    ordered_quantity: f64,
    uom: String,
    requested_date: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    change_proposal_id: i64,
    quantity: f64,
    delivery_date: NaiveDate,
}

const PROPOSAL_SELECT: &str =
    "SELECT cp.id, cp.purchase_order_line_id AS line_id, cp.kind, cp.proposed_quantity, cp.proposed_date,
       cp.reason, cp.status, cp.decision_comment, cp.created_at, po.id AS po_id, po.number AS po_number,
       po.supplier_id, s.name AS supplier_name, l.line_no, p.name AS product_name, l.quantity AS ordered_quantity,
       u.name AS uom, l.requested_date
  FROM change_proposal cp
  JOIN purchase_order_line l ON l.id = cp.purchase_order_line_id
  JOIN purchase_order po ON po.id = l.purchase_order_id
  JOIN supplier s ON s.id = po.supplier_id
  JOIN product p ON p.id = l.product_id
  JOIN uom u ON u.id = l.uom_id";

/// Proposals matching `condition` (a `WHERE …` fragment), oldest first, with the deliveries of splits.
async fn load(db: &Db, condition: &str, args: Vec<Arg>) -> Result<Vec<(ProposalRow, ProposalView)>, AppError> {
    let mut sql = Sql::new(PROPOSAL_SELECT);
    sql.push(condition, args);
    sql.push(" ORDER BY cp.id", []);
    let rows: Vec<ProposalRow> = db.exec().fetch_all(sql).await.map_err(internal)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut deliveries_sql = Sql::new("SELECT change_proposal_id, quantity, delivery_date FROM change_proposal_delivery WHERE change_proposal_id IN (");
    let placeholders = vec!["?"; rows.len()].join(", ");
    deliveries_sql.push(&placeholders, rows.iter().map(|r| Arg::from(r.id)));
    deliveries_sql.push(") ORDER BY id", []);
    let deliveries: Vec<DeliveryRow> = db.exec().fetch_all(deliveries_sql).await.map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let view = ProposalView {
                id: r.id,
                line_id: r.line_id,
                kind: r.kind.clone(),
                proposed_quantity: r.proposed_quantity,
                proposed_date: r.proposed_date,
                deliveries: deliveries
                    .iter()
                    .filter(|d| d.change_proposal_id == r.id)
                    .map(|d| (d.quantity, d.delivery_date))
                    .collect(),
                reason: r.reason.clone(),
                status: r.status.clone(),
                decision_comment: r.decision_comment.clone(),
            };
            (r, view)
        })
        .collect())
}

/// Every proposal on a PO's lines (the caller has already checked the actor may see the PO).
pub async fn for_po(db: &Db, po_id: i64) -> Result<Vec<ProposalView>, AppError> {
    Ok(load(db, " WHERE po.id = ?", vec![Arg::from(po_id)]).await?.into_iter().map(|(_, v)| v).collect())
}

pub struct ProposalService {
    pub db: Db,
}

#[derive(Debug, PartialEq)]
pub enum Decision {
    Accept { comment: Option<String> },
    Reject { comment: String },
}

/// Parses the buyer's input: a known decision, and a comment that is required to reject.
pub fn parse_decision(input: &DecisionInput) -> Result<Decision, AppError> {
    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_REASON_CHARS) {
        return Err(AppError::invalid("comment", format!("Keep the comment under {MAX_REASON_CHARS} characters.")));
    }
    match (input.decision.as_str(), comment) {
        ("accept", comment) => Ok(Decision::Accept { comment }),
        ("reject", Some(comment)) => Ok(Decision::Reject { comment }),
        ("reject", None) => {
            Err(AppError::invalid("comment", "Say why you reject the proposal, so the supplier can answer."))
        }
        (other, _) => Err(AppError::invalid("decision", format!("Unknown decision {other:?}: accept or reject."))),
    }
}

#[async_trait::async_trait]
impl ProposalPort for ProposalService {
    async fn pending(&self, actor: &Actor) -> Result<Vec<ProposalQueueItem>, AppError> {
        require_buyer(actor)?;
        let rows = load(&self.db, " WHERE cp.status = 'pending'", vec![]).await?;
        Ok(rows
            .into_iter()
            .map(|(r, proposal)| ProposalQueueItem {
                proposal,
                po_id: r.po_id,
                po_number: r.po_number,
                supplier_name: r.supplier_name,
                line_no: r.line_no,
                product_name: r.product_name,
                ordered_quantity: r.ordered_quantity,
                uom: r.uom,
                requested_date: r.requested_date,
                proposed_at: r.created_at,
            })
            .collect())
    }

    async fn decide(&self, actor: &Actor, input: DecisionInput) -> Result<(), AppError> {
        require_buyer(actor)?;
        let decision = parse_decision(&input)?;
        let found = load(&self.db, " WHERE cp.id = ?", vec![Arg::from(input.proposal_id)]).await?;
        let (row, view) = found.into_iter().next().ok_or(AppError::NotFound)?;
        if row.status != "pending" {
            return Err(AppError::invalid("decision", format!("This proposal was already {}.", row.status)));
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        if !apply(&mut tx, actor, &row, &view, &decision).await.map_err(internal)? {
            return Err(AppError::invalid("decision", "Someone decided this proposal a moment ago. Reload the queue."));
        }
        tx.commit().await.map_err(internal)
    }
}

/// The tables whose rows a buyer decides on.
#[derive(Clone, Copy)]
pub enum Decided {
    ChangeProposal,
    LeadTimeProposal,
}

/// Records a buyer's decision on a pending row; false when it was decided meanwhile.
pub async fn record_decision(
    tx: &mut Tx,
    table: Decided,
    id: i64,
    status: &str,
    actor: &Actor,
    comment: Option<String>,
) -> crate::db::Result<bool> {
    let table = match table {
        Decided::ChangeProposal => "change_proposal",
        Decided::LeadTimeProposal => "leadtime_proposal",
    };
    let sql = format!(
        "UPDATE {table} SET status = $1, decided_by = $2, decided_at = $3, decision_comment = $4 WHERE id = $5 AND status = 'pending'"
    );
    let updated =
        tx.execute(Sql::new(sql).bind(status).bind(actor.user_id).bind(Utc::now()).bind(comment).bind(id)).await?;
    Ok(updated == 1)
}

/// Writes the decision, changes the line when accepted, recomputes the PO's state and totals,
/// and records the event, outbox row and audit entry. False when the proposal was decided meanwhile.
async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    row: &ProposalRow,
    view: &ProposalView,
    decision: &Decision,
) -> crate::db::Result<bool> {
    let now = Utc::now();
    let (status, comment) = match decision {
        Decision::Accept { comment } => ("accepted", comment.clone()),
        Decision::Reject { comment } => ("rejected", Some(comment.clone())),
    };
    if !record_decision(tx, Decided::ChangeProposal, row.id, status, actor, comment.clone()).await? {
        return Ok(false);
    }
    match decision {
        Decision::Accept { .. } => apply_to_line(tx, row, view).await?,
        // The line goes back to the supplier, who must answer it again.
        Decision::Reject { .. } => {
            tx.execute(
                Sql::new("UPDATE purchase_order_line SET ack_state = 'pending' WHERE id = $1").bind(row.line_id),
            )
            .await?;
        }
    }
    recompute_po(tx, row.po_id, now).await?;
    event::emit(
        tx,
        NewEvent {
            event_type: "po.change_decided",
            aggregate: ("purchase_order", row.po_id),
            supplier_id: Some(row.supplier_id),
            payload: serde_json::json!({
                "purchase_order_id": row.po_id, "number": row.po_number, "line_id": row.line_id,
                "proposal_id": row.id, "kind": row.kind, "decision": status, "comment": comment,
                "proposed_quantity": view.proposed_quantity, "proposed_date": view.proposed_date,
                "deliveries": view.deliveries.iter().map(|(q, d)| serde_json::json!({ "quantity": q, "date": d })).collect::<Vec<_>>(),
            }),
            // An accepted change is written to the PO line in Odoo; a rejection stays in the portal.
            destinations: if status == "accepted" { &["odoo"] } else { &[] },
        },
    )
    .await?;
    let detail = serde_json::json!({ "decision": status });
    audit::record(tx, AuditEntry::by(actor, "proposal.decided", ("change_proposal", row.id), row.supplier_id, detail))
        .await?;
    Ok(true)
}

async fn apply_to_line(tx: &mut Tx, row: &ProposalRow, view: &ProposalView) -> crate::db::Result<()> {
    let line = row.line_id;
    match row.kind.as_str() {
        "quantity" => {
            let q = view.proposed_quantity.unwrap_or(row.ordered_quantity);
            tx.execute(
                Sql::new("UPDATE purchase_order_line SET quantity = $1, subtotal = ROUND(price_unit * $1 * 100) / 100.0, ack_state = 'accepted' WHERE id = $2")
                    .bind(q)
                    .bind(line),
            )
            .await?;
        }
        "date" => {
            let date = view.proposed_date.map(at_requested_time(row.requested_date));
            tx.execute(
                // The date the buyer asked for stays as the required date (the exception queue compares).
                Sql::new("UPDATE purchase_order_line SET required_date = COALESCE(required_date, requested_date), requested_date = $1,
                            ack_state = 'accepted' WHERE id = $2")
                    .bind(date)
                    .bind(line),
            )
            .await?;
        }
        _ => {
            // A split: the line keeps the first delivery; each further delivery becomes a new line.
            let mut deliveries = view.deliveries.iter();
            if let Some((q, d)) = deliveries.next() {
                tx.execute(
                    Sql::new(
                        "UPDATE purchase_order_line SET quantity = $1, subtotal = ROUND(price_unit * $1 * 100) / 100.0,
                           required_date = COALESCE(required_date, requested_date), requested_date = $2, ack_state = 'accepted'
                         WHERE id = $3",
                    )
                    .bind(*q)
                    .bind(at_requested_time(row.requested_date)(*d))
                    .bind(line),
                )
                .await?;
            }
            for (q, d) in deliveries {
                tx.execute(
                    Sql::new(
                        "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, price_unit,
                           subtotal, requested_date, required_date, qty_received, ack_state)
                         SELECT purchase_order_id, (SELECT MAX(line_no) + 1 FROM purchase_order_line WHERE purchase_order_id = $1),
                                product_id, description, $2, uom_id, price_unit, ROUND(price_unit * $2 * 100) / 100.0, $3,
                                COALESCE(required_date, requested_date), 0, 'accepted'
                           FROM purchase_order_line WHERE id = $4",
                    )
                    .bind(row.po_id)
                    .bind(*q)
                    .bind(at_requested_time(row.requested_date)(*d))
                    .bind(line),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// A proposed calendar date at the time of day the buyer asked for.
fn at_requested_time(requested: DateTime<Utc>) -> impl Fn(NaiveDate) -> DateTime<Utc> {
    move |date| date.and_time(requested.time()).and_utc()
}

/// The PO's acknowledgement state and totals after its lines changed.
async fn recompute_po(tx: &mut Tx, po_id: i64, now: DateTime<Utc>) -> crate::db::Result<()> {
    #[derive(sqlx::FromRow)]
    struct LineState {
        ack_state: String,
        subtotal: f64,
    }
    #[derive(sqlx::FromRow)]
    struct Amounts {
        amount_untaxed: f64,
        amount_total: f64,
    }
    let lines: Vec<LineState> = tx
        .fetch_all(
            Sql::new("SELECT ack_state, subtotal FROM purchase_order_line WHERE purchase_order_id = $1").bind(po_id),
        )
        .await?;
    let states: Vec<&str> = lines.iter().map(|l| l.ack_state.as_str()).collect();
    let amounts: Amounts = tx
        .fetch_one(Sql::new("SELECT amount_untaxed, amount_total FROM purchase_order WHERE id = $1").bind(po_id))
        .await?;
    let untaxed: f64 = lines.iter().map(|l| l.subtotal).sum();
    // Taxes keep their share until Odoo recomputes them on sync.
    let tax_ratio = if amounts.amount_untaxed > 0.0 { amounts.amount_total / amounts.amount_untaxed } else { 1.0 };
    tx.execute(
        Sql::new("UPDATE purchase_order SET ack_state = $1, amount_untaxed = $2, amount_total = $3, updated_at = $4 WHERE id = $5")
            .bind(po_ack_state(&states))
            .bind(untaxed)
            .bind((untaxed * tax_ratio * 100.0).round() / 100.0)
            .bind(now)
            .bind(po_id),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(decision: &str, comment: Option<&str>) -> DecisionInput {
        DecisionInput { proposal_id: 1, decision: decision.into(), comment: comment.map(str::to_string) }
    }

    #[test]
    fn rejecting_needs_a_comment_accepting_does_not() {
        assert_eq!(parse_decision(&input("accept", None)).unwrap(), Decision::Accept { comment: None });
        assert!(
            matches!(parse_decision(&input("reject", Some("  "))), Err(AppError::Invalid { field, .. }) if field == "comment")
        );
        assert_eq!(
            parse_decision(&input("reject", Some("Too late"))).unwrap(),
            Decision::Reject { comment: "Too late".into() }
        );
        assert!(
            matches!(parse_decision(&input("maybe", None)), Err(AppError::Invalid { field, .. }) if field == "decision")
        );
    }

    #[test]
    fn proposed_dates_keep_the_requested_time_of_day() {
        let requested = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(14, 30, 0).unwrap().and_utc();
        let moved = at_requested_time(requested)(NaiveDate::from_ymd_opt(2026, 12, 9).unwrap());
        assert_eq!(moved.to_rfc3339(), "2026-12-09T14:30:00+00:00");
    }

    #[test]
    fn the_po_state_follows_its_lines() {
        assert_eq!(po_ack_state(&["accepted", "change_proposed"]), "changes_proposed");
        assert_eq!(po_ack_state(&["accepted", "pending"]), "pending");
        assert_eq!(po_ack_state(&["accepted", "accepted"]), "accepted");
        assert_eq!(po_ack_state(&["rejected", "accepted"]), "partially_accepted");
        assert_eq!(po_ack_state(&["rejected"]), "rejected");
    }
}
