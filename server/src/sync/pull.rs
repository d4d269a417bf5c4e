//! Odoo → portal under each supplier's own key: the incremental pull by `write_date` cursor (Tier 2),
//! the targeted refresh a webhook hint asks for (Tier 1). Network calls happen first; each PO is then
//! written in its own short transaction.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::config::SyncConfig;
use super::connection::{BindingError, Clients};
use super::import::{import_order, Imported, Refs};
use super::push::odoo_datetime;
use super::record::{self, line_fields, order_fields, OdooLine, OdooOrder};
use crate::db::{Db, DbError, Executor, Sql};
use crate::odoo::{OdooClient, OdooError};

/// How far Odoo's clock may run ahead of ours without a pull missing a change made during a scan.
const CLOCK_SKEW_MARGIN_SECS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Binding(#[from] BindingError),
    #[error(transparent)]
    Odoo(#[from] OdooError),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("Odoo sent a record we cannot read: {0}")]
    Record(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// The POs that changed, with what happened: the reconciliation report's detail.
    pub changed: Vec<(String, Imported)>,
    /// Odoo ids asked for that Odoo did not return (deleted, or no longer visible to the key).
    pub missing: Vec<i64>,
    pub seen: usize,
    pub created: usize,
    pub revised: usize,
    pub updated: usize,
    /// Records of another vendor that this supplier's key could read: a misconfigured record rule.
    pub foreign: usize,
}

impl PullReport {
    pub fn merge(&mut self, other: PullReport) {
        self.seen += other.seen;
        self.created += other.created;
        self.revised += other.revised;
        self.updated += other.updated;
        self.foreign += other.foreign;
        self.changed.extend(other.changed);
        self.missing.extend(other.missing);
    }

    fn add(&mut self, imported: Imported) {
        self.seen += 1;
        match imported {
            Imported::Created => self.created += 1,
            Imported::Revised => self.revised += 1,
            Imported::Updated => self.updated += 1,
            Imported::Unchanged => {}
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct SupplierRow {
    odoo_connection_id: Option<i64>,
    odoo_partner_id: Option<i64>,
    code: String,
}

async fn supplier(db: &Db, supplier_id: i64) -> Result<SupplierRow, PullError> {
    db.exec()
        .fetch_optional(
            Sql::new("SELECT odoo_connection_id, odoo_partner_id, code FROM supplier WHERE id = $1").bind(supplier_id),
        )
        .await?
        .ok_or(PullError::Binding(BindingError::Unbound(supplier_id)))
}

/// Suppliers that have an Odoo key: the ones to pull for.
pub async fn bound_suppliers(db: &Db) -> Result<Vec<i64>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Id {
        supplier_id: i64,
    }
    let rows: Vec<Id> = db
        .exec()
        .fetch_all(Sql::new("SELECT supplier_id FROM odoo_credential WHERE purpose = 'supplier' AND supplier_id IS NOT NULL ORDER BY supplier_id"))
        .await?;
    Ok(rows.into_iter().map(|r| r.supplier_id).collect())
}

/// Pulls every PO (and PO line) changed since the cursor, re-reading `overlap` seconds because
/// RPC `write_date` has whole seconds; advances the cursor only after everything is stored.
pub async fn pull_supplier(clients: &Clients, supplier_id: i64, config: &SyncConfig) -> Result<PullReport, PullError> {
    let db = clients.db();
    let odoo = clients.for_supplier(supplier_id).await?;
    let cursor = read_cursor(db, supplier_id).await?;
    let since = cursor.map(|c| c - chrono::Duration::seconds(config.pull_overlap_secs));
    let domain = match since {
        Some(at) => json!([["write_date", ">=", odoo_datetime(at)]]),
        None => json!([]),
    };
    let mut changed: BTreeSet<i64> = BTreeSet::new();
    let mut newest = cursor;
    // A record changed while we page moves to the end and may be skipped by the offset paging; its new
    // write_date is after the scan began, so the next pull must start no later than that.
    let scan_started = Utc::now() - chrono::Duration::seconds(CLOCK_SKEW_MARGIN_SECS);
    for model in ["purchase.order", "purchase.order.line"] {
        let mut offset = 0;
        loop {
            let mut kwargs = serde_json::Map::new();
            kwargs.insert("domain".into(), domain.clone());
            kwargs.insert(
                "fields".into(),
                json!(if model == "purchase.order" { vec!["write_date"] } else { vec!["order_id", "write_date"] }),
            );
            kwargs.insert("order".into(), json!("write_date asc, id asc"));
            kwargs.insert("limit".into(), json!(config.pull_page_size));
            kwargs.insert("offset".into(), json!(offset));
            let page = match odoo.call(model, "search_read", None, kwargs).await? {
                Value::Array(page) => page,
                _ => return Err(PullError::Record(format!("{model}.search_read did not answer a list"))),
            };
            for item in &page {
                let Some(item) = item.as_object() else { continue };
                let po = if model == "purchase.order" {
                    item.get("id").and_then(Value::as_i64)
                } else {
                    record::many2one(item, "order_id").map(|m| m.0)
                };
                changed.extend(po);
                newest = newest.max(record::datetime(item, "write_date"));
            }
            if page.len() < config.pull_page_size {
                break;
            }
            offset += page.len();
        }
    }
    let ids: Vec<i64> = changed.into_iter().collect();
    let mut report = PullReport::default();
    for chunk in ids.chunks(config.pull_page_size) {
        report.merge(refresh_orders(clients, supplier_id, chunk).await?);
    }
    // Never past the scan's start, never back behind the previous cursor.
    let newest = newest.map(|seen| seen.min(scan_started)).max(cursor);
    write_cursor(db, supplier_id, newest, report.seen as i64).await?;
    Ok(report)
}

/// Reads these POs (and all their lines) from Odoo under the supplier's key and stores them. Ids
/// the key cannot see are simply not returned by Odoo: a hint can never import a record the
/// supplier's own rules do not show.
pub async fn refresh_orders(clients: &Clients, supplier_id: i64, odoo_ids: &[i64]) -> Result<PullReport, PullError> {
    let db = clients.db();
    let odoo = clients.for_supplier(supplier_id).await?;
    let supplier = supplier(db, supplier_id).await?;
    let connection_id = supplier.odoo_connection_id.ok_or(PullError::Binding(BindingError::Unbound(supplier_id)))?;
    let names = odoo.version().fields();
    let mut report = PullReport::default();
    if odoo_ids.is_empty() {
        return Ok(report);
    }
    let orders = odoo
        .search_read("purchase.order", json!([["id", "in", odoo_ids]]), &order_fields(names), Some("id asc"), None)
        .await?;
    let orders: Vec<OdooOrder> =
        orders.iter().map(|o| OdooOrder::parse(o, names)).collect::<Result<_, _>>().map_err(PullError::Record)?;
    let (orders, foreign): (Vec<OdooOrder>, Vec<OdooOrder>) =
        orders.into_iter().partition(|o| supplier.odoo_partner_id.is_none_or(|p| p == o.partner_id));
    for order in &foreign {
        tracing::warn!(supplier = %supplier.code, odoo.model = "purchase.order", odoo.id = order.id, vendor = order.partner_id,
            "this supplier's Odoo key can read another vendor's PO; ignored — tighten the bot's record rules");
    }
    report.foreign = foreign.len();
    let foreign_ids: Vec<i64> = foreign.iter().map(|o| o.id).collect();
    let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    if order_ids.is_empty() {
        report.missing = odoo_ids.iter().copied().filter(|id| !foreign_ids.contains(id)).collect();
        return Ok(report);
    }
    let raw_lines = odoo
        .search_read(
            "purchase.order.line",
            json!([["order_id", "in", order_ids]]),
            &line_fields(names),
            Some("id asc"),
            None,
        )
        .await?;
    let mut lines: HashMap<i64, Vec<OdooLine>> = HashMap::new();
    for raw in &raw_lines {
        if let Some(line) = OdooLine::parse(raw, names).map_err(PullError::Record)? {
            lines.entry(line.order_id).or_default().push(line);
        }
    }
    let all_lines: Vec<&OdooLine> = lines.values().flatten().collect();
    let refs = resolve_refs(db, &odoo, connection_id, &all_lines).await?;
    for order in &orders {
        let mut tx = db.begin().await?;
        let imported = import_order(
            &mut tx,
            connection_id,
            supplier_id,
            order,
            lines.get(&order.id).map(Vec::as_slice).unwrap_or(&[]),
            &refs,
        )
        .await?;
        tx.commit().await?;
        if imported != Imported::Unchanged {
            tracing::info!(supplier = %supplier.code, odoo.model = "purchase.order", odoo.id = order.id, po = %order.name, outcome = ?imported, "imported from Odoo");
        }
        if imported != Imported::Unchanged {
            report.changed.push((order.name.clone(), imported));
        }
        report.add(imported);
    }
    report.missing =
        odoo_ids.iter().copied().filter(|id| !order_ids.contains(id) && !foreign_ids.contains(id)).collect();
    Ok(report)
}

/// Canonical ids of the products and units the lines name, creating those we have not seen.
async fn resolve_refs(db: &Db, odoo: &OdooClient, connection_id: i64, lines: &[&OdooLine]) -> Result<Refs, PullError> {
    let mut uoms = HashMap::new();
    for line in lines {
        if let std::collections::hash_map::Entry::Vacant(slot) = uoms.entry(line.uom_id) {
            slot.insert(ensure_uom(db, connection_id, line.uom_id, &line.uom_name).await?);
        }
    }
    let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products = ensure_products(db, odoo, connection_id, &product_ids).await?;
    Ok(Refs { products, uoms })
}

#[derive(sqlx::FromRow)]
struct Known {
    id: i64,
}

async fn ensure_uom(db: &Db, connection_id: i64, odoo_id: i64, name: &str) -> Result<i64, DbError> {
    let known: Option<Known> = db
        .exec()
        .fetch_optional(
            Sql::new("SELECT id FROM uom WHERE odoo_connection_id = $1 AND odoo_id = $2")
                .bind(connection_id)
                .bind(odoo_id),
        )
        .await?;
    if let Some(k) = known {
        return Ok(k.id);
    }
    let row: Known = db
        .exec()
        .fetch_one(
            Sql::new("INSERT INTO uom (name, category, factor, rounding, odoo_connection_id, odoo_id) VALUES ($1, 'Odoo', 1.0, 0.01, $2, $3) RETURNING id")
                .bind(name)
                .bind(connection_id)
                .bind(odoo_id),
        )
        .await?;
    Ok(row.id)
}

/// Canonical ids of these Odoo products, reading the ones we have not seen from Odoo.
pub(crate) async fn ensure_products(
    db: &Db,
    odoo: &OdooClient,
    connection_id: i64,
    odoo_ids: &[i64],
) -> Result<HashMap<i64, i64>, PullError> {
    let mut products = HashMap::new();
    let mut missing = Vec::new();
    for &odoo_id in odoo_ids {
        if products.contains_key(&odoo_id) || missing.contains(&odoo_id) {
            continue;
        }
        let known: Option<Known> = db
            .exec()
            .fetch_optional(
                Sql::new("SELECT id FROM product WHERE odoo_connection_id = $1 AND odoo_id = $2")
                    .bind(connection_id)
                    .bind(odoo_id),
            )
            .await?;
        match known {
            Some(k) => {
                products.insert(odoo_id, k.id);
            }
            None => missing.push(odoo_id),
        }
    }
    if missing.is_empty() {
        return Ok(products);
    }
    for product in odoo.read("product.product", &missing, &["default_code", "name", "tracking", "uom_id"]).await? {
        let odoo_id = product
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| PullError::Record("a product without id".into()))?;
        let (uom_odoo, uom_name) = record::many2one(&product, "uom_id")
            .ok_or_else(|| PullError::Record(format!("product.product {odoo_id} has no unit")))?;
        let uom = ensure_uom(db, connection_id, uom_odoo, &uom_name).await?;
        let tracking = match record::text(&product, "tracking").as_deref() {
            Some("lot") => "lot",
            Some("serial") => "serial",
            _ => "none",
        };
        let row: Known = db
            .exec()
            .fetch_one(
                Sql::new("INSERT INTO product (default_code, name, tracking, uom_id, odoo_connection_id, odoo_id, odoo_write_date) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(record::text(&product, "default_code"))
                    .bind(record::text(&product, "name").unwrap_or_default())
                    .bind(tracking)
                    .bind(uom)
                    .bind(connection_id)
                    .bind(odoo_id)
                    .bind(Utc::now()),
            )
            .await?;
        products.insert(odoo_id, row.id);
    }
    if let Some(absent) = missing.iter().find(|id| !products.contains_key(id)) {
        return Err(PullError::Record(format!(
            "product.product {absent} is referenced but cannot be read with this key"
        )));
    }
    Ok(products)
}

/// The supplier's vendor pricelist lines (`product.supplierinfo`): its codes and lead times. Lines
/// for a template without a single variant (`product_id` false, as 17 leaves it) take the variant.
pub async fn pull_supplier_products(clients: &Clients, supplier_id: i64) -> Result<usize, PullError> {
    let db = clients.db();
    let odoo = clients.for_supplier(supplier_id).await?;
    let supplier = supplier(db, supplier_id).await?;
    let connection_id = supplier.odoo_connection_id.ok_or(PullError::Binding(BindingError::Unbound(supplier_id)))?;
    let mut domain = json!([]);
    if let Some(vendor) = supplier.odoo_partner_id {
        domain = json!([["partner_id", "child_of", vendor]]);
    }
    let fields =
        ["product_id", "product_tmpl_id", "product_code", "product_name", "delay", "min_qty", "price", "write_date"];
    let infos = odoo.search_read("product.supplierinfo", domain, &fields, Some("id asc"), None).await?;
    let mut templates = Vec::new();
    for info in &infos {
        if record::many2one(info, "product_id").is_none() {
            templates.extend(record::many2one(info, "product_tmpl_id").map(|t| t.0));
        }
    }
    let mut variant_of = HashMap::new();
    if !templates.is_empty() {
        for variant in odoo
            .search_read(
                "product.product",
                json!([["product_tmpl_id", "in", templates]]),
                &["product_tmpl_id"],
                Some("id asc"),
                None,
            )
            .await?
        {
            if let (Some(id), Some((tmpl, _))) =
                (variant.get("id").and_then(Value::as_i64), record::many2one(&variant, "product_tmpl_id"))
            {
                variant_of.entry(tmpl).or_insert(id);
            }
        }
    }
    let product_of = |info: &serde_json::Map<String, Value>| {
        record::many2one(info, "product_id")
            .map(|p| p.0)
            .or_else(|| record::many2one(info, "product_tmpl_id").and_then(|t| variant_of.get(&t.0).copied()))
    };
    let odoo_products: Vec<i64> = infos.iter().filter_map(product_of).collect();
    let products = ensure_products(db, &odoo, connection_id, &odoo_products).await?;
    let mut stored = 0;
    for info in &infos {
        let (Some(odoo_id), Some(product)) = (info.get("id").and_then(Value::as_i64), product_of(info)) else {
            continue;
        };
        db.exec()
            .execute(
                Sql::new(
                    "INSERT INTO supplier_product (supplier_id, product_id, supplier_code, supplier_name, lead_time_days, min_qty, price, odoo_id, odoo_write_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (supplier_id, product_id) DO UPDATE SET supplier_code = excluded.supplier_code,
                       supplier_name = excluded.supplier_name, lead_time_days = excluded.lead_time_days, min_qty = excluded.min_qty,
                       price = excluded.price, odoo_id = excluded.odoo_id, odoo_write_date = excluded.odoo_write_date",
                )
                .bind(supplier_id)
                .bind(products[&product])
                .bind(record::text(info, "product_code").filter(|c| !c.is_empty()))
                .bind(record::text(info, "product_name").filter(|c| !c.is_empty()))
                .bind(info.get("delay").and_then(Value::as_i64).unwrap_or(0).max(0))
                .bind(record::float(info, "min_qty"))
                .bind(record::float(info, "price"))
                .bind(odoo_id)
                .bind(record::datetime(info, "write_date")),
            )
            .await?;
        stored += 1;
    }
    Ok(stored)
}

async fn read_cursor(db: &Db, supplier_id: i64) -> Result<Option<DateTime<Utc>>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Cursor {
        last_write_date: Option<DateTime<Utc>>,
    }
    let row: Option<Cursor> = db
        .exec()
        .fetch_optional(
            Sql::new("SELECT last_write_date FROM sync_cursor WHERE supplier_id = $1 AND model = 'purchase.order'")
                .bind(supplier_id),
        )
        .await?;
    Ok(row.and_then(|r| r.last_write_date))
}

async fn write_cursor(db: &Db, supplier_id: i64, newest: Option<DateTime<Utc>>, seen: i64) -> Result<(), DbError> {
    db.exec()
        .execute(
            Sql::new(
                "INSERT INTO sync_cursor (supplier_id, model, last_write_date, last_run_at, last_error, records_seen)
                 VALUES ($1, 'purchase.order', $2, $3, NULL, $4)
                 ON CONFLICT (supplier_id, model) DO UPDATE SET last_write_date = excluded.last_write_date,
                   last_run_at = excluded.last_run_at, last_error = NULL, records_seen = sync_cursor.records_seen + excluded.records_seen",
            )
            .bind(supplier_id)
            .bind(newest)
            .bind(Utc::now())
            .bind(seen),
        )
        .await
        .map(drop)
}

/// Records a failed pull on the cursor row, for the ops page.
pub async fn record_pull_error(db: &Db, supplier_id: i64, error: &str) -> Result<(), DbError> {
    db.exec()
        .execute(
            Sql::new(
                "INSERT INTO sync_cursor (supplier_id, model, last_run_at, last_error, records_seen) VALUES ($1, 'purchase.order', $2, $3, 0)
                 ON CONFLICT (supplier_id, model) DO UPDATE SET last_run_at = excluded.last_run_at, last_error = excluded.last_error",
            )
            .bind(supplier_id)
            .bind(Utc::now())
            .bind(error),
        )
        .await
        .map(drop)
}
