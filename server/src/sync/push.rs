//! Recipes that carry one canonical event to Odoo (ODOO.md §7), under the supplier's own key.
//!
//! Every recipe is idempotent, because a push whose response was lost is pushed again: writes set
//! values (writing them twice changes nothing), and the chatter note carries the event's id, which is
//! looked up before posting, so a retried note is not posted twice.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::connection::{BindingError, Clients};
use super::outbox::Claimed;
use crate::db::{DbError, Executor, Sql};
use crate::odoo::{OdooClient, OdooError};

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Odoo(#[from] OdooError),
    #[error(transparent)]
    Binding(#[from] BindingError),
    #[error("{0}")]
    NotLinked(String),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("the event payload is not readable: {0}")]
    Payload(String),
}

impl PushError {
    pub fn is_retryable(&self) -> bool {
        match self {
            PushError::Odoo(e) => e.is_retryable(),
            PushError::Binding(e) => e.is_retryable(),
            PushError::Db(_) => true,
            PushError::NotLinked(_) | PushError::Payload(_) => false,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PushError::Odoo(e) => e.kind.label(),
            PushError::Binding(BindingError::Odoo(e)) => e.kind.label(),
            PushError::Binding(_) => "not_bound",
            PushError::NotLinked(_) => "not_linked",
            PushError::Db(_) => "database",
            PushError::Payload(_) => "payload",
        }
    }

    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            PushError::Odoo(e) | PushError::Binding(BindingError::Odoo(e)) => e.kind.retry_after(),
            _ => None,
        }
    }
}

/// What a push did, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Applied {
        model: &'static str,
        odoo_id: i64,
    },
    /// Nothing to send (e.g. an acknowledgement of a revision Odoo has since replaced).
    Skipped(&'static str),
}

#[derive(Debug, sqlx::FromRow)]
struct PoRow {
    number: String,
    revision: i64,
    odoo_id: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct LineRow {
    line_no: i64,
    odoo_id: Option<i64>,
    quantity: f64,
    requested_date: DateTime<Utc>,
    description: String,
}

pub async fn push(clients: &Clients, row: &Claimed) -> Result<Pushed, PushError> {
    let payload: Value = serde_json::from_str(&row.payload).map_err(|e| PushError::Payload(e.to_string()))?;
    let supplier_id = row.supplier_id.ok_or_else(|| PushError::NotLinked("the event names no supplier".into()))?;
    let client = clients.for_supplier(supplier_id).await?;
    let outcome = match row.event_type.as_str() {
        "po.acknowledged" => acknowledge(clients, &client, row, &payload).await,
        "po.change_proposed" => change_proposed(clients, &client, row, &payload).await,
        "po.change_decided" => change_decided(clients, &client, row, &payload).await,
        "leadtime.decided" => lead_time_decided(clients, &client, row, &payload).await,
        other => Err(PushError::NotLinked(format!("no Odoo recipe for {other} events"))),
    };
    if let Err(PushError::Odoo(error)) = &outcome {
        clients.forget_if_refused(supplier_id, error).await;
    }
    outcome
}

async fn purchase_order(clients: &Clients, po_id: i64) -> Result<(PoRow, i64), PushError> {
    let po: Option<PoRow> = clients
        .db()
        .exec()
        .fetch_optional(Sql::new("SELECT number, revision, odoo_id FROM purchase_order WHERE id = $1").bind(po_id))
        .await?;
    let po = po.ok_or_else(|| PushError::NotLinked(format!("purchase order {po_id} no longer exists")))?;
    let odoo_id = po.odoo_id.ok_or_else(|| PushError::NotLinked(format!("{} has no Odoo record", po.number)))?;
    Ok((po, odoo_id))
}

async fn line(clients: &Clients, line_id: i64) -> Result<LineRow, PushError> {
    let line: Option<LineRow> = clients
        .db()
        .exec()
        .fetch_optional(
            Sql::new(
                "SELECT line_no, odoo_id, quantity, requested_date, description FROM purchase_order_line WHERE id = $1",
            )
            .bind(line_id),
        )
        .await?;
    line.ok_or_else(|| PushError::NotLinked(format!("PO line {line_id} no longer exists")))
}

fn int(payload: &Value, key: &str) -> Result<i64, PushError> {
    payload.get(key).and_then(Value::as_i64).ok_or_else(|| PushError::Payload(format!("{key} is missing")))
}

fn text<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Odoo's datetime format over RPC: UTC, no zone, whole seconds.
pub fn odoo_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The vendor acknowledged: the version's flag (`action_acknowledge` on 19, the reception flag on
/// 17/18), their order reference, and a note with every line's answer.
async fn acknowledge(
    clients: &Clients,
    odoo: &OdooClient,
    row: &Claimed,
    payload: &Value,
) -> Result<Pushed, PushError> {
    let (po, odoo_id) = purchase_order(clients, row.aggregate_id).await?;
    // An acknowledgement of a revision Odoo has since replaced is void: the supplier confirms again.
    if int(payload, "revision")? < po.revision {
        return Ok(Pushed::Skipped("acknowledgement of a superseded revision"));
    }
    let decision = text(payload, "decision").unwrap_or("accept");
    if decision != "reject" {
        if odoo.version().major >= 19 {
            odoo.call("purchase.order", "action_acknowledge", Some(&[odoo_id]), Default::default()).await?;
        } else {
            let flag = odoo.version().fields().acknowledged;
            odoo.write("purchase.order", &[odoo_id], json!({ flag: true })).await?;
        }
    }
    if let Some(reference) = text(payload, "supplier_reference") {
        odoo.write("purchase.order", &[odoo_id], json!({ "partner_ref": reference })).await?;
    }
    let mut body = match decision {
        "accept" => format!("Supplier accepted {} as ordered.", po.number),
        "reject" => {
            format!("Supplier rejected {}: {}", po.number, text(payload, "reason").unwrap_or("no reason given"))
        }
        _ => format!("Supplier answered {} line by line:", po.number),
    };
    if decision == "per_line" {
        for answer in payload.get("lines").and_then(Value::as_array).into_iter().flatten() {
            let line = line(clients, int(answer, "line_id")?).await?;
            let verdict = match text(answer, "decision") {
                Some("accept") => "accepted".to_string(),
                Some("reject") => format!("rejected ({})", text(answer, "reason").unwrap_or("no reason given")),
                _ => "change proposed, awaiting the buyer's decision".to_string(),
            };
            body.push_str(&format!("\n- line {} {}: {verdict}", line.line_no, line.description));
        }
    }
    post_note_once(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order", odoo_id })
}

/// A supplier's proposal is the buyer's to decide: Odoo gets a note, not a change.
async fn change_proposed(
    clients: &Clients,
    odoo: &OdooClient,
    row: &Claimed,
    payload: &Value,
) -> Result<Pushed, PushError> {
    let (po, odoo_id) = purchase_order(clients, row.aggregate_id).await?;
    let line = line(clients, int(payload, "line_id")?).await?;
    let proposal = payload.get("proposal").cloned().unwrap_or(Value::Null);
    let body = format!(
        "Supplier proposes a change to {} line {} {}: {}. Decide it in Supplyline.",
        po.number,
        line.line_no,
        line.description,
        describe_proposal(&proposal)
    );
    post_note_once(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order", odoo_id })
}

fn describe_proposal(proposal: &Value) -> String {
    match proposal.get("kind").and_then(Value::as_str) {
        Some("quantity") => format!("quantity {}", proposal.get("quantity").unwrap_or(&Value::Null)),
        Some("date") => format!("date {}", proposal.get("date").and_then(Value::as_str).unwrap_or("?")),
        Some("split") => {
            let parts: Vec<String> = proposal
                .get("deliveries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| {
                    format!(
                        "{} on {}",
                        d.get("quantity").unwrap_or(&Value::Null),
                        d.get("date").and_then(Value::as_str).unwrap_or("?")
                    )
                })
                .collect();
            format!("split into {}", parts.join(", "))
        }
        _ => "a change".into(),
    }
}

/// The buyer accepted a change: the Odoo line takes the line's canonical quantity and date (state,
/// not a delta, so a retry is harmless). A split's further deliveries are new lines in the portal;
/// the least-privilege bot may not create PO lines (ODOO.md §11), so the note asks the buyer to.
async fn change_decided(
    clients: &Clients,
    odoo: &OdooClient,
    row: &Claimed,
    payload: &Value,
) -> Result<Pushed, PushError> {
    let (po, odoo_id) = purchase_order(clients, row.aggregate_id).await?;
    let line = line(clients, int(payload, "line_id")?).await?;
    let line_odoo_id = line
        .odoo_id
        .ok_or_else(|| PushError::NotLinked(format!("{} line {} has no Odoo record", po.number, line.line_no)))?;
    odoo.write(
        "purchase.order.line",
        &[line_odoo_id],
        json!({ "product_qty": line.quantity, "date_planned": odoo_datetime(line.requested_date) }),
    )
    .await?;
    let kind = text(payload, "kind").unwrap_or("change");
    let mut body = format!(
        "Buyer accepted the supplier's {kind} proposal for {} line {} {}: now {} on {}.",
        po.number,
        line.line_no,
        line.description,
        line.quantity,
        line.requested_date.format("%Y-%m-%d")
    );
    if kind == "split" {
        let further: Vec<String> = payload
            .get("deliveries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .skip(1)
            .map(|d| {
                format!(
                    "{} on {}",
                    d.get("quantity").unwrap_or(&Value::Null),
                    d.get("date").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect();
        if !further.is_empty() {
            body.push_str(&format!(" Further deliveries to add as lines: {}.", further.join(", ")));
        }
    }
    post_note_once(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order.line", odoo_id: line_odoo_id })
}

/// An approved lead time becomes `product.supplierinfo.delay` (ODOO.md §6.3, a plain write).
async fn lead_time_decided(
    clients: &Clients,
    odoo: &OdooClient,
    row: &Claimed,
    payload: &Value,
) -> Result<Pushed, PushError> {
    #[derive(sqlx::FromRow)]
    struct SupplierProduct {
        odoo_id: Option<i64>,
        lead_time_days: i64,
        supplier_code: Option<String>,
    }
    let found: Option<SupplierProduct> = clients
        .db()
        .exec()
        .fetch_optional(
            Sql::new("SELECT odoo_id, lead_time_days, supplier_code FROM supplier_product WHERE id = $1")
                .bind(row.aggregate_id),
        )
        .await?;
    let product = found.ok_or_else(|| PushError::NotLinked("the supplier product no longer exists".into()))?;
    let info_id = product.odoo_id.ok_or_else(|| {
        PushError::NotLinked(format!(
            "supplier product {} has no Odoo vendor pricelist line (product.supplierinfo)",
            product.supplier_code.as_deref().unwrap_or("?")
        ))
    })?;
    let delay = payload.get("delay").and_then(Value::as_i64).unwrap_or(product.lead_time_days);
    odoo.write("product.supplierinfo", &[info_id], json!({ "delay": delay })).await?;
    Ok(Pushed::Applied { model: "product.supplierinfo", odoo_id: info_id })
}

/// Posts a chatter note unless one carrying this event's id is already there (a retry after a lost
/// response). The id sits in the note's last line, where a buyer can also look it up.
async fn post_note_once(odoo: &OdooClient, po_odoo_id: i64, event_uid: &str, body: &str) -> Result<(), PushError> {
    let domain = json!([["model", "=", "purchase.order"], ["res_id", "=", po_odoo_id], ["body", "ilike", event_uid]]);
    let existing = odoo.search_read("mail.message", domain, &["id"], None, Some(1)).await?;
    if !existing.is_empty() {
        return Ok(());
    }
    let html = format!("<p>{}</p><p>Supplyline {event_uid}</p>", html_escape(body).replace('\n', "<br/>"));
    let mut kwargs = serde_json::Map::new();
    kwargs.insert("body".into(), json!(html));
    kwargs.insert("message_type".into(), json!("comment"));
    kwargs.insert("subtype_xmlid".into(), json!("mail.mt_note"));
    odoo.call("purchase.order", "message_post", Some(&[po_odoo_id]), kwargs).await?;
    Ok(())
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
