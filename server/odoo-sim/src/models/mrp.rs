//! mrp.production with component moves and the component availability a late delivery changes (§6.8).

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::orm::Env;
use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::Store;
use crate::OdooVersion;

pub fn register(s: &mut Schema, v: OdooVersion) {
    let mut mo =
        ModelDef::new("mrp.production", "Production Order").order("priority desc, date_start asc, id").with(vec![
            field("name", "Reference", Char).required(),
            field("origin", "Source", Char),
            field("priority", "Priority", sel(&[("0", "Normal"), ("1", "Urgent")])),
            field("product_id", "Product", Many2one("product.product")).required(),
            field("product_qty", "Quantity To Produce", Float).required(),
            field("product_uom_id", "Product Unit of Measure", Many2one("uom.uom")).required(),
            field("bom_id", "Bill of Material", Many2one("mrp.bom")),
            field(
                "state",
                "State",
                sel(&[
                    ("draft", "Draft"),
                    ("confirmed", "Confirmed"),
                    ("progress", "In Progress"),
                    ("to_close", "To Close"),
                    ("done", "Done"),
                    ("cancel", "Cancelled"),
                ]),
            ),
            field("date_start", "Start", Datetime).required(),
            field("date_finished", "End", Datetime),
            field("date_deadline", "Deadline", Datetime),
            field("move_raw_ids", "Components", One2many("stock.move", "raw_material_production_id")),
            field("move_finished_ids", "Finished Products", One2many("stock.move", "production_id")),
            field("components_availability", "Component Status", Char).computed(),
            field(
                "components_availability_state",
                "Components Availability State",
                sel(&[
                    ("available", "Available"),
                    ("expected", "Expected"),
                    ("late", "Late"),
                    ("unavailable", "Not Available"),
                ]),
            )
            .computed(),
            field(
                "reservation_state",
                "MO Readiness",
                sel(&[("confirmed", "Waiting"), ("assigned", "Ready"), ("waiting", "Waiting Another Operation")]),
            )
            .computed(),
            field("delay_alert_date", "Delay Alert Date", Datetime).computed(),
            field("purchase_order_count", "Count of generated PO", Integer).computed(),
            field("company_id", "Company", Many2one("res.company")),
            field("picking_type_id", "Operation Type", Many2one("stock.picking.type")),
            field("location_src_id", "Components Location", Many2one("stock.location")),
            field("location_dest_id", "Finished Products Location", Many2one("stock.location")),
        ]);
    if v != OdooVersion::V17 {
        mo.add(field("is_delayed", "Is Delayed", Boolean).computed());
    }
    if v == OdooVersion::V19 {
        mo.add(field("lot_producing_ids", "Lot/Serial Number", Many2many("stock.lot")));
    } else {
        mo.add(field("lot_producing_id", "Lot/Serial Number", Many2one("stock.lot")));
    }
    s.add(mo);
}

/// Per raw move: "available" (stock covers it), "expected" (a receipt arrives by the MO start), "late"
/// (the earliest receipt arrives after it) or "unavailable" (nothing incoming).
fn availability(st: &Store, mo: i64) -> Option<(&'static str, Option<String>)> {
    let state = st.str_of("mrp.production", mo, "state")?;
    if matches!(state.as_str(), "draft" | "done" | "cancel") {
        return None;
    }
    let start = st.str_of("mrp.production", mo, "date_start").unwrap_or_default();
    let rank = |s: &str| ["available", "expected", "late", "unavailable"].iter().position(|x| *x == s).unwrap_or(0);
    let mut worst = ("available", None::<String>);
    for m in st.inverse("stock.move", "raw_material_production_id", mo) {
        if matches!(st.str_of("stock.move", m, "state").as_deref(), Some("done" | "cancel")) {
            continue;
        }
        let product = st.m2o("stock.move", m, "product_id").unwrap_or(0);
        let demand = st.f64_of("stock.move", m, "product_uom_qty");
        let on_hand: f64 = st
            .find("stock.quant", |r| r.get("product_id").and_then(Value::as_i64) == Some(product))
            .iter()
            .filter(|q| {
                let loc = st.m2o("stock.quant", **q, "location_id").unwrap_or(0);
                loc == st.xmlid("stock.stock_location_stock")
            })
            .map(|q| st.f64_of("stock.quant", *q, "quantity"))
            .sum();
        let this = if on_hand >= demand {
            ("available", None)
        } else {
            // The forecast follows the receipt move's `date` (not its deadline).
            let incoming: Vec<String> = st
                .find("stock.move", |r| r.get("product_id").and_then(Value::as_i64) == Some(product))
                .into_iter()
                .filter(|im| {
                    let code = st
                        .m2o("stock.move", *im, "picking_id")
                        .and_then(|p| st.str_of("stock.picking", p, "picking_type_code"));
                    code.as_deref() == Some("incoming")
                        && !matches!(st.str_of("stock.move", *im, "state").as_deref(), Some("done" | "cancel"))
                })
                .filter_map(|im| st.str_of("stock.move", im, "date"))
                .collect();
            match incoming.into_iter().min() {
                None => ("unavailable", None),
                Some(d) if d > start => ("late", Some(d)),
                Some(d) => ("expected", Some(d)),
            }
        };
        if rank(this.0) > rank(worst.0) || (rank(this.0) == rank(worst.0) && this.1 > worst.1) {
            worst = this;
        }
    }
    Some(worst)
}

pub fn compute(st: &Store, model: &str, id: i64, f: &str) -> Option<Value> {
    if model != "mrp.production" {
        return None;
    }
    Some(match f {
        "components_availability_state" => availability(st, id).map(|(s, _)| json!(s)).unwrap_or(Value::Bool(false)),
        "components_availability" => match availability(st, id) {
            Some(("available", _)) => json!("Available"),
            Some(("unavailable", _)) => json!("Not Available"),
            Some((_, Some(d))) => json!(format!("Exp {}", &d[..10])),
            _ => Value::Bool(false),
        },
        "reservation_state" => match availability(st, id) {
            Some(("available", _)) => json!("assigned"),
            Some(_) => json!("confirmed"),
            None => Value::Bool(false),
        },
        "is_delayed" => json!(matches!(availability(st, id), Some(("late", _)))),
        "delay_alert_date" => match availability(st, id) {
            Some(("late", Some(d))) => json!(d),
            _ => Value::Bool(false),
        },
        "purchase_order_count" => json!(0),
        _ => return None,
    })
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    if model != "mrp.production" {
        return Ok(());
    }
    if vals.get("name").is_none_or(|n| n == "New" || n == &json!(false)) {
        let n = env.st.next_sequence("mrp.production");
        vals.insert("name".into(), json!(format!("WH/MO/{n:05}")));
    }
    let d = |vals: &mut Map<String, Value>, k: &str, val: Value| {
        vals.entry(k.to_string()).or_insert(val);
    };
    if let Some(p) = vals.get("product_id").and_then(Value::as_i64) {
        let uom = env.st.m2o("product.product", p, "uom_id");
        d(vals, "product_uom_id", json!(uom));
    }
    d(vals, "state", json!("draft"));
    d(vals, "priority", json!("0"));
    d(vals, "date_start", json!(env.now_str()));
    d(vals, "company_id", json!(1));
    d(vals, "picking_type_id", json!(env.st.xmlid("mrp.picking_type_manufacturing")));
    d(vals, "location_src_id", json!(env.st.xmlid("stock.stock_location_stock")));
    d(vals, "location_dest_id", json!(env.st.xmlid("stock.stock_location_stock")));
    Ok(())
}
