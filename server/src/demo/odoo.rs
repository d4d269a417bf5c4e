//! The Odoo side of the demo: a simulator on a loopback port holding the same vendors, products,
//! vendor pricelists and POs as the portal, each supplier bound to its own bot user. Run at every
//! `supplyline demo` start, so the portal and this (in-memory) Odoo agree again after a restart.

use std::collections::HashMap;
use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use odoo_sim::{NewPoLine, OdooVersion, SimConfig, Simulator};

use crate::db::{Db, DbError, Executor, Sql};
use crate::secret::{MasterKeys, Secret};
use crate::sync::connection::{self, BindingError};

pub struct DemoOdoo {
    pub simulator: Simulator,
    pub addr: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoOdooError {
    #[error("the Odoo simulator cannot listen: {0}")]
    Listen(std::io::Error),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Binding(#[from] BindingError),
}

#[derive(sqlx::FromRow)]
struct SupplierRow {
    id: i64,
    name: String,
    email: Option<String>,
    odoo_connection_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: i64,
    default_code: Option<String>,
    name: String,
    tracking: String,
    uom: String,
}

#[derive(sqlx::FromRow)]
struct SupplierProductRow {
    id: i64,
    supplier_id: i64,
    product_id: i64,
    supplier_code: Option<String>,
    lead_time_days: i64,
    price: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct PoRow {
    id: i64,
    supplier_id: i64,
    state: String,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    purchase_order_id: i64,
    product_id: i64,
    quantity: f64,
    price_unit: f64,
    requested_date: DateTime<Utc>,
}

/// Starts the simulator on `listen` and mirrors the portal's demo data into it, linking every
/// canonical record to its Odoo id, binding each supplier to its own bot key, and pointing Odoo's
/// PO webhook at `portal`.
pub async fn start(db: &Db, keys: &MasterKeys, listen: &str, portal: SocketAddr) -> Result<DemoOdoo, DemoOdooError> {
    let simulator =
        Simulator::new(SimConfig { version: OdooVersion::V19, database: "brightwell".into(), stock_delivery: true });
    let addr = simulator.spawn(listen).await.map_err(DemoOdooError::Listen)?;
    let exec = || db.exec();
    let suppliers: Vec<SupplierRow> =
        exec().fetch_all(Sql::new("SELECT id, name, email, odoo_connection_id FROM supplier ORDER BY id")).await?;
    let Some(connection_id) = suppliers.iter().find_map(|s| s.odoo_connection_id) else {
        return Ok(DemoOdoo { simulator, addr });
    };
    exec()
        .execute(
            Sql::new("UPDATE odoo_connection SET base_url = $1, database = 'brightwell' WHERE id = $2")
                .bind(format!("http://{addr}"))
                .bind(connection_id),
        )
        .await?;
    // Odoo ids are the simulator's now: clear the old ones first so no unique key collides meanwhile.
    for clear in [
        "UPDATE purchase_order_line SET odoo_id = NULL WHERE purchase_order_id IN (SELECT id FROM purchase_order WHERE odoo_connection_id = $1)",
        "UPDATE purchase_order SET odoo_id = NULL WHERE odoo_connection_id = $1",
        "UPDATE supplier_product SET odoo_id = NULL WHERE supplier_id IN (SELECT id FROM supplier WHERE odoo_connection_id = $1)",
        "UPDATE product SET odoo_id = NULL WHERE odoo_connection_id = $1",
        "UPDATE supplier SET odoo_partner_id = NULL WHERE odoo_connection_id = $1",
        "DELETE FROM sync_cursor WHERE supplier_id IN (SELECT id FROM supplier WHERE odoo_connection_id = $1)",
    ] {
        exec().execute(Sql::new(clear).bind(connection_id)).await?;
    }

    let mut vendors = HashMap::new();
    for s in &suppliers {
        let vendor = simulator.create_vendor(&s.name, s.email.as_deref());
        let login = format!("bot-{}", s.id);
        let (_, key) = simulator.create_bot_user(vendor, &login);
        connection::bind(db, keys, connection_id, Some(s.id), Some(vendor), &login, &Secret::new(key), None).await?;
        vendors.insert(s.id, vendor);
    }
    let products: Vec<ProductRow> = exec()
        .fetch_all(Sql::new("SELECT p.id, p.default_code, p.name, p.tracking, u.name AS uom FROM product p JOIN uom u ON u.id = p.uom_id ORDER BY p.id"))
        .await?;
    let mut odoo_products = HashMap::new();
    for p in &products {
        let odoo_id = simulator.create_product(p.default_code.as_deref().unwrap_or(""), &p.name, &p.tracking, &p.uom);
        exec().execute(Sql::new("UPDATE product SET odoo_id = $1 WHERE id = $2").bind(odoo_id).bind(p.id)).await?;
        odoo_products.insert(p.id, odoo_id);
    }
    let infos: Vec<SupplierProductRow> = exec()
        .fetch_all(Sql::new("SELECT id, supplier_id, product_id, supplier_code, lead_time_days, price FROM supplier_product ORDER BY id"))
        .await?;
    for i in &infos {
        let odoo_id = simulator.create_supplierinfo(
            vendors[&i.supplier_id],
            odoo_products[&i.product_id],
            i.supplier_code.as_deref(),
            i.lead_time_days,
            i.price.unwrap_or(0.0),
        );
        exec()
            .execute(Sql::new("UPDATE supplier_product SET odoo_id = $1 WHERE id = $2").bind(odoo_id).bind(i.id))
            .await?;
    }
    let pos: Vec<PoRow> =
        exec().fetch_all(Sql::new("SELECT id, supplier_id, state FROM purchase_order ORDER BY id")).await?;
    let lines: Vec<LineRow> = exec()
        .fetch_all(Sql::new("SELECT id, purchase_order_id, product_id, quantity, price_unit, requested_date FROM purchase_order_line ORDER BY purchase_order_id, line_no"))
        .await?;
    for po in &pos {
        let mine: Vec<&LineRow> = lines.iter().filter(|l| l.purchase_order_id == po.id).collect();
        let new_lines: Vec<NewPoLine> = mine
            .iter()
            .map(|l| NewPoLine {
                product_id: odoo_products[&l.product_id],
                qty: l.quantity,
                price_unit: l.price_unit,
                date_planned: l.requested_date,
            })
            .collect();
        let confirm = matches!(po.state.as_str(), "purchase" | "done");
        let odoo_id = simulator.create_purchase_order(vendors[&po.supplier_id], &new_lines, confirm);
        let record = simulator.read_record("purchase.order", odoo_id).unwrap_or_default();
        let write_date =
            record.get("write_date").and_then(|v| v.as_str()).and_then(crate::sync::record::parse_datetime);
        exec()
            .execute(
                Sql::new("UPDATE purchase_order SET odoo_id = $1, odoo_write_date = $2 WHERE id = $3")
                    .bind(odoo_id)
                    .bind(write_date)
                    .bind(po.id),
            )
            .await?;
        let line_ids = simulator.search_ids("purchase.order.line", serde_json::json!([["order_id", "=", odoo_id]]));
        for (line, odoo_line) in mine.iter().zip(line_ids) {
            exec()
                .execute(
                    Sql::new("UPDATE purchase_order_line SET odoo_id = $1 WHERE id = $2").bind(odoo_line).bind(line.id),
                )
                .await?;
        }
    }
    manufacturing_orders(db, &simulator, connection_id, keys, &odoo_products).await?;
    // Last, so mirroring the demo data does not send a webhook per record.
    let secret = connection::rotate_webhook_secret(db, connection_id).await?;
    simulator.add_webhook(
        "purchase.order",
        &format!("http://{portal}/hooks/odoo/{secret}"),
        &["name", "partner_id", "state", "order_line", "write_date"],
    );
    Ok(DemoOdoo { simulator, addr })
}

/// The read-only planning user, and the MOs that need the demo's late parts: one starting between
/// the seal ring's required and accepted dates, one after (not endangered), and one needing the
/// housings before their shipment arrives. The MO pull brings them into the portal.
async fn manufacturing_orders(
    db: &Db,
    simulator: &Simulator,
    connection_id: i64,
    keys: &MasterKeys,
    odoo_products: &HashMap<i64, i64>,
) -> Result<(), DemoOdooError> {
    let (_, key) = simulator.create_planning_user("planning");
    connection::bind(db, keys, connection_id, None, None, "planning", &Secret::new(key), None).await?;
    #[derive(sqlx::FromRow)]
    struct Late {
        product_id: i64,
        required: DateTime<Utc>,
        expected: DateTime<Utc>,
    }
    let late: Vec<Late> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT l.product_id, COALESCE(l.required_date, l.requested_date) AS required,
                    COALESCE((SELECT MAX(a.eta) FROM asn_line al JOIN asn a ON a.id = al.asn_id
                               WHERE al.purchase_order_line_id = l.id AND a.status = 'submitted'), l.requested_date) AS expected
               FROM purchase_order_line l JOIN product p ON p.id = l.product_id JOIN purchase_order po ON po.id = l.purchase_order_id
              WHERE p.default_code IN ('PLY-SEAL-NBR', 'CST-HSG-220') AND po.state = 'purchase'
                AND (l.required_date IS NOT NULL OR EXISTS (SELECT 1 FROM asn_line al WHERE al.purchase_order_line_id = l.id))
              ORDER BY l.id",
        ))
        .await?;
    if late.is_empty() {
        return Ok(());
    }
    let gearbox = simulator.create_product("GB-220", "Gearbox GB-220, assembled", "serial", "Units");
    for l in late {
        let Some(&component) = odoo_products.get(&l.product_id) else { continue };
        let quantity = if l.expected - l.required > chrono::Duration::days(10) { 400.0 } else { 20.0 };
        simulator.create_manufacturing_order(
            gearbox,
            20.0,
            l.required + chrono::Duration::days(2),
            &[(component, quantity)],
        );
        simulator.create_manufacturing_order(
            gearbox,
            20.0,
            l.expected + chrono::Duration::days(10),
            &[(component, quantity)],
        );
    }
    Ok(())
}
