//! Acknowledging a PO: the supplier accepts or rejects it whole, or decides each line (accept,
//! reject, propose another quantity or date, split into several deliveries). Accepted lines are
//! confirmed at once; proposals wait for the buyer. Everything is checked before anything is
//! written, and the acknowledgement, its proposals, events and outbox rows commit together.

use chrono::{DateTime, NaiveDate, Utc};

use app::error::FieldError;
use app::model::{AckInput, LineAckInput};
use app::ports::Actor;
use app::AppError;

use crate::db::{Db, Executor, Sql};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::event::{self, NewEvent};
use crate::domain::{internal, require_supplier};

pub const MAX_REASON_CHARS: usize = 1000;
pub const MAX_REFERENCE_CHARS: usize = 64;

/// The facts about a PO line that the rules need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineFacts {
    pub id: i64,
    pub line_no: i64,
    pub quantity: f64,
    pub requested_date: DateTime<Utc>,
    pub ack_state: String,
}

impl LineFacts {
    /// Lines still waiting for the supplier's word (new, or changed by the buyer since).
    fn awaits_decision(&self) -> bool {
        matches!(self.ack_state.as_str(), "pending" | "reconfirm")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LineDecision {
    Accept,
    Reject { reason: String },
    Quantity { quantity: f64, reason: Option<String> },
    Date { date: NaiveDate, reason: Option<String> },
    Split { deliveries: Vec<(f64, NaiveDate)>, reason: Option<String> },
}

/// What a proposal stores: its kind, the proposed value, and the deliveries of a split.
struct ProposalParts<'a> {
    kind: &'static str,
    quantity: Option<f64>,
    date: Option<NaiveDate>,
    reason: &'a Option<String>,
    deliveries: &'a [(f64, NaiveDate)],
}

impl LineDecision {
    /// The proposal this decision makes, if it is one (accepting and rejecting are not).
    fn proposal(&self) -> Option<ProposalParts<'_>> {
        let parts =
            |kind, quantity, date, reason, deliveries| ProposalParts { kind, quantity, date, reason, deliveries };
        match self {
            LineDecision::Accept | LineDecision::Reject { .. } => None,
            LineDecision::Quantity { quantity, reason } => Some(parts("quantity", Some(*quantity), None, reason, &[])),
            LineDecision::Date { date, reason } => Some(parts("date", None, Some(*date), reason, &[])),
            LineDecision::Split { deliveries, reason } => Some(parts("split", None, None, reason, deliveries)),
        }
    }

    fn line_state(&self) -> &'static str {
        match self {
            LineDecision::Accept => "accepted",
            LineDecision::Reject { .. } => "rejected",
            _ => "change_proposed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidAck {
    pub decision: &'static str,
    pub reason: Option<String>,
    pub supplier_reference: Option<String>,
    pub lines: Vec<(i64, LineDecision)>,
    pub po_ack_state: &'static str,
}

fn field(name: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { field: name.into(), message: message.into() }
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn reason(raw: &Option<String>, name: &str, required: bool, errors: &mut Vec<FieldError>) -> Option<String> {
    let text = trimmed(raw);
    match &text {
        None if required => errors.push(field(name, "Give a reason, so the buyer knows what to do next.")),
        Some(t) if t.chars().count() > MAX_REASON_CHARS => {
            errors.push(field(name, format!("Keep the reason under {MAX_REASON_CHARS} characters.")))
        }
        _ => {}
    }
    text
}

/// A positive quantity as typed: `12`, `12.5`, or with a decimal comma `12,5`. Thousands
/// separators are refused rather than guessed: `1,234` could be either reading.
pub fn parse_quantity(raw: &str) -> Result<f64, String> {
    let raw = raw.trim();
    if raw.contains(',')
        && (raw.contains('.') || raw.matches(',').count() > 1 || raw.rsplit(',').next().is_some_and(|d| d.len() == 3))
    {
        return Err(format!("{raw:?} is ambiguous: write the quantity without thousands separators, e.g. 1234.5."));
    }
    let normal = raw.replace(',', ".");
    match normal.parse::<f64>() {
        Ok(q) if q.is_finite() && q > 0.0 && q < 1e12 => Ok(q),
        Ok(_) => Err(format!("{raw:?} is not a quantity above zero.")),
        Err(_) => Err(format!("{raw:?} is not a number.")),
    }
}

/// A delivery date as `YYYY-MM-DD`, not in the past.
pub fn parse_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    let date =
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD)."))?;
    if date < today {
        return Err(format!("{date} is in the past."));
    }
    Ok(date)
}

/// Deliveries of a split: `qty @ date`, one per line or separated by `;`. They must add up to
/// the ordered quantity.
pub fn parse_split(raw: &str, ordered: f64, today: NaiveDate) -> Result<Vec<(f64, NaiveDate)>, String> {
    let mut deliveries = Vec::new();
    for part in raw.split(['\n', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let (qty, date) = part
            .split_once('@')
            .ok_or_else(|| format!("Write each delivery as \"quantity @ date\"; {part:?} is not."))?;
        deliveries.push((parse_quantity(qty)?, parse_date(date, today)?));
    }
    if deliveries.len() < 2 {
        return Err("A split needs at least two deliveries.".into());
    }
    let total: f64 = deliveries.iter().map(|(q, _)| q).sum();
    if (total - ordered).abs() > 1e-6 * ordered.max(1.0) {
        return Err(format!(
            "The deliveries add up to {}, but {} were ordered.",
            app::format::quantity(total),
            app::format::quantity(ordered)
        ));
    }
    Ok(deliveries)
}

fn line_decision(
    input: &LineAckInput,
    line: &LineFacts,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<LineDecision> {
    let key = |what: &str| format!("line-{}-{what}", line.id);
    let before = errors.len();
    let decision = match input.action.as_str() {
        "accept" => Some(LineDecision::Accept),
        "reject" => reason(&input.reason, &key("reason"), true, errors).map(|reason| LineDecision::Reject { reason }),
        "quantity" => {
            let why = reason(&input.reason, &key("reason"), false, errors);
            match parse_quantity(input.quantity.as_deref().unwrap_or_default()) {
                Ok(q) if (q - line.quantity).abs() < 1e-9 => {
                    errors.push(field(key("quantity"), "That is the ordered quantity: accept the line instead."));
                    None
                }
                Ok(quantity) => Some(LineDecision::Quantity { quantity, reason: why }),
                Err(e) => {
                    errors.push(field(key("quantity"), e));
                    None
                }
            }
        }
        "date" => {
            let why = reason(&input.reason, &key("reason"), false, errors);
            match parse_date(input.date.as_deref().unwrap_or_default(), today) {
                Ok(d) if d == line.requested_date.date_naive() => {
                    errors.push(field(key("date"), "That is the requested date: accept the line instead."));
                    None
                }
                Ok(date) => Some(LineDecision::Date { date, reason: why }),
                Err(e) => {
                    errors.push(field(key("date"), e));
                    None
                }
            }
        }
        "split" => {
            let why = reason(&input.reason, &key("reason"), false, errors);
            match parse_split(input.split.as_deref().unwrap_or_default(), line.quantity, today) {
                Ok(deliveries) => Some(LineDecision::Split { deliveries, reason: why }),
                Err(e) => {
                    errors.push(field(key("split"), e));
                    None
                }
            }
        }
        "" => {
            errors.push(field(key("action"), format!("Decide line {}.", line.line_no)));
            None
        }
        other => {
            errors.push(field(key("action"), format!("Unknown decision {other:?} for line {}.", line.line_no)));
            None
        }
    };
    (errors.len() == before).then_some(decision).flatten()
}

/// The PO's acknowledgement state once these decisions stand beside the lines decided earlier.
fn po_state(decisions: &[(i64, LineDecision)], lines: &[LineFacts]) -> &'static str {
    fn state_of<'a>(decisions: &[(i64, LineDecision)], line: &'a LineFacts) -> &'a str {
        decisions.iter().find(|(id, _)| *id == line.id).map(|(_, d)| d.line_state()).unwrap_or(line.ack_state.as_str())
    }
    let states: Vec<&str> = lines.iter().map(|l| state_of(decisions, l)).collect();
    po_ack_state(&states)
}

/// A PO's acknowledgement state from its lines' states: proposals first, then what still waits for
/// the supplier, then the answers.
pub fn po_ack_state(line_states: &[&str]) -> &'static str {
    if line_states.contains(&"change_proposed") {
        "changes_proposed"
    } else if line_states.contains(&"reconfirm") {
        "reconfirm"
    } else if line_states.contains(&"pending") {
        "pending"
    } else if line_states.iter().all(|s| *s == "accepted") {
        "accepted"
    } else if line_states.iter().all(|s| *s == "rejected") {
        "rejected"
    } else {
        "partially_accepted"
    }
}

/// Checks an acknowledgement against the PO as it stands. Pure: every rule is tested without a database.
pub fn validate(input: &AckInput, lines: &[LineFacts], today: NaiveDate) -> Result<ValidAck, AppError> {
    let mut errors = Vec::new();
    let supplier_reference = trimmed(&input.supplier_reference);
    if supplier_reference.as_ref().is_some_and(|r| r.chars().count() > MAX_REFERENCE_CHARS) {
        errors
            .push(field("supplier_reference", format!("Keep your reference under {MAX_REFERENCE_CHARS} characters.")));
    }
    let open: Vec<&LineFacts> = lines.iter().filter(|l| l.awaits_decision()).collect();
    let (decision, reason, decisions) = match input.decision.as_str() {
        "accept_all" => ("accept", None, open.iter().map(|l| (l.id, LineDecision::Accept)).collect()),
        "reject_all" => {
            let why = reason(&input.reason, "reason", true, &mut errors);
            let all =
                open.iter().map(|l| (l.id, LineDecision::Reject { reason: why.clone().unwrap_or_default() })).collect();
            ("reject", why, all)
        }
        "per_line" => {
            for given in &input.lines {
                match lines.iter().find(|l| l.id == given.line_id) {
                    None => {
                        errors.push(field("lines", format!("Line {} is not on this purchase order.", given.line_id)))
                    }
                    Some(l) if !l.awaits_decision() => errors.push(field(
                        format!("line-{}-action", l.id),
                        format!("Line {} is already acknowledged.", l.line_no),
                    )),
                    _ => {}
                }
            }
            let mut decisions = Vec::new();
            for line in &open {
                match input.lines.iter().find(|g| g.line_id == line.id) {
                    Some(given) => {
                        if let Some(d) = line_decision(given, line, today, &mut errors) {
                            decisions.push((line.id, d));
                        }
                    }
                    None => {
                        errors.push(field(format!("line-{}-action", line.id), format!("Decide line {}.", line.line_no)))
                    }
                }
            }
            ("per_line", None, decisions)
        }
        other => {
            errors.push(field("decision", format!("Unknown decision {other:?}: accept, reject, or decide per line.")));
            ("", None, Vec::new())
        }
    };
    if open.is_empty() && errors.is_empty() {
        errors.push(field("decision", "Every line is already acknowledged."));
    }
    if !errors.is_empty() {
        return Err(AppError::Fields(errors));
    }
    let po_ack_state = po_state(&decisions, lines);
    Ok(ValidAck { decision, reason, supplier_reference, lines: decisions, po_ack_state })
}

#[derive(sqlx::FromRow)]
struct PoFacts {
    supplier_id: i64,
    number: String,
    state: String,
    ack_state: String,
    revision: i64,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

pub struct AcknowledgementService {
    pub db: Db,
}

#[async_trait::async_trait]
impl app::ports::AcknowledgementPort for AcknowledgementService {
    async fn acknowledge(&self, actor: &Actor, input: AckInput) -> Result<(), AppError> {
        self.acknowledge_po(actor, input).await
    }
}

impl AcknowledgementService {
    pub async fn acknowledge_po(&self, actor: &Actor, input: AckInput) -> Result<(), AppError> {
        // Only the PO's own supplier acknowledges; for anyone else the PO does not exist.
        let own = require_supplier(actor)?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let po: PoFacts = tx
            .fetch_optional(
                Sql::new(
                    "SELECT supplier_id, number, state, ack_state, revision FROM purchase_order WHERE id = $1 AND supplier_id = $2",
                )
                .bind(input.po_id)
                .bind(own),
            )
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        if po.state != "purchase" {
            return Err(AppError::invalid("decision", "Only confirmed purchase orders can be acknowledged."));
        }
        if po.revision != input.revision {
            return Err(AppError::invalid(
                "decision",
                "The buyer changed this order since you opened it. Review the changes and acknowledge again.",
            ));
        }
        if !matches!(po.ack_state.as_str(), "pending" | "reconfirm") {
            return Err(AppError::invalid("decision", "This order is already acknowledged."));
        }
        let lines: Vec<LineFacts> = tx
            .fetch_all(
                Sql::new(
                    "SELECT id, line_no, quantity, requested_date, ack_state FROM purchase_order_line
                      WHERE purchase_order_id = $1 ORDER BY line_no",
                )
                .bind(input.po_id),
            )
            .await
            .map_err(internal)?;
        let valid = validate(&input, &lines, Utc::now().date_naive())?;
        if !self.write(&mut tx, actor, &input, &po, &valid).await.map_err(internal)? {
            return Err(AppError::invalid(
                "decision",
                "This order changed while you were answering. Reload it and acknowledge again.",
            ));
        }
        tx.commit().await.map_err(internal)
    }

    async fn write(
        &self,
        tx: &mut crate::db::Tx,
        actor: &Actor,
        input: &AckInput,
        po: &PoFacts,
        valid: &ValidAck,
    ) -> crate::db::Result<bool> {
        let now = Utc::now();
        // Guarded update: a concurrent acknowledgement or revision makes this touch no row.
        let updated = tx
            .execute(
                Sql::new(
                    "UPDATE purchase_order SET ack_state = $1, supplier_reference = COALESCE($2, supplier_reference), updated_at = $3
                      WHERE id = $4 AND revision = $5 AND ack_state IN ('pending', 'reconfirm')",
                )
                .bind(valid.po_ack_state)
                .bind(valid.supplier_reference.clone())
                .bind(now)
                .bind(input.po_id)
                .bind(po.revision),
            )
            .await?;
        if updated != 1 {
            return Ok(false);
        }
        let ack: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, supplier_reference, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(input.po_id)
                .bind(po.revision)
                .bind(actor.user_id)
                .bind(valid.decision)
                .bind(valid.supplier_reference.clone())
                .bind(valid.reason.clone())
                .bind(now),
            )
            .await?;
        let mut payload_lines = Vec::new();
        for (line_id, decision) in &valid.lines {
            let (line_decision, line_reason) = match decision {
                LineDecision::Accept => ("accept", None),
                LineDecision::Reject { reason } => ("reject", Some(reason.clone())),
                LineDecision::Quantity { reason, .. }
                | LineDecision::Date { reason, .. }
                | LineDecision::Split { reason, .. } => ("propose", reason.clone()),
            };
            tx.execute(
                Sql::new(
                    "INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision, reason) VALUES ($1, $2, $3, $4)",
                )
                .bind(ack.id)
                .bind(*line_id)
                .bind(line_decision)
                .bind(line_reason.clone()),
            )
            .await?;
            tx.execute(
                Sql::new("UPDATE purchase_order_line SET ack_state = $1 WHERE id = $2 AND purchase_order_id = $3")
                    .bind(decision.line_state())
                    .bind(*line_id)
                    .bind(input.po_id),
            )
            .await?;
            if let Some(parts) = decision.proposal() {
                let proposal_id = insert_proposal(tx, actor, ack.id, *line_id, parts, now).await?;
                event::emit(
                    tx,
                    NewEvent {
                        event_type: "po.change_proposed",
                        aggregate: ("purchase_order", input.po_id),
                        supplier_id: Some(po.supplier_id),
                        payload: serde_json::json!({
                            "purchase_order_id": input.po_id, "number": po.number, "line_id": line_id,
                            "proposal_id": proposal_id, "proposal": proposal_json(decision),
                        }),
                        // The buyer's Odoo gets a chatter note; the line itself changes only on acceptance.
                        destinations: &["odoo"],
                    },
                )
                .await?;
            }
            payload_lines
                .push(serde_json::json!({ "line_id": line_id, "decision": line_decision, "reason": line_reason }));
        }
        event::emit(
            tx,
            NewEvent {
                event_type: "po.acknowledged",
                aggregate: ("purchase_order", input.po_id),
                supplier_id: Some(po.supplier_id),
                payload: serde_json::json!({
                    "purchase_order_id": input.po_id, "number": po.number, "revision": po.revision,
                    "acknowledgement_id": ack.id, "decision": valid.decision, "ack_state": valid.po_ack_state,
                    "supplier_reference": valid.supplier_reference, "reason": valid.reason, "lines": payload_lines,
                }),
                // Odoo learns of the acknowledgement (and the supplier's reference) through the outbox.
                destinations: &["odoo"],
            },
        )
        .await?;
        let detail = serde_json::json!({ "decision": valid.decision, "ack_state": valid.po_ack_state });
        audit::record(
            tx,
            AuditEntry::by(actor, "po.acknowledged", ("purchase_order", input.po_id), po.supplier_id, detail),
        )
        .await?;
        Ok(true)
    }
}

fn proposal_json(decision: &LineDecision) -> serde_json::Value {
    match decision {
        LineDecision::Quantity { quantity, .. } => serde_json::json!({ "kind": "quantity", "quantity": quantity }),
        LineDecision::Date { date, .. } => serde_json::json!({ "kind": "date", "date": date }),
        LineDecision::Split { deliveries, .. } => serde_json::json!({
            "kind": "split",
            "deliveries": deliveries.iter().map(|(q, d)| serde_json::json!({ "quantity": q, "date": d })).collect::<Vec<_>>(),
        }),
        _ => serde_json::Value::Null,
    }
}

async fn insert_proposal(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    ack_id: i64,
    line_id: i64,
    proposal: ProposalParts<'_>,
    now: DateTime<Utc>,
) -> crate::db::Result<i64> {
    let ProposalParts { kind, quantity, date, reason, deliveries } = proposal;
    let row: IdRow = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO change_proposal (purchase_order_line_id, acknowledgement_id, kind, proposed_quantity, proposed_date,
                   reason, status, proposed_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING id",
            )
            .bind(line_id)
            .bind(ack_id)
            .bind(kind)
            .bind(quantity)
            .bind(date)
            .bind(reason.clone())
            .bind(actor.user_id)
            .bind(now),
        )
        .await?;
    for (q, d) in deliveries {
        tx.execute(
            Sql::new("INSERT INTO change_proposal_delivery (change_proposal_id, quantity, delivery_date) VALUES ($1, $2, $3)")
                .bind(row.id)
                .bind(*q)
                .bind(*d),
        )
        .await?;
    }
    Ok(row.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn lines() -> Vec<LineFacts> {
        let at = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap().and_hms_opt(8, 0, 0).unwrap().and_utc();
        vec![
            LineFacts { id: 10, line_no: 1, quantity: 100.0, requested_date: at(15), ack_state: "pending".into() },
            LineFacts { id: 11, line_no: 2, quantity: 5.0, requested_date: at(20), ack_state: "pending".into() },
        ]
    }

    fn per_line(decisions: Vec<LineAckInput>) -> AckInput {
        AckInput { po_id: 1, revision: 1, decision: "per_line".into(), lines: decisions, ..Default::default() }
    }

    fn line(id: i64, action: &str) -> LineAckInput {
        LineAckInput { line_id: id, action: action.into(), ..Default::default() }
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Fields(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn accepting_everything_confirms_every_open_line() {
        let input =
            AckInput { decision: "accept_all".into(), supplier_reference: Some(" SO-77 ".into()), ..per_line(vec![]) };
        let v = validate(&input, &lines(), today()).unwrap();
        assert_eq!(v.po_ack_state, "accepted");
        assert_eq!(v.lines, vec![(10, LineDecision::Accept), (11, LineDecision::Accept)]);
        assert_eq!(v.supplier_reference.as_deref(), Some("SO-77"));
    }

    #[test]
    fn rejecting_the_order_needs_a_reason() {
        let input = AckInput { decision: "reject_all".into(), reason: Some("  ".into()), ..per_line(vec![]) };
        assert_eq!(fields(validate(&input, &lines(), today()).unwrap_err()), ["reason"]);
        let input = AckInput { reason: Some("Tooling broken".into()), ..input };
        assert_eq!(validate(&input, &lines(), today()).unwrap().po_ack_state, "rejected");
    }

    #[test]
    fn every_open_line_needs_a_decision_and_unknown_lines_are_refused() {
        let err = validate(&per_line(vec![line(10, "accept"), line(99, "accept")]), &lines(), today()).unwrap_err();
        assert_eq!(fields(err), ["lines", "line-11-action"]);
    }

    #[test]
    fn a_quantity_proposal_must_differ_and_be_a_positive_number() {
        let mut q = line(10, "quantity");
        for (typed, ok) in [
            ("100", false),
            ("0", false),
            ("abc", false),
            ("1,234", false),
            ("1.000,5", false),
            ("80", true),
            ("80,5", true),
        ] {
            q.quantity = Some(typed.into());
            let result = validate(&per_line(vec![q.clone(), line(11, "accept")]), &lines(), today());
            assert_eq!(result.is_ok(), ok, "{typed}");
        }
        let v = validate(&per_line(vec![q, line(11, "accept")]), &lines(), today()).unwrap();
        assert_eq!(v.lines[0].1, LineDecision::Quantity { quantity: 80.5, reason: None });
        assert_eq!(v.po_ack_state, "changes_proposed");
    }

    #[test]
    fn a_date_proposal_is_a_real_future_date_other_than_the_requested_one() {
        let mut d = line(10, "date");
        for (typed, field) in
            [("2026-11-30", "in the past"), ("2026-12-15", "requested date"), ("15/12/2026", "not a date")]
        {
            d.date = Some(typed.into());
            let err = validate(&per_line(vec![d.clone(), line(11, "accept")]), &lines(), today()).unwrap_err();
            assert!(err.field_message("line-10-date").unwrap().contains(field), "{typed}");
        }
        d.date = Some("2026-12-22".into());
        assert!(validate(&per_line(vec![d, line(11, "accept")]), &lines(), today()).is_ok());
    }

    #[test]
    fn split_deliveries_must_add_up_to_the_ordered_quantity() {
        assert_eq!(
            parse_split("40 @ 2026-12-10; 60 @ 2026-12-20", 100.0, today()).unwrap(),
            vec![
                (40.0, NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()),
                (60.0, NaiveDate::from_ymd_opt(2026, 12, 20).unwrap())
            ]
        );
        assert!(parse_split("40 @ 2026-12-10\n50 @ 2026-12-20", 100.0, today()).unwrap_err().contains("add up to 90"));
        assert!(parse_split("100 @ 2026-12-10", 100.0, today()).unwrap_err().contains("at least two"));
        assert!(parse_split("40 2026-12-10; 60 @ 2026-12-20", 100.0, today()).unwrap_err().contains("quantity @ date"));
    }

    #[test]
    fn a_rejected_line_needs_a_reason_and_mixed_answers_are_partial() {
        let err = validate(&per_line(vec![line(10, "accept"), line(11, "reject")]), &lines(), today()).unwrap_err();
        assert_eq!(fields(err), ["line-11-reason"]);
        let reject = LineAckInput { reason: Some("Discontinued".into()), ..line(11, "reject") };
        let v = validate(&per_line(vec![line(10, "accept"), reject]), &lines(), today()).unwrap();
        assert_eq!(v.po_ack_state, "partially_accepted");
    }

    #[test]
    fn after_a_revision_only_the_changed_lines_are_decided_again() {
        let mut revised = lines();
        revised[0].ack_state = "accepted".into();
        revised[1].ack_state = "reconfirm".into();
        let v = validate(&per_line(vec![line(11, "accept")]), &revised, today()).unwrap();
        assert_eq!((v.lines.len(), v.po_ack_state), (1, "accepted"));
        let err = validate(&per_line(vec![line(10, "reject"), line(11, "accept")]), &revised, today()).unwrap_err();
        assert!(err.field_message("line-10-action").unwrap().contains("already acknowledged"));
    }
}
