//! Recipes that carry one canonical event to Odoo (README "What the portal writes in Odoo"), under the supplier's own key.
//!
//! Every recipe is idempotent, because a push whose response was lost is pushed again: writes set
//! values (writing them twice changes nothing), and the chatter note carries the event's id, which is
//! looked up before posting, so a retried note is not posted twice.

use std::collections::BTreeMap;

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
        /// What did not go through beside the applied write (a chatter note Odoo refused).
        warning: Option<String>,
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
        "asn.submitted" => asn_submitted(clients, &client, row, "announced").await,
        "asn.amended" => asn_amended(clients, &client, row, &payload).await,
        "asn.cancelled" => asn_cancelled(clients, &client, row).await,
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
    let warning = annotate(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order", odoo_id, warning })
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
    // The note is all this push carries, so a refused note is the push's own failure.
    post_note_once(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order", odoo_id, warning: None })
}

/// A split's deliveries as "60 on 2026-12-10".
fn deliveries(value: &Value) -> Vec<String> {
    value
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
        .collect()
}

fn describe_proposal(proposal: &Value) -> String {
    match proposal.get("kind").and_then(Value::as_str) {
        Some("quantity") => format!("quantity {}", proposal.get("quantity").unwrap_or(&Value::Null)),
        Some("date") => format!("date {}", proposal.get("date").and_then(Value::as_str).unwrap_or("?")),
        Some("split") => format!("split into {}", deliveries(proposal).join(", ")),
        _ => "a change".into(),
    }
}

/// The buyer accepted a change: the Odoo line takes the line's canonical quantity and date (state,
/// not a delta, so a retry is harmless). A split's further deliveries are new lines in the portal;
/// the least-privilege bot may not create PO lines (the access rights `odoo provision` grants), so the note asks the buyer to.
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
        let all = deliveries(payload);
        let further = all.get(1..).unwrap_or_default();
        if !further.is_empty() {
            body.push_str(&format!(" Further deliveries to add as lines: {}.", further.join(", ")));
        }
    }
    let warning = annotate(odoo, odoo_id, &row.event_uid, &body).await?;
    Ok(Pushed::Applied { model: "purchase.order.line", odoo_id: line_odoo_id, warning })
}

/// An approved lead time becomes `product.supplierinfo.delay` (a plain write).
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
    Ok(Pushed::Applied { model: "product.supplierinfo", odoo_id: info_id, warning: None })
}

/// The chatter note beside a business write that Odoo has already applied: a note Odoo refuses for
/// good (say, a bot whose partner has no e-mail) becomes the push's warning, never a dead letter for
/// the write it annotates. A failure worth retrying retries the whole push, which is idempotent.
async fn annotate(
    odoo: &OdooClient,
    po_odoo_id: i64,
    event_uid: &str,
    body: &str,
) -> Result<Option<String>, PushError> {
    match post_note_once(odoo, po_odoo_id, event_uid, body).await {
        Ok(()) => Ok(None),
        Err(error) if !error.is_retryable() => {
            Ok(Some(format!("chatter note on purchase.order {po_odoo_id} not posted: {}: {error}", error.kind())))
        }
        Err(error) => Err(error),
    }
}

fn joined(warnings: Vec<String>) -> Option<String> {
    (!warnings.is_empty()).then(|| warnings.join("\n"))
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
    // Odoo 17+ escapes a plain string body sent over RPC unless told it is HTML (we escaped it above).
    kwargs.insert("body_is_html".into(), json!(true));
    odoo.call("purchase.order", "message_post", Some(&[po_odoo_id]), kwargs).await?;
    Ok(())
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Debug, sqlx::FromRow)]
struct AsnRow {
    number: String,
    status: String,
    carrier: Option<String>,
    tracking_ref: Option<String>,
    eta: Option<DateTime<Utc>>,
}

#[derive(Debug, sqlx::FromRow)]
struct AsnLineRow {
    asn_line_id: i64,
    /// The canonical PO line.
    line_id: i64,
    line_odoo_id: Option<i64>,
    po_odoo_id: Option<i64>,
    po_number: String,
    line_no: i64,
    quantity: f64,
}

#[derive(Debug, sqlx::FromRow)]
struct AsnLotRow {
    asn_line_id: i64,
    lot_name: String,
    quantity: f64,
}

/// The ASN, its lines (with their Odoo ids) and its lots.
async fn asn_contents(clients: &Clients, asn_id: i64) -> Result<(AsnRow, Vec<AsnLineRow>, Vec<AsnLotRow>), PushError> {
    let mut exec = clients.db().exec();
    let asn: Option<AsnRow> = exec
        .fetch_optional(
            Sql::new("SELECT number, status, carrier, tracking_ref, eta FROM asn WHERE id = $1").bind(asn_id),
        )
        .await?;
    let asn = asn.ok_or_else(|| PushError::NotLinked(format!("ASN {asn_id} no longer exists")))?;
    let lines: Vec<AsnLineRow> = exec
        .fetch_all(
            Sql::new(
                "SELECT al.id AS asn_line_id, l.id AS line_id, l.odoo_id AS line_odoo_id, po.odoo_id AS po_odoo_id, po.number AS po_number,
                        l.line_no, al.quantity
                 FROM asn_line al JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
                 JOIN purchase_order po ON po.id = l.purchase_order_id WHERE al.asn_id = $1 ORDER BY po.id, l.line_no",
            )
            .bind(asn_id),
        )
        .await?;
    let lots: Vec<AsnLotRow> = exec
        .fetch_all(
            Sql::new(
                "SELECT lot.asn_line_id, lot.lot_name, lot.quantity FROM asn_lot lot JOIN asn_line al ON al.id = lot.asn_line_id
                 WHERE al.asn_id = $1 ORDER BY lot.id",
            )
            .bind(asn_id),
        )
        .await?;
    Ok((asn, lines, lots))
}

/// One receipt move line as the ASN wants it: a lot (or none) and its quantity.
#[derive(Debug, Clone, PartialEq)]
struct WantedMoveLine {
    lot_name: Option<String>,
    quantity: f64,
}

/// The shipment announced: on each PO line's open receipt move, one move line per lot (or one for an
/// untracked product) with its quantity; the picking's `scheduled_date` becomes the ETA and the
/// tracking number goes to `carrier_tracking_ref` where stock_delivery provides it, else to the
/// chatter (`stock_delivery` adds the field). Lots are matched by name, so a retry creates no second lot line.
/// Receiving (`button_validate`) stays with the buyer's warehouse.
async fn asn_submitted(clients: &Clients, odoo: &OdooClient, row: &Claimed, verb: &str) -> Result<Pushed, PushError> {
    let (asn, lines, lots) = asn_contents(clients, row.aggregate_id).await?;
    if asn.status == "cancelled" {
        return Ok(Pushed::Skipped("the ASN was cancelled before it reached Odoo"));
    }
    let has_tracking_field = odoo.fields_get("stock.picking").await?.contains_key("carrier_tracking_ref");
    let mut pickings = Vec::new();
    let mut pos: Vec<(i64, &str)> = Vec::new();
    for line in &lines {
        let not_linked =
            || PushError::NotLinked(format!("{} line {} has no Odoo record", line.po_number, line.line_no));
        let line_odoo_id = line.line_odoo_id.ok_or_else(not_linked)?;
        let po_odoo_id = line.po_odoo_id.ok_or_else(not_linked)?;
        if !pos.iter().any(|(id, _)| *id == po_odoo_id) {
            pos.push((po_odoo_id, &line.po_number));
        }
        let wanted: Vec<WantedMoveLine> = {
            let mine: Vec<&AsnLotRow> = lots.iter().filter(|l| l.asn_line_id == line.asn_line_id).collect();
            if mine.is_empty() {
                vec![WantedMoveLine { lot_name: None, quantity: line.quantity }]
            } else {
                mine.iter()
                    .map(|l| WantedMoveLine { lot_name: Some(l.lot_name.clone()), quantity: l.quantity })
                    .collect()
            }
        };
        let picking = fill_receipt_move(odoo, line_odoo_id, &line.po_number, line.line_no, &wanted).await?;
        if !pickings.contains(&picking) {
            pickings.push(picking);
        }
    }
    let mut picking_vals = serde_json::Map::new();
    if let Some(eta) = asn.eta {
        picking_vals.insert("scheduled_date".into(), json!(odoo_datetime(eta)));
    }
    if let (true, Some(tracking)) = (has_tracking_field, asn.tracking_ref.as_deref()) {
        picking_vals.insert("carrier_tracking_ref".into(), json!(tracking));
    }
    if !picking_vals.is_empty() && !pickings.is_empty() {
        odoo.write("stock.picking", &pickings, Value::Object(picking_vals)).await?;
    }
    let shipped: Vec<String> =
        lines.iter().map(|l| format!("{} line {}: {}", l.po_number, l.line_no, l.quantity)).collect();
    let mut body = format!(
        "Supplier {verb} shipment {}: {}. Carrier {}, tracking {}, ETA {}.",
        asn.number,
        shipped.join("; "),
        asn.carrier.as_deref().unwrap_or("—"),
        asn.tracking_ref.as_deref().unwrap_or("—"),
        asn.eta.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into())
    );
    if !has_tracking_field && asn.tracking_ref.is_some() {
        body.push_str(" (This Odoo has no carrier tracking field on receipts: the number is kept here.)");
    }
    let mut warnings = Vec::new();
    for (po_odoo_id, _) in &pos {
        warnings.extend(annotate(odoo, *po_odoo_id, &row.event_uid, &body).await?);
    }
    Ok(Pushed::Applied {
        model: "stock.picking",
        odoo_id: pickings.first().copied().unwrap_or_default(),
        warning: joined(warnings),
    })
}

/// Makes the open receipt move of one PO line carry exactly the wanted move lines; returns its picking.
async fn fill_receipt_move(
    odoo: &OdooClient,
    line_odoo_id: i64,
    po_number: &str,
    line_no: i64,
    wanted: &[WantedMoveLine],
) -> Result<i64, PushError> {
    let moves = odoo
        .search_read(
            "stock.move",
            json!([["purchase_line_id", "=", line_odoo_id], ["state", "not in", ["done", "cancel"]]]),
            &["picking_id", "product_id"],
            Some("id asc"),
            Some(1),
        )
        .await?;
    let mv = moves.first().ok_or_else(|| {
        PushError::NotLinked(format!(
            "{po_number} line {line_no} has no open receipt in Odoo (not confirmed, or received)"
        ))
    })?;
    let move_id = mv.get("id").and_then(Value::as_i64).unwrap_or_default();
    let picking = super::record::many2one(mv, "picking_id").map(|p| p.0).unwrap_or_default();
    let product = super::record::many2one(mv, "product_id").map(|p| p.0).unwrap_or_default();
    let existing = odoo
        .search_read(
            "stock.move.line",
            json!([["move_id", "=", move_id]]),
            &["lot_name", "quantity", "location_id", "location_dest_id"],
            Some("id asc"),
            None,
        )
        .await?;
    let name_of = |ml: &serde_json::Map<String, Value>| super::record::text(ml, "lot_name").filter(|n| !n.is_empty());
    let id_of = |ml: &serde_json::Map<String, Value>| ml.get("id").and_then(Value::as_i64).unwrap_or_default();
    let locations = existing.first().map(|ml| {
        (
            super::record::many2one(ml, "location_id").map(|l| l.0),
            super::record::many2one(ml, "location_dest_id").map(|l| l.0),
        )
    });
    // Move lines without a lot are free to take the next wanted lot (Odoo pre-fills one at confirmation).
    let mut free: Vec<i64> = existing.iter().filter(|ml| name_of(ml).is_none()).map(id_of).collect();
    for want in wanted {
        let same = existing.iter().find(|ml| want.lot_name.is_some() && name_of(ml) == want.lot_name);
        let target = same.map(id_of).or_else(|| (!free.is_empty()).then(|| free.remove(0)));
        let mut vals = json!({ "quantity": want.quantity });
        if let Some(lot) = &want.lot_name {
            vals["lot_name"] = json!(lot);
        }
        match target {
            Some(id) => odoo.write("stock.move.line", &[id], vals).await?,
            None => {
                let (from, to) = locations.unwrap_or((None, None));
                vals["move_id"] = json!(move_id);
                vals["picking_id"] = json!(picking);
                vals["product_id"] = json!(product);
                vals["location_id"] = json!(from);
                vals["location_dest_id"] = json!(to);
                odoo.create("stock.move.line", vals).await?;
            }
        }
    }
    // What the ASN does not ship stays unannounced: zero on left-over pre-filled lines.
    if !free.is_empty() {
        odoo.write("stock.move.line", &free, json!({ "quantity": 0.0 })).await?;
    }
    Ok(picking)
}

/// Takes what was announced for one PO line off its open receipt: the named lots' move lines are
/// unlinked; with no names (an untracked product) the announced quantities go back to zero.
async fn withdraw(odoo: &OdooClient, line_odoo_id: i64, lot_names: &[&str]) -> Result<(), PushError> {
    let moves = odoo
        .search("stock.move", json!([["purchase_line_id", "=", line_odoo_id], ["state", "not in", ["done", "cancel"]]]))
        .await?;
    if moves.is_empty() {
        return Ok(());
    }
    if lot_names.is_empty() {
        let announced = odoo.search("stock.move.line", json!([["move_id", "in", moves]])).await?;
        if !announced.is_empty() {
            odoo.write("stock.move.line", &announced, json!({ "quantity": 0.0 })).await?;
        }
    } else {
        let ours =
            odoo.search("stock.move.line", json!([["move_id", "in", moves], ["lot_name", "in", lot_names]])).await?;
        if !ours.is_empty() {
            odoo.call("stock.move.line", "unlink", Some(&ours), Default::default()).await?;
        }
    }
    Ok(())
}

/// The supplier amended an announced shipment: what it no longer announces leaves the receipt (lots
/// dropped, lines no longer shipped), then the receipt carries the new contents as for a new ASN.
async fn asn_amended(
    clients: &Clients,
    odoo: &OdooClient,
    row: &Claimed,
    payload: &Value,
) -> Result<Pushed, PushError> {
    let (asn, lines, lots) = asn_contents(clients, row.aggregate_id).await?;
    if asn.status == "cancelled" {
        return Ok(Pushed::Skipped("the ASN was cancelled before its amendment reached Odoo"));
    }
    let previous: Vec<(i64, Option<String>)> = payload
        .get("previous")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((p.get("line_id")?.as_i64()?, p.get("lot_name").and_then(Value::as_str).map(str::to_string)))
        })
        .collect();
    let mut before: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (line_id, lot) in previous {
        before.entry(line_id).or_default().extend(lot);
    }
    for (line_id, was) in before {
        let now_shipped = lines.iter().find(|l| l.line_id == line_id);
        let still: Vec<&str> = now_shipped
            .map(|l| {
                lots.iter().filter(|lot| lot.asn_line_id == l.asn_line_id).map(|lot| lot.lot_name.as_str()).collect()
            })
            .unwrap_or_default();
        let dropped: Vec<&str> = was.iter().map(String::as_str).filter(|n| !still.contains(n)).collect();
        let untracked_line_dropped = was.is_empty() && now_shipped.is_none();
        if dropped.is_empty() && !untracked_line_dropped {
            continue;
        }
        #[derive(sqlx::FromRow)]
        struct OdooLine {
            odoo_id: Option<i64>,
        }
        let line: Option<OdooLine> = clients
            .db()
            .exec()
            .fetch_optional(Sql::new("SELECT odoo_id FROM purchase_order_line WHERE id = $1").bind(line_id))
            .await?;
        if let Some(odoo_id) = line.and_then(|l| l.odoo_id) {
            withdraw(odoo, odoo_id, &dropped).await?;
        }
    }
    asn_submitted(clients, odoo, row, "amended").await
}

/// The supplier withdrew the shipment: its lot lines leave the receipt (unlinked; the bot may,
/// see `odoo provision`), quantities announced on untracked lines go back to zero, and the chatter says so. Repeating
/// it finds nothing left to remove.
async fn asn_cancelled(clients: &Clients, odoo: &OdooClient, row: &Claimed) -> Result<Pushed, PushError> {
    let (asn, lines, lots) = asn_contents(clients, row.aggregate_id).await?;
    let mut pos = Vec::new();
    for line in &lines {
        let (Some(line_odoo_id), Some(po_odoo_id)) = (line.line_odoo_id, line.po_odoo_id) else { continue };
        if !pos.contains(&po_odoo_id) {
            pos.push(po_odoo_id);
        }
        let names: Vec<&str> =
            lots.iter().filter(|l| l.asn_line_id == line.asn_line_id).map(|l| l.lot_name.as_str()).collect();
        withdraw(odoo, line_odoo_id, &names).await?;
    }
    let body =
        format!("Supplier cancelled shipment {}: its lots and quantities were taken off the receipt.", asn.number);
    let mut warnings = Vec::new();
    for po in &pos {
        warnings.extend(annotate(odoo, *po, &row.event_uid, &body).await?);
    }
    Ok(Pushed::Applied { model: "stock.move.line", odoo_id: 0, warning: joined(warnings) })
}
