//! Lead-time changes: a supplier proposes a new lead time for a product it supplies, with an
//! effective date and a reason; the proposal shows which open PO lines would then be late; a buyer
//! approves (the lead time changes, and Odoo's `product.supplierinfo.delay` through the outbox) or
//! rejects it with a comment.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use app::error::FieldError;
use app::model::{DecisionInput, LateLineView, LeadTimeInput, LeadTimeItem, LeadTimeProposalView};
use app::ports::{Actor, LeadTimePort};
use app::AppError;

use crate::db::{Arg, Db, Executor, Sql};
use crate::domain::acknowledgement::{parse_date, MAX_REASON_CHARS};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::event::{self, NewEvent};
use crate::domain::proposal::{parse_decision, record_decision, Decided, Decision};
use crate::domain::{internal, require_buyer, require_supplier};

pub const MAX_LEAD_TIME_DAYS: i64 = 365;

#[derive(Debug, PartialEq)]
pub struct ValidLeadTime {
    pub days: i64,
    pub effective_date: NaiveDate,
    pub reason: String,
}

/// Checks a proposal against the current lead time. Pure, so every rule is tested without a database.
pub fn validate(input: &LeadTimeInput, current_days: i64, today: NaiveDate) -> Result<ValidLeadTime, AppError> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let days = match input.days.trim().parse::<i64>() {
        Ok(d) if !(0..=MAX_LEAD_TIME_DAYS).contains(&d) => {
            error("days", format!("A lead time is between 0 and {MAX_LEAD_TIME_DAYS} days."));
            None
        }
        Ok(d) if d == current_days => {
            error("days", format!("The lead time is already {d} days."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            error("days", format!("{:?} is not a whole number of days.", input.days.trim()));
            None
        }
    };
    let effective_date = match parse_date(&input.effective_date, today) {
        Ok(d) => Some(d),
        Err(e) => {
            error("effective_date", e);
            None
        }
    };
    let reason = input.reason.as_deref().map(str::trim).unwrap_or_default().to_string();
    if reason.is_empty() {
        error("reason", "Say why the lead time changes, so the buyer can plan around it.".into());
    } else if reason.chars().count() > MAX_REASON_CHARS {
        error("reason", format!("Keep the reason under {MAX_REASON_CHARS} characters."));
    }
    match (days, effective_date, errors.is_empty()) {
        (Some(days), Some(effective_date), true) => Ok(ValidLeadTime { days, effective_date, reason }),
        _ => Err(AppError::Fields(errors)),
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenLine {
    pub supplier_id: i64,
    pub product_id: i64,
    pub po_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub order_date: DateTime<Utc>,
    pub requested_date: DateTime<Utc>,
}

/// Open lines that would arrive late: from when the new lead time applies (the later of the order
/// and the effective date), delivery takes `days`; late when that is after the requested date.
pub fn late_lines(lines: &[OpenLine], days: i64, effective_date: NaiveDate) -> Vec<LateLineView> {
    lines
        .iter()
        .filter_map(|l| {
            let start = l.order_date.date_naive().max(effective_date);
            let earliest = start + Duration::days(days);
            (earliest > l.requested_date.date_naive()).then(|| LateLineView {
                po_id: l.po_id,
                po_number: l.po_number.clone(),
                line_no: l.line_no,
                requested_date: l.requested_date,
                earliest_delivery: earliest,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    supplier_product_id: i64,
    supplier_id: i64,
    product_id: i64,
    supplier_name: String,
    product_name: String,
    current_days: i64,
    proposed_days: i64,
    effective_date: NaiveDate,
    reason: String,
    status: String,
    decision_comment: Option<String>,
    created_at: DateTime<Utc>,
}

const PROPOSAL_SELECT: &str =
    "SELECT lp.id, lp.supplier_product_id, sp.supplier_id, sp.product_id, s.name AS supplier_name,
       p.name AS product_name, lp.current_days, lp.proposed_days, lp.effective_date, lp.reason, lp.status,
       lp.decision_comment, lp.created_at
  FROM leadtime_proposal lp
  JOIN supplier_product sp ON sp.id = lp.supplier_product_id
  JOIN supplier s ON s.id = sp.supplier_id
  JOIN product p ON p.id = sp.product_id";

pub struct LeadTimeService {
    pub db: Db,
}

impl LeadTimeService {
    async fn proposals(&self, condition: &str, args: Vec<Arg>) -> Result<Vec<LeadTimeProposalView>, AppError> {
        let mut sql = Sql::new(PROPOSAL_SELECT);
        sql.push(condition, args);
        sql.push(" ORDER BY lp.id", []);
        let rows: Vec<ProposalRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let open = self.open_lines(&rows).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let same_item: Vec<OpenLine> = open
                    .iter()
                    .filter(|l| l.supplier_id == r.supplier_id && l.product_id == r.product_id)
                    .cloned()
                    .collect();
                LeadTimeProposalView {
                    late_lines: late_lines(&same_item, r.proposed_days, r.effective_date),
                    id: r.id,
                    supplier_product_id: r.supplier_product_id,
                    supplier_name: r.supplier_name,
                    product_name: r.product_name,
                    current_days: r.current_days,
                    proposed_days: r.proposed_days,
                    effective_date: r.effective_date,
                    reason: r.reason,
                    status: r.status,
                    decision_comment: r.decision_comment,
                    created_at: r.created_at,
                }
            })
            .collect())
    }

    /// Lines of confirmed POs not fully received yet, for the suppliers and products of `proposals`:
    /// one query for all of them, grouped by the caller.
    async fn open_lines(&self, proposals: &[ProposalRow]) -> Result<Vec<OpenLine>, AppError> {
        if proposals.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT po.supplier_id, l.product_id, po.id AS po_id, po.number AS po_number, l.line_no, po.order_date, l.requested_date
               FROM purchase_order_line l JOIN purchase_order po ON po.id = l.purchase_order_id
              WHERE po.state = 'purchase' AND l.qty_received < l.quantity AND (po.supplier_id, l.product_id) IN (VALUES ",
        );
        let pairs = vec!["(?, ?)"; proposals.len()].join(", ");
        sql.push(&pairs, proposals.iter().flat_map(|p| [Arg::from(p.supplier_id), Arg::from(p.product_id)]));
        sql.push(") ORDER BY l.requested_date", []);
        self.db.exec().fetch_all(sql).await.map_err(internal)
    }
}

#[async_trait::async_trait]
impl LeadTimePort for LeadTimeService {
    async fn catalog(&self, actor: &Actor) -> Result<Vec<LeadTimeItem>, AppError> {
        let own = require_supplier(actor)?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            product_code: Option<String>,
            product_name: String,
            supplier_code: Option<String>,
            lead_time_days: i64,
        }
        let rows: Vec<Row> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT sp.id, p.default_code AS product_code, p.name AS product_name, sp.supplier_code, sp.lead_time_days
                       FROM supplier_product sp JOIN product p ON p.id = sp.product_id
                      WHERE sp.supplier_id = $1 ORDER BY p.default_code, p.name",
                )
                .bind(own),
            )
            .await
            .map_err(internal)?;
        let proposals = self.proposals(" WHERE sp.supplier_id = ?", vec![Arg::from(own)]).await?;
        Ok(rows
            .into_iter()
            .map(|r| LeadTimeItem {
                latest: proposals.iter().rev().find(|p| p.supplier_product_id == r.id).cloned(),
                supplier_product_id: r.id,
                product_code: r.product_code,
                product_name: r.product_name,
                supplier_code: r.supplier_code,
                lead_time_days: r.lead_time_days,
            })
            .collect())
    }

    async fn propose(&self, actor: &Actor, input: LeadTimeInput) -> Result<(), AppError> {
        let own = require_supplier(actor)?;
        #[derive(sqlx::FromRow)]
        struct Current {
            lead_time_days: i64,
            pending: i64,
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        let current: Current = tx
            .fetch_optional(
                Sql::new(
                    "SELECT sp.lead_time_days,
                            (SELECT COUNT(*) FROM leadtime_proposal lp WHERE lp.supplier_product_id = sp.id AND lp.status = 'pending') AS pending
                       FROM supplier_product sp WHERE sp.id = $1 AND sp.supplier_id = $2",
                )
                .bind(input.supplier_product_id)
                .bind(own),
            )
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        if current.pending > 0 {
            return Err(AppError::invalid("days", "A proposal for this product is already waiting for the buyer."));
        }
        let valid = validate(&input, current.lead_time_days, Utc::now().date_naive())?;
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        let created: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO leadtime_proposal (supplier_product_id, current_days, proposed_days, effective_date, reason, status,
                       proposed_by, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id",
                )
                .bind(input.supplier_product_id)
                .bind(current.lead_time_days)
                .bind(valid.days)
                .bind(valid.effective_date)
                .bind(valid.reason.as_str())
                .bind(actor.user_id)
                .bind(Utc::now()),
            )
            .await
            .map_err(internal)?;
        let payload = serde_json::json!({
            "proposal_id": created.id, "supplier_product_id": input.supplier_product_id,
            "current_days": current.lead_time_days, "proposed_days": valid.days, "effective_date": valid.effective_date,
        });
        let event = NewEvent {
            event_type: "leadtime.proposed",
            aggregate: ("supplier_product", input.supplier_product_id),
            supplier_id: Some(own),
            payload: payload.clone(),
            destinations: &[],
        };
        event::emit(&mut tx, event).await.map_err(internal)?;
        let entry = AuditEntry::by(actor, "leadtime.proposed", ("leadtime_proposal", created.id), own, payload);
        audit::record(&mut tx, entry).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn pending(&self, actor: &Actor) -> Result<Vec<LeadTimeProposalView>, AppError> {
        require_buyer(actor)?;
        self.proposals(" WHERE lp.status = 'pending'", vec![]).await
    }

    async fn decide(&self, actor: &Actor, input: DecisionInput) -> Result<(), AppError> {
        require_buyer(actor)?;
        let decision = parse_decision(&input)?;
        let mut rows = self.proposals(" WHERE lp.id = ?", vec![Arg::from(input.proposal_id)]).await?;
        let proposal = rows.pop().ok_or(AppError::NotFound)?;
        if proposal.status != "pending" {
            return Err(AppError::invalid("decision", format!("This proposal was already {}.", proposal.status)));
        }
        let (status, comment) = match &decision {
            Decision::Accept { comment } => ("approved", comment.clone()),
            Decision::Reject { comment } => ("rejected", Some(comment.clone())),
        };
        let mut tx = self.db.begin().await.map_err(internal)?;
        let recorded = record_decision(&mut tx, Decided::LeadTimeProposal, proposal.id, status, actor, comment.clone())
            .await
            .map_err(internal)?;
        if !recorded {
            return Err(AppError::invalid("decision", "Someone decided this proposal a moment ago. Reload the page."));
        }
        #[derive(sqlx::FromRow)]
        struct Owner {
            supplier_id: i64,
        }
        let owner: Owner = tx
            .fetch_one(
                Sql::new("SELECT supplier_id FROM supplier_product WHERE id = $1").bind(proposal.supplier_product_id),
            )
            .await
            .map_err(internal)?;
        if status == "approved" {
            tx.execute(
                Sql::new("UPDATE supplier_product SET lead_time_days = $1 WHERE id = $2")
                    .bind(proposal.proposed_days)
                    .bind(proposal.supplier_product_id),
            )
            .await
            .map_err(internal)?;
        }
        let payload = serde_json::json!({
            "proposal_id": proposal.id, "supplier_product_id": proposal.supplier_product_id, "decision": status,
            "delay": proposal.proposed_days, "effective_date": proposal.effective_date, "comment": comment,
        });
        let event = NewEvent {
            event_type: "leadtime.decided",
            aggregate: ("supplier_product", proposal.supplier_product_id),
            supplier_id: Some(owner.supplier_id),
            payload: payload.clone(),
            // Approved: product.supplierinfo.delay is written in Odoo.
            destinations: if status == "approved" { &["odoo"] } else { &[] },
        };
        event::emit(&mut tx, event).await.map_err(internal)?;
        let entry =
            AuditEntry::by(actor, "leadtime.decided", ("leadtime_proposal", proposal.id), owner.supplier_id, payload);
        audit::record(&mut tx, entry).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn input(days: &str, date: &str, reason: &str) -> LeadTimeInput {
        LeadTimeInput {
            supplier_product_id: 1,
            days: days.into(),
            effective_date: date.into(),
            reason: Some(reason.into()),
        }
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Fields(e) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_proposal_changes_the_days_from_a_future_date_with_a_reason() {
        let v = validate(&input("35", "2027-01-01", "Foundry capacity"), 28, today()).unwrap();
        assert_eq!(
            v,
            ValidLeadTime {
                days: 35,
                effective_date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                reason: "Foundry capacity".into()
            }
        );
    }

    #[test]
    fn every_mistake_is_named() {
        assert_eq!(fields(validate(&input("28", "2027-01-01", "x"), 28, today()).unwrap_err()), ["days"]);
        assert_eq!(fields(validate(&input("400", "2027-01-01", "x"), 28, today()).unwrap_err()), ["days"]);
        assert_eq!(
            fields(validate(&input("4.5", "2026-11-01", " "), 28, today()).unwrap_err()),
            ["days", "effective_date", "reason"]
        );
    }

    #[test]
    fn lines_are_late_when_the_new_lead_time_overshoots_their_date() {
        let at = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(9, 0, 0).unwrap().and_utc();
        let line = |no, ordered, requested| OpenLine {
            supplier_id: 1,
            product_id: 1,
            po_id: 1,
            po_number: "P1".into(),
            line_no: no,
            order_date: ordered,
            requested_date: requested,
        };
        let lines = [line(1, at(11, 1), at(12, 10)), line(2, at(11, 1), at(12, 31))];
        // From 2026-12-01, 20 days: earliest 2026-12-21 — line 1 (wanted 12-10) is late, line 2 is not.
        let late = late_lines(&lines, 20, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(late.iter().map(|l| l.line_no).collect::<Vec<_>>(), [1]);
        assert_eq!(late[0].earliest_delivery, NaiveDate::from_ymd_opt(2026, 12, 21).unwrap());
        // A shorter lead time makes nothing late.
        assert!(late_lines(&lines, 5, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).is_empty());
    }
}
