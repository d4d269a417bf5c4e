//! Odoo's purchase orders into canonical records. A new PO becomes revision 1 (`po.received`); a
//! PO whose lines changed becomes a new revision (`po.revised`) with a diff, and every changed line
//! the supplier had answered must be confirmed again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::record::{OdooLine, OdooOrder};
use crate::db::{DbError, Executor, Sql, Tx};
use crate::domain::acknowledgement::po_ack_state;
use crate::domain::event::{self, NewEvent};

/// What importing one PO did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Created,
    Revised,
    /// Header fields changed (state, amounts, reference): no new revision.
    Updated,
    Unchanged,
}

/// Products and units the lines refer to, resolved to canonical ids before the transaction.
pub struct Refs {
    pub products: HashMap<i64, i64>,
    pub uoms: HashMap<i64, i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct ExistingPo {
    id: i64,
    state: String,
    ack_state: String,
    revision: i64,
    amount_total: f64,
    supplier_reference: Option<String>,
    expected_date: Option<DateTime<Utc>>,
    notes: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ExistingLine {
    id: i64,
    line_no: i64,
    product_id: i64,
    quantity: f64,
    price_unit: f64,
    requested_date: DateTime<Utc>,
    ack_state: String,
    odoo_id: Option<i64>,
}

/// One field of one line that Odoo changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineChange {
    pub line_no: i64,
    pub field: &'static str,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

pub async fn import_order(
    tx: &mut Tx,
    connection_id: i64,
    supplier_id: i64,
    order: &OdooOrder,
    lines: &[OdooLine],
    refs: &Refs,
) -> Result<Imported, DbError> {
    let now = Utc::now();
    let existing: Option<ExistingPo> = tx
        .fetch_optional(
            Sql::new(
                "SELECT id, state, ack_state, revision, amount_total, supplier_reference, expected_date, notes FROM purchase_order
                 WHERE odoo_connection_id = $1 AND odoo_id = $2",
            )
            .bind(connection_id)
            .bind(order.id),
        )
        .await?;
    let Some(po) = existing else {
        create(tx, connection_id, supplier_id, order, lines, refs, now).await?;
        return Ok(Imported::Created);
    };
    let current: Vec<ExistingLine> = tx
        .fetch_all(
            Sql::new(
                "SELECT id, line_no, product_id, quantity, price_unit, requested_date, ack_state, odoo_id
                 FROM purchase_order_line WHERE purchase_order_id = $1 ORDER BY line_no",
            )
            .bind(po.id),
        )
        .await?;
    let changes = reconcile_lines(tx, po.id, &current, lines, refs).await?;
    let header_changed = po.state != order.state
        || (po.amount_total - order.amount_total).abs() > 0.005
        || po.supplier_reference != order.partner_ref
        || po.expected_date != order.date_planned
        || po.notes != order.notes;
    update_header(tx, po.id, order, now).await?;
    if changes.is_empty() {
        return Ok(if header_changed { Imported::Updated } else { Imported::Unchanged });
    }
    let revision = po.revision + 1;
    let states: Vec<String> = tx
        .fetch_all::<AckRow>(
            Sql::new("SELECT ack_state FROM purchase_order_line WHERE purchase_order_id = $1").bind(po.id),
        )
        .await?
        .into_iter()
        .map(|r| r.ack_state)
        .collect();
    let states: Vec<&str> = states.iter().map(String::as_str).collect();
    // A PO nobody had answered stays simply pending; an answered one must be confirmed again.
    let ack_state = if po.ack_state == "pending" { "pending" } else { po_ack_state(&states) };
    tx.execute(
        Sql::new("UPDATE purchase_order SET revision = $1, ack_state = $2 WHERE id = $3")
            .bind(revision)
            .bind(ack_state)
            .bind(po.id),
    )
    .await?;
    snapshot(tx, po.id, revision, order.write_date, &changes, now).await?;
    event::emit(
        tx,
        NewEvent {
            event_type: "po.revised",
            aggregate: ("purchase_order", po.id),
            supplier_id: Some(supplier_id),
            payload: json!({ "purchase_order_id": po.id, "number": order.name, "revision": revision,
                              "odoo_id": order.id, "changes": changes }),
            destinations: &[],
        },
    )
    .await?;
    Ok(Imported::Revised)
}

#[derive(sqlx::FromRow)]
struct AckRow {
    ack_state: String,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

async fn create(
    tx: &mut Tx,
    connection_id: i64,
    supplier_id: i64,
    order: &OdooOrder,
    lines: &[OdooLine],
    refs: &Refs,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    // The row with its identity first; the header fields Odoo owns are written as on every change.
    let po: IdRow = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO purchase_order (supplier_id, number, state, ack_state, order_date, currency, revision, received_at,
                   odoo_connection_id, odoo_id, created_at, updated_at)
                 VALUES ($1, $2, $3, 'pending', $4, $5, 1, $6, $7, $8, $6, $6) RETURNING id",
            )
            .bind(supplier_id)
            .bind(order.name.as_str())
            .bind(order.state)
            .bind(order.date_order)
            .bind(order.currency.as_str())
            .bind(now)
            .bind(connection_id)
            .bind(order.id),
        )
        .await?;
    update_header(tx, po.id, order, now).await?;
    let mut sorted: Vec<&OdooLine> = lines.iter().collect();
    sorted.sort_by_key(|l| l.id);
    for (i, line) in sorted.into_iter().enumerate() {
        insert_line(tx, po.id, i as i64 + 1, line, refs).await?;
    }
    snapshot(tx, po.id, 1, order.write_date, &[], now).await?;
    event::emit(
        tx,
        NewEvent {
            event_type: "po.received",
            aggregate: ("purchase_order", po.id),
            supplier_id: Some(supplier_id),
            payload: json!({ "purchase_order_id": po.id, "number": order.name, "odoo_id": order.id, "lines": lines.len() }),
            destinations: &[],
        },
    )
    .await?;
    Ok(())
}

/// The header fields Odoo owns, as Odoo has them now.
async fn update_header(tx: &mut Tx, po_id: i64, order: &OdooOrder, now: DateTime<Utc>) -> Result<(), DbError> {
    tx.execute(
        Sql::new(
            "UPDATE purchase_order SET state = $1, expected_date = $2, currency = $3, amount_untaxed = $4, amount_total = $5,
               buyer_name = $6, notes = $7, supplier_reference = $8, odoo_write_date = $9, updated_at = $10 WHERE id = $11",
        )
        .bind(order.state)
        .bind(order.date_planned)
        .bind(order.currency.as_str())
        .bind(order.amount_untaxed)
        .bind(order.amount_total)
        .bind(order.buyer.clone())
        .bind(order.notes.clone())
        .bind(order.partner_ref.clone())
        .bind(order.write_date)
        .bind(now)
        .bind(po_id),
    )
    .await
    .map(drop)
}

async fn insert_line(tx: &mut Tx, po_id: i64, line_no: i64, line: &OdooLine, refs: &Refs) -> Result<(), DbError> {
    tx.execute(
        Sql::new(
            "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, price_unit,
               subtotal, requested_date, qty_received, ack_state, odoo_id, odoo_write_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12)",
        )
        .bind(po_id)
        .bind(line_no)
        .bind(refs.products[&line.product_id])
        .bind(line.description.as_str())
        .bind(line.quantity)
        .bind(refs.uoms[&line.uom_id])
        .bind(line.price_unit)
        .bind(line.subtotal)
        .bind(line.date_planned)
        .bind(line.qty_received)
        .bind(line.id)
        .bind(line.write_date),
    )
    .await
    .map(drop)
}

/// Brings the canonical lines in line with Odoo's and returns what changed for the supplier. Lines
/// the portal created for a split (no Odoo id yet) are linked to the Odoo line that now carries them.
async fn reconcile_lines(
    tx: &mut Tx,
    po_id: i64,
    current: &[ExistingLine],
    lines: &[OdooLine],
    refs: &Refs,
) -> Result<Vec<LineChange>, DbError> {
    let mut changes = Vec::new();
    let mut unlinked: Vec<&ExistingLine> = current.iter().filter(|l| l.odoo_id.is_none()).collect();
    let mut added = Vec::new();
    let mut sorted: Vec<&OdooLine> = lines.iter().collect();
    sorted.sort_by_key(|l| l.id);
    for odoo in sorted {
        let product = refs.products[&odoo.product_id];
        let matched = current.iter().find(|l| l.odoo_id == Some(odoo.id)).or_else(|| {
            let at = unlinked.iter().position(|l| {
                l.product_id == product
                    && (l.quantity - odoo.quantity).abs() < 1e-9
                    && l.requested_date.date_naive() == odoo.date_planned.date_naive()
            })?;
            Some(unlinked.remove(at))
        });
        let Some(mine) = matched else {
            added.push(odoo);
            continue;
        };
        let mut changed = Vec::new();
        if mine.product_id != product {
            changed.push(LineChange {
                line_no: mine.line_no,
                field: "product",
                from: json!(null),
                to: json!(odoo.product_name),
            });
        }
        if (mine.quantity - odoo.quantity).abs() > 1e-9 {
            changed.push(LineChange {
                line_no: mine.line_no,
                field: "quantity",
                from: json!(mine.quantity),
                to: json!(odoo.quantity),
            });
        }
        if mine.requested_date.timestamp() != odoo.date_planned.timestamp() {
            changed.push(LineChange {
                line_no: mine.line_no,
                field: "date",
                from: json!(mine.requested_date.format("%Y-%m-%d").to_string()),
                to: json!(odoo.date_planned.format("%Y-%m-%d").to_string()),
            });
        }
        if (mine.price_unit - odoo.price_unit).abs() > 1e-9 {
            changed.push(LineChange {
                line_no: mine.line_no,
                field: "price",
                from: json!(mine.price_unit),
                to: json!(odoo.price_unit),
            });
        }
        // A changed line the supplier had answered must be answered again; open proposals on it lapse.
        let ack_state =
            if changed.is_empty() || mine.ack_state == "pending" { mine.ack_state.as_str() } else { "reconfirm" };
        if !changed.is_empty() {
            tx.execute(
                Sql::new("UPDATE change_proposal SET status = 'superseded' WHERE purchase_order_line_id = $1 AND status = 'pending'")
                    .bind(mine.id),
            )
            .await?;
        }
        tx.execute(
            Sql::new(
                "UPDATE purchase_order_line SET product_id = $1, description = $2, quantity = $3, uom_id = $4, price_unit = $5,
                   subtotal = $6, requested_date = $7, qty_received = $8, ack_state = $9, odoo_id = $10, odoo_write_date = $11,
                   required_date = CASE WHEN $14 THEN NULL ELSE required_date END,
                   last_receipt_at = CASE WHEN $8 > qty_received THEN $13 ELSE last_receipt_at END
                 WHERE id = $12",
            )
            .bind(product)
            .bind(odoo.description.as_str())
            .bind(odoo.quantity)
            .bind(refs.uoms[&odoo.uom_id])
            .bind(odoo.price_unit)
            .bind(odoo.subtotal)
            .bind(odoo.date_planned)
            .bind(odoo.qty_received)
            .bind(ack_state)
            .bind(odoo.id)
            .bind(odoo.write_date)
            .bind(mine.id)
            // Odoo moving the date is a new request (no longer the one kept as required); a rise of the
            // received quantity is a receipt, dated when the pull sees it.
            .bind(Utc::now())
            .bind(mine.requested_date.timestamp() != odoo.date_planned.timestamp()),
        )
        .await?;
        changes.extend(changed);
    }
    let first_new = current.iter().map(|l| l.line_no).max().unwrap_or(0) + 1;
    for (line_no, odoo) in (first_new..).zip(added) {
        insert_line(tx, po_id, line_no, odoo, refs).await?;
        changes.push(LineChange { line_no, field: "added", from: json!(null), to: json!(odoo.quantity) });
    }
    // Lines Odoo no longer has: nothing is left to deliver on them.
    for gone in current.iter().filter(|l| l.odoo_id.is_some() && !lines.iter().any(|o| Some(o.id) == l.odoo_id)) {
        if gone.quantity != 0.0 {
            tx.execute(
                Sql::new(
                    "UPDATE purchase_order_line SET quantity = 0, subtotal = 0, ack_state = 'accepted' WHERE id = $1",
                )
                .bind(gone.id),
            )
            .await?;
            changes.push(LineChange {
                line_no: gone.line_no,
                field: "removed",
                from: json!(gone.quantity),
                to: json!(0.0),
            });
        }
    }
    Ok(changes)
}

async fn snapshot(
    tx: &mut Tx,
    po_id: i64,
    revision: i64,
    odoo_write_date: DateTime<Utc>,
    changes: &[LineChange],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    #[derive(sqlx::FromRow, serde::Serialize)]
    struct SnapLine {
        line_no: i64,
        product_id: i64,
        description: String,
        quantity: f64,
        price_unit: f64,
        requested_date: DateTime<Utc>,
    }
    let lines: Vec<SnapLine> = tx
        .fetch_all(
            Sql::new(
                "SELECT line_no, product_id, description, quantity, price_unit, requested_date FROM purchase_order_line
                 WHERE purchase_order_id = $1 ORDER BY line_no",
            )
            .bind(po_id),
        )
        .await?;
    tx.execute(
        Sql::new(
            "INSERT INTO purchase_order_revision (purchase_order_id, revision, snapshot, source, odoo_write_date, created_at)
             VALUES ($1, $2, $3, 'odoo', $4, $5)",
        )
        .bind(po_id)
        .bind(revision)
        .bind(json!({ "lines": lines, "changes": changes }).to_string())
        .bind(odoo_write_date)
        .bind(now),
    )
    .await
    .map(drop)
}
