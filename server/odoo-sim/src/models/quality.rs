//! OCA quality control read model (`qc.inspection`, `qc.test`, §9). The Community QC-location variant lives
//! in `stock.rs` (`quality_hold`).

use serde_json::{json, Map, Value};

use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::Store;

pub fn register(s: &mut Schema) {
    s.add(ModelDef::new("qc.test", "Quality control test").with(vec![
        field("name", "Name", Char).required(),
        field("type", "Type", sel(&[("generic", "Generic"), ("related", "Related")])).required(),
        field("active", "Active", Boolean),
    ]));
    s.add(ModelDef::new("qc.inspection", "Quality control inspection").order("date desc, id desc").with(vec![
        field("name", "Inspection number", Char).required(),
        field("date", "Plan Date", Datetime).required(),
        field("date_done", "Completion Date", Datetime),
        field("object_id", "Reference", Reference),
        field("product_id", "Product", Many2one("product.product")),
        field("qty", "Quantity", Float),
        field("test", "Test", Many2one("qc.test")),
        field("internal_notes", "Internal notes", Text),
        field("external_notes", "External notes", Text),
        field(
            "state",
            "State",
            sel(&[
                ("plan", "Plan"),
                ("draft", "Draft"),
                ("ready", "Ready"),
                ("waiting", "Waiting supervisor approval"),
                ("success", "Quality success"),
                ("failed", "Quality failed"),
                ("canceled", "Cancelled"),
            ]),
        ),
        field("success", "Success", Boolean).computed(),
        field("auto_generated", "Auto-generated", Boolean),
        field("company_id", "Company", Many2one("res.company")),
        field("user", "Responsible", Many2one("res.users")),
        field("picking_id", "Picking", Many2one("stock.picking")),
        field("lot_id", "Lot", Many2one("stock.lot")),
        field("picking_origin", "Picking Origin", Char).related("picking_id.origin"),
    ]));
}

pub fn compute(st: &Store, model: &str, id: i64, f: &str) -> Option<Value> {
    match (model, f) {
        ("qc.inspection", "success") => Some(json!(st.str_of(model, id, "state").as_deref() == Some("success"))),
        _ => None,
    }
}

pub fn prepare_create(env: &mut crate::orm::Env, model: &str, vals: &mut Map<String, Value>) {
    let d = |vals: &mut Map<String, Value>, k: &str, val: Value| {
        vals.entry(k.to_string()).or_insert(val);
    };
    match model {
        "qc.inspection" => {
            if !vals.contains_key("name") {
                let n = env.st.next_sequence("qc.inspection");
                vals.insert("name".into(), json!(format!("QC-{n:06}")));
            }
            d(vals, "date", json!(env.now_str()));
            d(vals, "state", json!("draft"));
            d(vals, "auto_generated", json!(false));
            d(vals, "company_id", json!(1));
            d(vals, "user", json!(env.uid));
            if let Some(lot) = vals.get("lot_id").and_then(Value::as_i64) {
                let product = env.st.m2o("stock.lot", lot, "product_id");
                d(vals, "product_id", json!(product));
                d(vals, "object_id", json!(format!("stock.lot,{lot}")));
            }
        }
        "qc.test" => {
            d(vals, "type", json!("generic"));
            d(vals, "active", json!(true));
        }
        _ => {}
    }
}
