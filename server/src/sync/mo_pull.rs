//! Manufacturing-order demand from Odoo (`mrp.production`, its `move_raw_ids`), read under each connection's read-only
//! planning key: the open raw-material moves of our products, then their MOs. The whole set is read
//! each time (open MOs are few) and stored as a snapshot: MOs done, cancelled or gone disappear.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::connection::Clients;
use super::pull::PullError;
use super::record;
use crate::db::{Arg, Db, DbError, Executor, Sql, Tx};

const MOVE_FIELDS: [&str; 6] =
    ["raw_material_production_id", "product_id", "date", "product_uom_qty", "quantity", "write_date"];
const MO_FIELDS: [&str; 7] =
    ["name", "date_start", "state", "components_availability_state", "product_id", "product_qty", "write_date"];

/// One open MO that consumes at least one of our products.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledMo {
    pub odoo_id: i64,
    pub name: String,
    pub product_name: String,
    pub product_qty: f64,
    pub state: String,
    pub date_start: DateTime<Utc>,
    pub availability: Option<String>,
    pub write_date: Option<DateTime<Utc>>,
    pub components: Vec<PulledComponent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PulledComponent {
    pub odoo_move_id: i64,
    /// Our (canonical) product id.
    pub product_id: i64,
    pub date: DateTime<Utc>,
    pub needed: f64,
    pub reserved: f64,
    pub write_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoPullReport {
    pub orders: usize,
    pub components: usize,
    pub removed: usize,
}

/// Joins Odoo's raw moves to their MOs. Pure: moves of products we do not know, of MOs Odoo did not
/// return, or of MOs that are done or cancelled are left out (Odoo may answer more than we asked).
pub fn assemble(
    moves: &[Map<String, Value>],
    mos: &[Map<String, Value>],
    products: &HashMap<i64, i64>,
) -> Result<Vec<PulledMo>, String> {
    let mut by_id: BTreeMap<i64, PulledMo> = BTreeMap::new();
    for mo in mos {
        let id = mo.get("id").and_then(Value::as_i64).ok_or("an MO without id")?;
        let state = record::text(mo, "state").unwrap_or_default();
        if matches!(state.as_str(), "done" | "cancel") {
            continue;
        }
        let date_start = record::datetime(mo, "date_start").ok_or_else(|| format!("MO {id} has no date_start"))?;
        by_id.insert(
            id,
            PulledMo {
                odoo_id: id,
                name: record::text(mo, "name").unwrap_or_else(|| format!("MO {id}")),
                product_name: record::many2one(mo, "product_id").map(|p| p.1).unwrap_or_default(),
                product_qty: record::float(mo, "product_qty"),
                state,
                date_start,
                availability: record::text(mo, "components_availability_state"),
                write_date: record::datetime(mo, "write_date"),
                components: Vec::new(),
            },
        );
    }
    for mv in moves {
        let id = mv.get("id").and_then(Value::as_i64).ok_or("a stock.move without id")?;
        let (Some((mo, _)), Some((product, _))) =
            (record::many2one(mv, "raw_material_production_id"), record::many2one(mv, "product_id"))
        else {
            continue;
        };
        let (Some(order), Some(&product_id)) = (by_id.get_mut(&mo), products.get(&product)) else { continue };
        order.components.push(PulledComponent {
            odoo_move_id: id,
            product_id,
            date: record::datetime(mv, "date").unwrap_or(order.date_start),
            needed: record::float(mv, "product_uom_qty"),
            reserved: record::float(mv, "quantity"),
            write_date: record::datetime(mv, "write_date"),
        });
    }
    Ok(by_id.into_values().filter(|mo| !mo.components.is_empty()).collect())
}

/// Connections with a planning key: the ones whose MOs we read.
pub async fn planning_connections(db: &Db) -> Result<Vec<i64>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        odoo_connection_id: i64,
    }
    let rows: Vec<Id> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT odoo_connection_id FROM odoo_credential WHERE purpose = 'planning' ORDER BY odoo_connection_id",
        ))
        .await?;
    Ok(rows.into_iter().map(|r| r.odoo_connection_id).collect())
}

/// Reads the open MO demand for our products from one connection and replaces what we stored.
pub async fn pull_manufacturing_orders(clients: &Clients, connection_id: i64) -> Result<MoPullReport, PullError> {
    let db = clients.db();
    let odoo = clients.for_planning(connection_id).await?;
    #[derive(sqlx::FromRow)]
    struct Product {
        id: i64,
        odoo_id: i64,
    }
    let ours: Vec<Product> = db
        .exec()
        .fetch_all(
            Sql::new("SELECT id, odoo_id FROM product WHERE odoo_connection_id = $1 AND odoo_id IS NOT NULL")
                .bind(connection_id),
        )
        .await?;
    let products: HashMap<i64, i64> = ours.iter().map(|p| (p.odoo_id, p.id)).collect();
    let mut pulled = Vec::new();
    if !products.is_empty() {
        let odoo_products: Vec<i64> = ours.iter().map(|p| p.odoo_id).collect();
        let moves = odoo
            .search_read(
                "stock.move",
                json!([
                    ["raw_material_production_id", "!=", false],
                    ["product_id", "in", odoo_products],
                    ["state", "not in", ["done", "cancel"]]
                ]),
                &MOVE_FIELDS,
                Some("id asc"),
                None,
            )
            .await?;
        let mut mo_ids: Vec<i64> =
            moves.iter().filter_map(|m| record::many2one(m, "raw_material_production_id").map(|p| p.0)).collect();
        mo_ids.sort_unstable();
        mo_ids.dedup();
        let mos = if mo_ids.is_empty() { Vec::new() } else { odoo.read("mrp.production", &mo_ids, &MO_FIELDS).await? };
        pulled = assemble(&moves, &mos, &products).map_err(PullError::Record)?;
    }
    let mut tx = db.begin().await?;
    let report = store(&mut tx, connection_id, &pulled).await?;
    tx.commit().await?;
    Ok(report)
}

/// Replaces the connection's stored MOs with `pulled`, in one transaction.
async fn store(tx: &mut Tx, connection_id: i64, pulled: &[PulledMo]) -> Result<MoPullReport, DbError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let now = Utc::now();
    let mut report = MoPullReport::default();
    for mo in pulled {
        let row: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO manufacturing_order (odoo_connection_id, odoo_id, name, product_name, product_qty, state, date_start,
                       components_availability_state, odoo_write_date, synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (odoo_connection_id, odoo_id) DO UPDATE SET name = excluded.name, product_name = excluded.product_name,
                       product_qty = excluded.product_qty, state = excluded.state, date_start = excluded.date_start,
                       components_availability_state = excluded.components_availability_state,
                       odoo_write_date = excluded.odoo_write_date, synced_at = excluded.synced_at
                     RETURNING id",
                )
                .bind(connection_id)
                .bind(mo.odoo_id)
                .bind(mo.name.as_str())
                .bind(mo.product_name.as_str())
                .bind(mo.product_qty)
                .bind(mo.state.as_str())
                .bind(mo.date_start)
                .bind(mo.availability.clone())
                .bind(mo.write_date)
                .bind(now),
            )
            .await?;
        let mut gone = Sql::new("DELETE FROM mo_component WHERE manufacturing_order_id = $1").bind(row.id);
        not_in(&mut gone, "odoo_move_id", mo.components.iter().map(|c| c.odoo_move_id));
        tx.execute(gone).await?;
        for c in &mo.components {
            tx.execute(
                Sql::new(
                    "INSERT INTO mo_component (manufacturing_order_id, odoo_move_id, product_id, date, quantity_needed, quantity_reserved,
                       odoo_write_date) VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (manufacturing_order_id, odoo_move_id) DO UPDATE SET product_id = excluded.product_id,
                       date = excluded.date, quantity_needed = excluded.quantity_needed,
                       quantity_reserved = excluded.quantity_reserved, odoo_write_date = excluded.odoo_write_date",
                )
                .bind(row.id)
                .bind(c.odoo_move_id)
                .bind(c.product_id)
                .bind(c.date)
                .bind(c.needed)
                .bind(c.reserved)
                .bind(c.write_date),
            )
            .await?;
            report.components += 1;
        }
        report.orders += 1;
    }
    // MOs Odoo no longer lists as open (done, cancelled, deleted, or no longer using our products).
    let mut gone = Sql::new("DELETE FROM manufacturing_order WHERE odoo_connection_id = $1").bind(connection_id);
    not_in(&mut gone, "odoo_id", pulled.iter().map(|m| m.odoo_id));
    report.removed = tx.execute(gone).await? as usize;
    Ok(report)
}

/// Appends ` AND column NOT IN (…)` unless `ids` is empty (then every row matches).
fn not_in(sql: &mut Sql, column: &str, ids: impl Iterator<Item = i64>) {
    let ids: Vec<Arg> = ids.map(Arg::from).collect();
    if ids.is_empty() {
        return;
    }
    let placeholders = vec!["?"; ids.len()].join(", ");
    sql.push(&format!(" AND {column} NOT IN ({placeholders})"), ids);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn moves_join_their_open_mos_and_only_our_products() {
        let moves = [
            record(json!({"id": 1, "raw_material_production_id": [10, "WH/MO/00010"], "product_id": [501, "Seal"],
                          "date": "2026-12-05 08:00:00", "product_uom_qty": 40.0, "quantity": 0.0, "write_date": "2026-11-30 10:00:00"})),
            // A product we do not buy: not our concern.
            record(json!({"id": 2, "raw_material_production_id": [10, "WH/MO/00010"], "product_id": [999, "Paint"],
                          "date": "2026-12-05 08:00:00", "product_uom_qty": 1.0, "quantity": 0.0, "write_date": false})),
            // Its MO is done (Odoo answered it anyway): left out.
            record(json!({"id": 3, "raw_material_production_id": [11, "WH/MO/00011"], "product_id": [501, "Seal"],
                          "date": "2026-12-01 08:00:00", "product_uom_qty": 5.0, "quantity": 5.0, "write_date": false})),
        ];
        let mos = [
            record(json!({"id": 10, "name": "WH/MO/00010", "date_start": "2026-12-05 08:00:00", "state": "confirmed",
                          "components_availability_state": "late", "product_id": [700, "Gearbox GB-220"], "product_qty": 20.0,
                          "write_date": "2026-11-30 10:00:00"})),
            record(json!({"id": 11, "name": "WH/MO/00011", "date_start": "2026-12-01 08:00:00", "state": "done",
                          "components_availability_state": false, "product_id": [700, "Gearbox GB-220"], "product_qty": 2.0,
                          "write_date": false})),
        ];
        let products = HashMap::from([(501, 7)]);
        let pulled = assemble(&moves, &mos, &products).unwrap();
        assert_eq!(pulled.len(), 1);
        let mo = &pulled[0];
        assert_eq!((mo.odoo_id, mo.name.as_str(), mo.product_name.as_str()), (10, "WH/MO/00010", "Gearbox GB-220"));
        assert_eq!(mo.availability.as_deref(), Some("late"));
        assert_eq!(mo.components.len(), 1);
        assert_eq!((mo.components[0].product_id, mo.components[0].needed), (7, 40.0));
    }

    #[test]
    fn an_mo_without_a_start_is_refused() {
        let mos = [record(json!({"id": 10, "name": "X", "date_start": false, "state": "confirmed"}))];
        assert!(assemble(&[], &mos, &HashMap::new()).unwrap_err().contains("date_start"));
    }
}
