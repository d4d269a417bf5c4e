//! Model definitions and their behaviour, one module per Odoo application.

pub mod base;
pub mod mrp;
pub mod product;
pub mod purchase;
pub mod quality;
pub mod security;
pub mod stock;

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::orm::Env;
use crate::schema::Schema;
use crate::store::Store;
use crate::OdooVersion;

pub fn build_schema(v: OdooVersion, stock_delivery: bool) -> Schema {
    let mut s = Schema::default();
    base::register(&mut s, v);
    product::register(&mut s, v);
    purchase::register(&mut s, v);
    stock::register(&mut s, v, stock_delivery);
    mrp::register(&mut s, v);
    quality::register(&mut s);
    security::register(&mut s, v);
    s
}

/// Non-stored computed fields.
pub fn compute(st: &Store, model: &str, id: i64, field: &str) -> Value {
    if field == "display_name" {
        return json!(display_name(st, model, id));
    }
    base::compute(st, model, id, field)
        .or_else(|| purchase::compute(st, model, id, field))
        .or_else(|| stock::compute(st, model, id, field))
        .or_else(|| mrp::compute(st, model, id, field))
        .or_else(|| quality::compute(st, model, id, field))
        .or_else(|| security::compute(st, model, id, field))
        .unwrap_or(Value::Bool(false))
}

pub fn display_name(st: &Store, model: &str, id: i64) -> String {
    base::display_name(st, model, id)
        .or_else(|| product::display_name(st, model, id))
        .or_else(|| stock::display_name(st, model, id))
        .or_else(|| st.str_of(model, id, "name"))
        .unwrap_or_else(|| format!("{model},{id}"))
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    base::prepare_create(env, model, vals);
    product::prepare_create(env, model, vals)?;
    purchase::prepare_create(env, model, vals)?;
    stock::prepare_create(env, model, vals)?;
    mrp::prepare_create(env, model, vals)?;
    quality::prepare_create(env, model, vals);
    security::prepare_create(env, model, vals)?;
    Ok(())
}

pub fn after_create(env: &mut Env, model: &str, id: i64) -> Result<()> {
    product::after_create(env, model, id)?;
    purchase::after_create(env, model, id)?;
    security::after_create(env, model, id);
    stock::after_create(env, model, id)
}

pub fn before_write(env: &mut Env, model: &str, ids: &[i64], vals: Map<String, Value>) -> Result<Map<String, Value>> {
    purchase::before_write(env, model, ids, &vals)?;
    security::before_write(model, &vals)?;
    let vals = product::before_write(env, model, ids, vals)?;
    stock::before_write(env, model, ids, vals)
}

pub fn after_write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> Result<()> {
    purchase::after_write(env, model, ids, vals)?;
    stock::after_write(env, model, ids, vals)
}

pub fn before_unlink(env: &Env, model: &str, ids: &[i64]) -> Result<()> {
    purchase::before_unlink(env, model, ids)?;
    stock::before_unlink(env, model, ids)
}

/// The records every fresh database has: company, currency, units, groups, users 1 and 2, warehouse locations
/// and operation types, mail subtypes, a carrier (stock_delivery) and an OCA QC test.
pub fn seed_base(env: &mut Env) -> Result<()> {
    let mk = |env: &mut Env, model: &str, xmlid: &'static str, vals: Value| -> Result<i64> {
        let id = env.create_su(model, vals.as_object().cloned().unwrap_or_default())?;
        if !xmlid.is_empty() {
            env.st.xmlids.insert(xmlid, id);
            security::record_xmlid(env, xmlid, model, id)?;
        }
        Ok(id)
    };
    let v = env.version();
    mk(env, "res.currency", "base.main_currency", json!({"name": "USD", "symbol": "$"}))?;
    let company_partner =
        mk(env, "res.partner", "base.main_partner", json!({"name": "YourCompany", "is_company": true}))?;
    mk(
        env,
        "res.company",
        "base.main_company",
        json!({"name": "YourCompany", "partner_id": company_partner, "currency_id": 1}),
    )?;
    let bot_partner = mk(env, "res.partner", "base.partner_root", json!({"name": "OdooBot"}))?;
    let admin_partner = mk(
        env,
        "res.partner",
        "base.partner_admin",
        json!({"name": "Mitchell Admin", "email": "admin@yourcompany.example.com"}),
    )?;
    for (xmlid, name) in [
        ("base.group_user", "Internal User"),
        ("base.group_portal", "Portal"),
        ("base.group_system", "Settings"),
        ("supplyline.group_supplier_sync", "Supplier sync"),
        ("supplyline.group_planning", "Planning (read-only)"),
    ] {
        mk(env, "res.groups", xmlid, json!({"name": name}))?;
    }
    let gf = base::groups_field(v);
    let admin_groups = json!([env.st.xmlid("base.group_user"), env.st.xmlid("base.group_system")]);
    mk(
        env,
        "res.users",
        "base.user_root",
        json!({"name": "OdooBot", "login": "__system__", "partner_id": bot_partner, "active": false}),
    )?;
    let mut admin = json!({"name": "Mitchell Admin", "login": "admin", "partner_id": admin_partner});
    admin[gf] = admin_groups;
    mk(env, "res.users", "base.user_admin", admin)?;
    mk(env, "uom.uom", "uom.product_uom_unit", json!({"name": "Units"}))?;
    mk(env, "uom.uom", "uom.product_uom_dozen", json!({"name": "Dozens", "factor": 1.0 / 12.0}))?;
    mk(env, "uom.uom", "uom.product_uom_kgm", json!({"name": "kg"}))?;
    mk(env, "uom.uom", "uom.product_uom_meter", json!({"name": "m"}))?;
    mk(env, "uom.uom", "uom.product_uom_litre", json!({"name": "L"}))?;
    mk(env, "mail.message.subtype", "mail.mt_comment", json!({"name": "Discussions"}))?;
    mk(env, "mail.message.subtype", "mail.mt_note", json!({"name": "Note", "internal": true}))?;
    let partners = mk(
        env,
        "stock.location",
        "stock.stock_location_locations_partner",
        json!({"name": "Partners", "usage": "view"}),
    )?;
    let vendors = mk(
        env,
        "stock.location",
        "stock.stock_location_suppliers",
        json!({"name": "Vendors", "usage": "supplier", "location_id": partners}),
    )?;
    let wh = mk(env, "stock.location", "stock.warehouse0_view", json!({"name": "WH", "usage": "view"}))?;
    let stock = mk(
        env,
        "stock.location",
        "stock.stock_location_stock",
        json!({"name": "Stock", "usage": "internal", "location_id": wh}),
    )?;
    let qc = mk(
        env,
        "stock.location",
        "stock.location_qc",
        json!({"name": "Quality Control", "usage": "internal", "location_id": wh}),
    )?;
    let virt = mk(env, "stock.location", "", json!({"name": "Virtual Locations", "usage": "view"}))?;
    let prod = mk(
        env,
        "stock.location",
        "stock.location_production",
        json!({"name": "Production", "usage": "production", "location_id": virt}),
    )?;
    mk(
        env,
        "stock.picking.type",
        "stock.picking_type_in",
        json!({"name": "Receipts", "code": "incoming", "sequence_code": "IN", "default_location_src_id": vendors, "default_location_dest_id": stock}),
    )?;
    mk(
        env,
        "stock.picking.type",
        "stock.picking_type_qc",
        json!({"name": "Quality Control", "code": "internal", "sequence_code": "QC", "default_location_src_id": qc, "default_location_dest_id": stock}),
    )?;
    mk(
        env,
        "stock.picking.type",
        "mrp.picking_type_manufacturing",
        json!({"name": "Manufacturing", "code": "mrp_operation", "sequence_code": "MO", "default_location_src_id": stock, "default_location_dest_id": prod}),
    )?;
    if env.st.stock_delivery {
        mk(env, "delivery.carrier", "delivery.free_delivery_carrier", json!({"name": "Free delivery charges"}))?;
    }
    mk(env, "qc.test", "quality_control_oca.qc_test_1", json!({"name": "Generic incoming inspection"}))?;
    security::seed(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_orders_and_relations_name_real_fields() {
        for v in [OdooVersion::V17, OdooVersion::V18, OdooVersion::V19] {
            let s = build_schema(v, true);
            for m in s.models.values() {
                for part in m.order.split(',') {
                    let f = part.split_whitespace().next().unwrap();
                    assert!(m.field(f).is_some(), "{v} {}: order field {f}", m.name);
                }
                for f in &m.fields {
                    if let crate::schema::Kind::One2many(comodel, inverse) = &f.kind {
                        assert!(s.field(comodel, inverse).is_some(), "{v} {}.{}", m.name, f.name);
                    }
                }
            }
        }
    }
}
