//! Quality holds from Odoo (Community: the QC location; OCA `quality_control`: `qc.inspection`), the `quality` flow. Two sources:
//! - Community, no extra module: a lot moved to WH/Quality Control, with a QC transfer back to stock
//!   open. One hold per QC move (`stock.move`); the transfer validated (move `done`) releases it.
//! - OCA `quality_control`: a `qc.inspection` of a lot. Passed (`success`) or cancelled releases it.
//!
//! Which key reads what, within the access rules (§11, and the simulator's):
//! - The connection's read-only planning key finds the holds: it reads `stock.move` (every move, the
//!   QC moves included) and the picking types. No supplier bot can: its `stock.move` rule shows only
//!   moves of its own purchase lines, and its `stock.picking` rule only its incoming receipts.
//!   `qc.inspection` is readable only by a user in OCA's Quality Control group; when the planning
//!   user is not in it, Odoo refuses (AccessError) and the inspections are skipped with a warning.
//! - Each supplier's own bot key decides whose material a held lot is: it reads the receipt move lines
//!   of that lot, and its record rule shows only the supplier's own receipts. A lot no bot sees is
//!   nobody's in the portal and is not imported.
//!
//! Idempotent: a hold is known by (connection, model, id); reading the same state again changes nothing.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use serde_json::{json, Map, Value};

use super::connection::Clients;
use super::pull::PullError;
use super::record;
use crate::db::{Db, DbError, Executor, Sql, Tx};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::event::{self, NewEvent};
use crate::odoo::{ErrorKind, OdooClient};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QualityReport {
    /// Holds read from Odoo that belong to a portal supplier.
    pub seen: usize,
    pub raised: usize,
    pub released: usize,
    /// Held lots no supplier's key can see: not imported.
    pub unowned: usize,
    /// Whether `qc.inspection` could be read (false: not installed, or the key is not allowed).
    pub inspections_read: bool,
}

/// A hold as Odoo shows it.
#[derive(Debug, Clone)]
struct OdooHold {
    model: &'static str,
    id: i64,
    reference: String,
    product_id: i64,
    lot_id: Option<i64>,
    lot_name: Option<String>,
    quantity: Option<f64>,
    /// Still held in Odoo.
    held: bool,
    reason: String,
    write_date: Option<chrono::DateTime<Utc>>,
}

/// Where a held lot came from: the supplier whose receipt carried it, and the PO.
#[derive(Debug, Clone)]
struct Owner {
    supplier_id: i64,
    lot_name: String,
    odoo_po: Option<i64>,
}

fn ids(record: &Map<String, Value>, field: &str) -> Vec<i64> {
    record
        .get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn id(record: &Map<String, Value>) -> i64 {
    record.get("id").and_then(Value::as_i64).unwrap_or_default()
}

/// Connections that have a planning key: the ones whose holds can be found.
async fn planning_connections(db: &Db) -> Result<Vec<i64>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        odoo_connection_id: i64,
    }
    let rows: Vec<Row> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT odoo_connection_id FROM odoo_credential WHERE purpose = 'planning' ORDER BY odoo_connection_id",
        ))
        .await?;
    Ok(rows.into_iter().map(|r| r.odoo_connection_id).collect())
}

/// One quality pull for every connection with a planning key; a failing connection does not stop the others.
pub async fn pull_all(clients: &Clients) -> QualityReport {
    let mut total = QualityReport::default();
    let connections = match planning_connections(clients.db()).await {
        Ok(c) => c,
        Err(error) => {
            tracing::warn!(%error, "cannot list the connections to pull quality holds from");
            return total;
        }
    };
    for connection_id in connections {
        match pull_connection(clients, connection_id).await {
            Ok(report) => {
                total.seen += report.seen;
                total.raised += report.raised;
                total.released += report.released;
                total.unowned += report.unowned;
                total.inspections_read |= report.inspections_read;
            }
            Err(error) => tracing::warn!(odoo.connection = connection_id, %error, "quality pull from Odoo failed"),
        }
    }
    total
}

/// Reads the holds of one Odoo database and brings the portal's holds in step.
pub async fn pull_connection(clients: &Clients, connection_id: i64) -> Result<QualityReport, PullError> {
    let db = clients.db();
    let planning = clients.for_planning(connection_id).await?;
    let mut report = QualityReport::default();
    let mut holds = qc_location_holds(&planning).await?;
    match inspection_holds(&planning).await {
        Ok(inspections) => {
            report.inspections_read = true;
            holds.extend(inspections);
        }
        Err(PullError::Odoo(e)) if matches!(e.kind, ErrorKind::Access | ErrorKind::UnknownModel) => {
            tracing::warn!(odoo.connection = connection_id, error = %e,
                "qc.inspection cannot be read with the planning key (OCA quality_control not installed, or the planning user is not in its Quality Control group); only QC-location holds are pulled");
        }
        Err(e) => return Err(e),
    }
    let lots: BTreeSet<i64> = holds.iter().filter_map(|h| h.lot_id).collect();
    let owners = lot_owners(clients, connection_id, &lots.into_iter().collect::<Vec<_>>()).await?;
    let products: Vec<i64> = holds.iter().map(|h| h.product_id).collect();
    let products = super::pull::ensure_products(db, &planning, connection_id, &products).await?;
    for hold in holds {
        let Some(owner) = hold.lot_id.and_then(|l| owners.get(&l)) else {
            report.unowned += 1;
            continue;
        };
        report.seen += 1;
        let product = products[&hold.product_id];
        let po = match owner.odoo_po {
            Some(odoo_po) => known_po(db, connection_id, odoo_po).await?,
            None => None,
        };
        let mut tx = db.begin().await?;
        match apply(&mut tx, connection_id, owner, product, po, &hold).await? {
            Applied::Raised => report.raised += 1,
            Applied::Released => report.released += 1,
            Applied::Unchanged => {}
        }
        tx.commit().await?;
    }
    Ok(report)
}

/// Community variant: moves of the QC transfers (picking type QC, from WH/Quality Control to stock).
async fn qc_location_holds(planning: &OdooClient) -> Result<Vec<OdooHold>, PullError> {
    let types = planning
        .search_read(
            "stock.picking.type",
            json!([["code", "=", "internal"], ["sequence_code", "=", "QC"]]),
            &["id"],
            None,
            None,
        )
        .await?;
    let types: Vec<i64> = types.iter().map(id).collect();
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let moves = planning
        .search_read(
            "stock.move",
            json!([["picking_type_id", "in", types], ["state", "!=", "cancel"]]),
            &["product_id", "product_uom_qty", "state", "picking_id", "lot_ids", "write_date"],
            Some("id asc"),
            None,
        )
        .await?;
    Ok(moves
        .iter()
        .filter_map(|m| {
            let (product_id, _) = record::many2one(m, "product_id")?;
            let reference =
                record::many2one(m, "picking_id").map(|p| p.1).unwrap_or_else(|| format!("stock.move {}", id(m)));
            Some(OdooHold {
                model: "stock.move",
                id: id(m),
                reason: format!("Held in quality control in Odoo ({reference})."),
                reference,
                product_id,
                lot_id: ids(m, "lot_ids").first().copied(),
                lot_name: None,
                quantity: Some(record::float(m, "product_uom_qty")).filter(|q| *q > 0.0),
                held: record::text(m, "state").as_deref() != Some("done"),
                write_date: record::datetime(m, "write_date"),
            })
        })
        .collect())
}

/// OCA variant: inspections of lots; passed or cancelled ones are released.
async fn inspection_holds(planning: &OdooClient) -> Result<Vec<OdooHold>, PullError> {
    let inspections = planning
        .search_read(
            "qc.inspection",
            json!([["lot_id", "!=", false]]),
            &["name", "product_id", "qty", "state", "lot_id", "external_notes", "write_date"],
            Some("id asc"),
            None,
        )
        .await?;
    Ok(inspections
        .iter()
        .filter_map(|i| {
            let (product_id, _) = record::many2one(i, "product_id")?;
            let (lot_id, lot_name) = record::many2one(i, "lot_id")?;
            let name = record::text(i, "name").unwrap_or_else(|| format!("qc.inspection {}", id(i)));
            let state = record::text(i, "state").unwrap_or_default();
            let notes = record::text(i, "external_notes").filter(|n| !n.trim().is_empty());
            let mut reason = match state.as_str() {
                "failed" => format!("Inspection {name} failed in Odoo."),
                _ => format!("Inspection {name} holds the lot in Odoo ({state})."),
            };
            if let Some(notes) = notes {
                reason.push(' ');
                reason.push_str(notes.trim());
            }
            Some(OdooHold {
                model: "qc.inspection",
                id: id(i),
                reference: name,
                product_id,
                lot_id: Some(lot_id),
                lot_name: Some(lot_name),
                quantity: Some(record::float(i, "qty")).filter(|q| *q > 0.0),
                held: !matches!(state.as_str(), "success" | "canceled"),
                reason,
                write_date: record::datetime(i, "write_date"),
            })
        })
        .collect())
}

/// For each lot, the supplier whose own key sees a receipt of it, and the PO it came on.
async fn lot_owners(clients: &Clients, connection_id: i64, lots: &[i64]) -> Result<HashMap<i64, Owner>, PullError> {
    let mut owners = HashMap::new();
    if lots.is_empty() {
        return Ok(owners);
    }
    #[derive(sqlx::FromRow)]
    struct Bound {
        supplier_id: i64,
    }
    let suppliers: Vec<Bound> = clients
        .db()
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT s.id AS supplier_id FROM supplier s
                   JOIN odoo_credential c ON c.supplier_id = s.id AND c.purpose = 'supplier'
                  WHERE s.odoo_connection_id = $1 ORDER BY s.id",
            )
            .bind(connection_id),
        )
        .await?;
    for Bound { supplier_id } in suppliers {
        let bot = match clients.for_supplier(supplier_id).await {
            Ok(bot) => bot,
            Err(error) => {
                tracing::warn!(supplier = supplier_id, %error, "cannot check held lots under this supplier's key");
                continue;
            }
        };
        let wanted: Vec<i64> = lots.iter().copied().filter(|l| !owners.contains_key(l)).collect();
        if wanted.is_empty() {
            break;
        }
        // The bot's rule shows only move lines of its own purchase receipts.
        let lines = bot
            .search_read(
                "stock.move.line",
                json!([["lot_id", "in", wanted]]),
                &["lot_id", "move_id"],
                Some("id asc"),
                None,
            )
            .await?;
        let mut moves = HashMap::new();
        for line in &lines {
            if let (Some((lot, name)), Some((mv, _))) =
                (record::many2one(line, "lot_id"), record::many2one(line, "move_id"))
            {
                moves.entry(lot).or_insert((name, mv));
            }
        }
        if moves.is_empty() {
            continue;
        }
        let move_ids: Vec<i64> = moves.values().map(|(_, m)| *m).collect();
        let purchase_lines: HashMap<i64, i64> = bot
            .read("stock.move", &move_ids, &["purchase_line_id"])
            .await?
            .iter()
            .filter_map(|m| Some((id(m), record::many2one(m, "purchase_line_id")?.0)))
            .collect();
        let line_ids: Vec<i64> = purchase_lines.values().copied().collect();
        let orders: HashMap<i64, i64> = if line_ids.is_empty() {
            HashMap::new()
        } else {
            bot.read("purchase.order.line", &line_ids, &["order_id"])
                .await?
                .iter()
                .filter_map(|l| Some((id(l), record::many2one(l, "order_id")?.0)))
                .collect()
        };
        for (lot, (lot_name, mv)) in moves {
            let odoo_po = purchase_lines.get(&mv).and_then(|l| orders.get(l)).copied();
            owners.insert(lot, Owner { supplier_id, lot_name, odoo_po });
        }
    }
    Ok(owners)
}

async fn known_po(db: &Db, connection_id: i64, odoo_po: i64) -> Result<Option<i64>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
    }
    let row: Option<Row> = db
        .exec()
        .fetch_optional(
            Sql::new("SELECT id FROM purchase_order WHERE odoo_connection_id = $1 AND odoo_id = $2")
                .bind(connection_id)
                .bind(odoo_po),
        )
        .await?;
    Ok(row.map(|r| r.id))
}

#[derive(Debug, PartialEq, Eq)]
enum Applied {
    Raised,
    Released,
    Unchanged,
}

async fn apply(
    tx: &mut Tx,
    connection_id: i64,
    owner: &Owner,
    product_id: i64,
    purchase_order_id: Option<i64>,
    hold: &OdooHold,
) -> Result<Applied, PullError> {
    #[derive(sqlx::FromRow)]
    struct Known {
        id: i64,
        status: String,
    }
    let known: Option<Known> = tx
        .fetch_optional(
            Sql::new("SELECT id, status FROM quality_hold WHERE odoo_connection_id = $1 AND odoo_model = $2 AND odoo_id = $3")
                .bind(connection_id)
                .bind(hold.model)
                .bind(hold.id),
        )
        .await?;
    let lot = hold.lot_name.clone().unwrap_or_else(|| owner.lot_name.clone());
    let now = Utc::now();
    let payload = |hold_id: i64| {
        json!({"hold_id": hold_id, "supplier_id": owner.supplier_id, "lot": lot, "quantity": hold.quantity,
               "source": "odoo", "odoo_model": hold.model, "odoo_id": hold.id, "odoo_reference": hold.reference})
    };
    match known {
        // Released in Odoo before the portal ever saw it: nothing to answer.
        None if !hold.held => Ok(Applied::Unchanged),
        None => {
            #[derive(sqlx::FromRow)]
            struct Id {
                id: i64,
            }
            let created: Id = tx
                .fetch_one(
                    Sql::new(
                        "INSERT INTO quality_hold (supplier_id, product_id, lot_name, quantity, reason, status, source, odoo_model, odoo_id,
                           odoo_write_date, odoo_connection_id, odoo_reference, purchase_order_id, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, 'open', 'odoo', $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
                    )
                    .bind(owner.supplier_id)
                    .bind(product_id)
                    .bind(lot.as_str())
                    .bind(hold.quantity)
                    .bind(hold.reason.as_str())
                    .bind(hold.model)
                    .bind(hold.id)
                    .bind(hold.write_date)
                    .bind(connection_id)
                    .bind(hold.reference.as_str())
                    .bind(purchase_order_id)
                    .bind(now),
                )
                .await?;
            crate::domain::quality::record_history(tx, created.id, "raised", Some(&hold.reason), None).await?;
            let mut payload = payload(created.id);
            payload["product_name"] = product_name(tx, product_id).await?.into();
            payload["reason"] = hold.reason.clone().into();
            record_event(tx, "quality_hold.raised", created.id, owner.supplier_id, payload).await?;
            tracing::info!(supplier = owner.supplier_id, odoo.model = hold.model, odoo.id = hold.id, lot = %lot, "quality hold imported from Odoo");
            Ok(Applied::Raised)
        }
        Some(k) if !hold.held && k.status != "closed" => {
            tx.execute(
                Sql::new(
                    "UPDATE quality_hold SET status = 'closed', closed_at = $1, closed_by = NULL, updated_at = $1, odoo_write_date = $2
                      WHERE id = $3",
                )
                .bind(now)
                .bind(hold.write_date)
                .bind(k.id),
            )
            .await?;
            let comment = format!("Released in Odoo ({}).", hold.reference);
            crate::domain::quality::record_history(tx, k.id, "released", Some(&comment), None).await?;
            let mut payload = payload(k.id);
            payload["product_name"] = product_name(tx, product_id).await?.into();
            payload["released_in_odoo"] = true.into();
            payload["previous_status"] = k.status.clone().into();
            record_event(tx, "quality_hold.closed", k.id, owner.supplier_id, payload).await?;
            tracing::info!(
                supplier = owner.supplier_id,
                odoo.model = hold.model,
                odoo.id = hold.id,
                "quality hold released in Odoo"
            );
            Ok(Applied::Released)
        }
        Some(k) => {
            tx.execute(
                Sql::new("UPDATE quality_hold SET quantity = $1, odoo_write_date = $2 WHERE id = $3")
                    .bind(hold.quantity)
                    .bind(hold.write_date)
                    .bind(k.id),
            )
            .await?;
            Ok(Applied::Unchanged)
        }
    }
}

async fn product_name(tx: &mut Tx, product_id: i64) -> Result<String, DbError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        name: String,
    }
    let row: Row = tx.fetch_one(Sql::new("SELECT name FROM product WHERE id = $1").bind(product_id)).await?;
    Ok(row.name)
}

/// The event and an audit entry of the sync (no user: Odoo is the author).
async fn record_event(
    tx: &mut Tx,
    event_type: &str,
    hold_id: i64,
    supplier_id: i64,
    payload: Value,
) -> Result<(), DbError> {
    let event = NewEvent {
        event_type,
        aggregate: ("quality_hold", hold_id),
        supplier_id: Some(supplier_id),
        payload: payload.clone(),
        destinations: &[],
    };
    event::emit(tx, event).await?;
    let entry = AuditEntry {
        user_id: None,
        role: Some("odoo_sync"),
        supplier_id: Some(supplier_id),
        action: event_type,
        entity: Some(("quality_hold", hold_id)),
        detail: payload,
        ip: None,
    };
    audit::record(tx, entry).await
}
