//! Inventory: stock.picking, stock.move, stock.move.line, stock.lot, stock.quant, locations and operation
//! types (§6.4–§6.7), the receipt created by a PO and `button_validate` with Odoo's tracking rules.

use serde_json::{json, Map, Value};

use crate::error::{OdooError, Result};
use crate::orm::{one, Env};
use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::Store;
use crate::OdooVersion;

const MOVE_STATES: &[(&str, &str)] = &[
    ("draft", "New"),
    ("waiting", "Waiting Another Move"),
    ("confirmed", "Waiting Availability"),
    ("partially_available", "Partially Available"),
    ("assigned", "Available"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
];

/// `stock.picking.type.code`, mirrored by `stock.picking.picking_type_code`.
const PICKING_TYPE_CODES: &[(&str, &str)] = &[
    ("incoming", "Receipt"),
    ("outgoing", "Delivery"),
    ("internal", "Internal Transfer"),
    ("mrp_operation", "Manufacturing"),
];

pub fn register(s: &mut Schema, v: OdooVersion, stock_delivery: bool) {
    let package_model = if v == OdooVersion::V19 { "stock.package" } else { "stock.quant.package" };
    let mut picking =
        ModelDef::new("stock.picking", "Transfer").order("priority desc, scheduled_date asc, id desc").with(vec![
            field("name", "Reference", Char).readonly(),
            field(
                "state",
                "Status",
                sel(&[
                    ("draft", "Draft"),
                    ("waiting", "Waiting Another Operation"),
                    ("confirmed", "Waiting"),
                    ("assigned", "Ready"),
                    ("done", "Done"),
                    ("cancel", "Cancelled"),
                ]),
            )
            .readonly(),
            field("priority", "Priority", sel(&[("0", "Normal"), ("1", "Urgent")])),
            field("scheduled_date", "Scheduled Date", Datetime).required(),
            field("date_deadline", "Deadline", Datetime).computed(),
            field("date_done", "Date of Transfer", Datetime).readonly(),
            field("origin", "Source Document", Char),
            field("partner_id", "Contact", Many2one("res.partner")),
            field("purchase_id", "Purchase Orders", Many2one("purchase.order")).computed(),
            field("move_ids", "Stock Moves", One2many("stock.move", "picking_id")),
            field("move_line_ids", "Operations", One2many("stock.move.line", "picking_id")),
            field("picking_type_id", "Operation Type", Many2one("stock.picking.type")).required(),
            field("picking_type_code", "Type of Operation", sel(PICKING_TYPE_CODES)).related("picking_type_id.code"),
            field("location_id", "Source Location", Many2one("stock.location")).required(),
            field("location_dest_id", "Destination Location", Many2one("stock.location")).required(),
            field("backorder_id", "Back Order of", Many2one("stock.picking")),
            field("backorder_ids", "Back Orders", One2many("stock.picking", "backorder_id")),
            field("return_id", "Return of", Many2one("stock.picking")),
            field("company_id", "Company", Many2one("res.company")),
        ]);
    if v != OdooVersion::V19 {
        picking.add(field("date", "Creation Date", Datetime));
        picking.add(field(
            "move_ids_without_package",
            "Stock moves not in package",
            One2many("stock.move", "picking_id"),
        ));
    }
    if v != OdooVersion::V17 {
        picking.add(field("shipping_weight", "Weight for Shipping", Float));
    }
    if stock_delivery {
        // Only with module stock_delivery (§6.4).
        picking.add(field("carrier_id", "Carrier", Many2one("delivery.carrier")));
        picking.add(field("carrier_tracking_ref", "Tracking Reference", Char));
        picking.add(field("weight", "Weight", Float));
    }
    s.add(picking);

    let mut mv = ModelDef::new("stock.move", "Stock Move").order("id").with(vec![
        field("name", "Description", Char).required(),
        field("sequence", "Sequence", Integer),
        field("product_id", "Product", Many2one("product.product")).required(),
        field("product_uom_qty", "Demand", Float).required(),
        field("quantity", "Quantity", Float).computed(),
        field("picked", "Picked", Boolean),
        field("product_uom", "Unit", Many2one("uom.uom")).required(),
        field("product_qty", "Real Quantity", Float).computed(),
        field("state", "Status", sel(MOVE_STATES)).readonly(),
        field("date", "Date Scheduled", Datetime).required(),
        field("date_deadline", "Deadline", Datetime),
        field("delay_alert_date", "Delay Alert Date", Datetime),
        field("purchase_line_id", "Purchase Order Line", Many2one("purchase.order.line")).readonly(),
        field("raw_material_production_id", "Production Order for components", Many2one("mrp.production")),
        field("production_id", "Production Order for finished products", Many2one("mrp.production")),
        field("move_orig_ids", "Original Move", Many2many("stock.move")),
        field("move_dest_ids", "Destination Moves", Many2many("stock.move")),
        field("picking_id", "Transfer", Many2one("stock.picking")),
        field("picking_type_id", "Operation Type", Many2one("stock.picking.type")),
        field("location_id", "Source Location", Many2one("stock.location")).required(),
        field("location_dest_id", "Destination Location", Many2one("stock.location")).required(),
        field(
            "has_tracking",
            "Product with Tracking",
            sel(&[("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "No Tracking")]),
        )
        .related("product_id.tracking"),
        field("lot_ids", "Serial Numbers", Many2many("stock.lot")).computed(),
        field("move_line_ids", "Move Lines", One2many("stock.move.line", "move_id")),
        field("origin", "Source Document", Char),
        field("partner_id", "Destination Address", Many2one("res.partner")),
        field("company_id", "Company", Many2one("res.company")),
    ]);
    if v != OdooVersion::V17 {
        mv.add(field("is_storable", "Is Storable", Boolean).related("product_id.is_storable"));
    }
    s.add(mv);

    s.add(
        ModelDef::new("stock.move.line", "Product Moves (Stock Move Line)").order("result_package_id desc, id").with(
            vec![
                field("move_id", "Stock Operation", Many2one("stock.move")),
                field("picking_id", "Transfer", Many2one("stock.picking")),
                field("product_id", "Product", Many2one("product.product")).required(),
                field("quantity", "Quantity", Float),
                field("quantity_product_uom", "Quantity in Product UoM", Float).computed(),
                field("product_uom_id", "Unit of Measure", Many2one("uom.uom")).required(),
                field("lot_id", "Lot/Serial Number", Many2one("stock.lot")),
                field("lot_name", "Lot/Serial Number Name", Char),
                field("picked", "Picked", Boolean),
                field("state", "Status", sel(MOVE_STATES)).related("move_id.state"),
                field(
                    "tracking",
                    "Product with Tracking",
                    sel(&[("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "No Tracking")]),
                )
                .related("product_id.tracking"),
                field("package_id", "Source Package", Many2one(package_model)),
                field("result_package_id", "Destination Package", Many2one(package_model)),
                field("location_id", "From", Many2one("stock.location")).required(),
                field("location_dest_id", "To", Many2one("stock.location")).required(),
                field("date", "Date", Datetime).required(),
                field("company_id", "Company", Many2one("res.company")),
            ],
        ),
    );

    let mut lot = ModelDef::new("stock.lot", "Lot/Serial").order("name, id").with(vec![
        field("name", "Lot/Serial Number", Char).required(),
        field("product_id", "Product", Many2one("product.product")).required(),
        field("ref", "Internal Reference", Char),
        field("note", "Description", Html),
        field("product_qty", "On Hand Quantity", Float).computed(),
        field("location_id", "Location", Many2one("stock.location")),
        field("quant_ids", "Quants", One2many("stock.quant", "lot_id")),
        field("purchase_order_ids", "Purchase Orders", Many2many("purchase.order")).computed(),
        field("purchase_order_count", "Purchase order count", Integer).computed(),
    ]);
    let company = field("company_id", "Company", Many2one("res.company"));
    lot.add(if v == OdooVersion::V17 { company.required() } else { company });
    if v == OdooVersion::V19 {
        lot.add(field("partner_ids", "Partner", Many2many("res.partner")).computed());
    }
    s.add(lot);

    s.add(ModelDef::new("stock.quant", "Quants").with(vec![
        field("product_id", "Product", Many2one("product.product")).required(),
        field("location_id", "Location", Many2one("stock.location")).required(),
        field("lot_id", "Lot/Serial Number", Many2one("stock.lot")),
        field("quantity", "Quantity", Float),
        field("in_date", "Incoming Date", Datetime),
    ]));
    s.add(ModelDef::new("stock.location", "Inventory Locations").order("complete_name, id").with(vec![
        field("name", "Location Name", Char).required(),
        field("complete_name", "Full Location Name", Char).computed(),
        field("location_id", "Parent Location", Many2one("stock.location")),
        field(
            "usage",
            "Location Type",
            sel(&[
                ("supplier", "Vendor Location"),
                ("view", "View"),
                ("internal", "Internal Location"),
                ("customer", "Customer Location"),
                ("inventory", "Inventory Loss"),
                ("production", "Production"),
                ("transit", "Transit Location"),
            ]),
        )
        .required(),
        field("active", "Active", Boolean),
    ]));
    s.add(
        ModelDef::new("stock.picking.type", if v == OdooVersion::V17 { "Picking Type" } else { "Operation Type" })
            .order("id")
            .with(vec![
                field("name", "Operation Type", Char).required(),
                field("code", "Type of Operation", sel(PICKING_TYPE_CODES)).required(),
                field("sequence_code", "Sequence Prefix", Char).required(),
                field("default_location_src_id", "Default Source Location", Many2one("stock.location")),
                field("default_location_dest_id", "Default Destination Location", Many2one("stock.location")),
                field("active", "Active", Boolean),
            ]),
    );
    if stock_delivery {
        s.add(ModelDef::new("delivery.carrier", "Shipping Methods").order("id").with(vec![
                field("name", "Delivery Method", Char).required(),
                field(
                    "delivery_type",
                    "Provider",
                    sel(&[("base_on_rule", "Based on Rules"), ("fixed", "Fixed Price")]),
                )
                .required(),
                field("active", "Active", Boolean),
            ]));
    }
}

pub fn compute(st: &Store, model: &str, id: i64, f: &str) -> Option<Value> {
    Some(match (model, f) {
        ("stock.picking", "purchase_id") => {
            let po = st
                .inverse("stock.move", "picking_id", id)
                .iter()
                .filter_map(|m| st.m2o("stock.move", *m, "purchase_line_id"))
                .find_map(|l| st.m2o("purchase.order.line", l, "order_id"));
            po.map(|p| json!(p)).unwrap_or(Value::Bool(false))
        }
        ("stock.picking", "date_deadline") => {
            let dates: Vec<String> = st
                .inverse("stock.move", "picking_id", id)
                .iter()
                .filter_map(|m| st.str_of("stock.move", *m, "date_deadline"))
                .collect();
            dates.into_iter().min().map(Value::String).unwrap_or(Value::Bool(false))
        }
        ("stock.move", "quantity") => json!(move_quantity(st, id)),
        ("stock.move", "product_qty") => json!(st.f64_of(model, id, "product_uom_qty")),
        ("stock.move", "lot_ids") => {
            let mut lots: Vec<i64> = st
                .inverse("stock.move.line", "move_id", id)
                .iter()
                .filter_map(|l| st.m2o("stock.move.line", *l, "lot_id"))
                .collect();
            lots.dedup();
            json!(lots)
        }
        ("stock.move.line", "quantity_product_uom") => json!(st.f64_of(model, id, "quantity")),
        ("stock.lot", "product_qty") => json!(st
            .inverse("stock.quant", "lot_id", id)
            .iter()
            .filter(|q| is_internal(st, st.m2o("stock.quant", **q, "location_id").unwrap_or(0)))
            .map(|q| st.f64_of("stock.quant", *q, "quantity"))
            .sum::<f64>()),
        ("stock.lot", "purchase_order_ids" | "purchase_order_count" | "partner_ids") => {
            let mut orders: Vec<i64> = st
                .inverse("stock.move.line", "lot_id", id)
                .iter()
                .filter_map(|ml| st.m2o("stock.move.line", *ml, "move_id"))
                .filter_map(|m| st.m2o("stock.move", m, "purchase_line_id"))
                .filter_map(|l| st.m2o("purchase.order.line", l, "order_id"))
                .collect();
            orders.sort_unstable();
            orders.dedup();
            match f {
                "purchase_order_count" => json!(orders.len()),
                "partner_ids" => {
                    json!(orders.iter().filter_map(|o| st.m2o("purchase.order", *o, "partner_id")).collect::<Vec<_>>())
                }
                _ => json!(orders),
            }
        }
        ("stock.location", "complete_name") => json!(location_name(st, id)),
        _ => return None,
    })
}

fn location_name(st: &Store, id: i64) -> String {
    let name = st.str_of("stock.location", id, "name").unwrap_or_default();
    match st.m2o("stock.location", id, "location_id") {
        Some(p) if p != id => format!("{}/{name}", location_name(st, p)),
        _ => name,
    }
}

fn move_quantity(st: &Store, mv: i64) -> f64 {
    st.inverse("stock.move.line", "move_id", mv).iter().map(|l| st.f64_of("stock.move.line", *l, "quantity")).sum()
}

fn is_internal(st: &Store, loc: i64) -> bool {
    st.str_of("stock.location", loc, "usage").as_deref() == Some("internal")
}

pub fn display_name(st: &Store, model: &str, id: i64) -> Option<String> {
    match model {
        "stock.location" => Some(location_name(st, id)),
        "stock.move.line" | "stock.quant" => {
            st.m2o(model, id, "product_id").map(|p| st.display_name("product.product", p))
        }
        "stock.picking.type" => Some(format!("YourCompany: {}", st.str_of(model, id, "name").unwrap_or_default())),
        _ => None,
    }
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    let now = json!(env.now_str());
    let d = |vals: &mut Map<String, Value>, k: &str, val: Value| {
        vals.entry(k.to_string()).or_insert(val);
    };
    match model {
        "stock.picking" => {
            let ptype =
                vals.get("picking_type_id").and_then(Value::as_i64).unwrap_or(env.st.xmlid("stock.picking_type_in"));
            if !vals.contains_key("name") {
                let code = env.st.str_of("stock.picking.type", ptype, "sequence_code").unwrap_or_else(|| "IN".into());
                let n = env.st.next_sequence(&format!("picking.{code}"));
                vals.insert("name".into(), json!(format!("WH/{code}/{n:05}")));
            }
            d(vals, "picking_type_id", json!(ptype));
            let src = env.st.value("stock.picking.type", ptype, "default_location_src_id");
            let dst = env.st.value("stock.picking.type", ptype, "default_location_dest_id");
            d(vals, "location_id", src);
            d(vals, "location_dest_id", dst);
            d(vals, "state", json!("draft"));
            d(vals, "priority", json!("0"));
            d(vals, "scheduled_date", now.clone());
            d(vals, "company_id", json!(1));
            if env.version() != OdooVersion::V19 {
                d(vals, "date", now);
            }
        }
        "stock.move" => {
            if let Some(p) = vals.get("product_id").and_then(Value::as_i64) {
                d(vals, "name", json!(env.st.display_name("product.product", p)));
                let uom = env.st.m2o("product.product", p, "uom_id");
                d(vals, "product_uom", json!(uom));
            }
            if let Some(pk) = vals.get("picking_id").and_then(Value::as_i64) {
                for k in ["location_id", "location_dest_id", "picking_type_id", "partner_id"] {
                    let v = env.st.value("stock.picking", pk, k);
                    d(vals, k, v);
                }
            }
            d(vals, "state", json!("draft"));
            d(vals, "date", now);
            d(vals, "picked", json!(false));
            d(vals, "sequence", json!(10));
            d(vals, "company_id", json!(1));
        }
        "stock.move.line" => {
            if let Some(m) = vals.get("move_id").and_then(Value::as_i64) {
                for (k, src) in [
                    ("product_id", "product_id"),
                    ("picking_id", "picking_id"),
                    ("product_uom_id", "product_uom"),
                    ("location_id", "location_id"),
                    ("location_dest_id", "location_dest_id"),
                ] {
                    let v = env.st.value("stock.move", m, src);
                    d(vals, k, v);
                }
            }
            if let Some(p) = vals.get("product_id").and_then(Value::as_i64) {
                let uom = env.st.m2o("product.product", p, "uom_id");
                d(vals, "product_uom_id", json!(uom));
            }
            d(vals, "quantity", json!(0.0));
            d(vals, "picked", json!(false));
            d(vals, "date", now);
            d(vals, "company_id", json!(1));
        }
        "stock.lot" => {
            d(vals, "company_id", json!(1));
            let (name, product) = (vals.get("name").cloned(), vals.get("product_id").cloned());
            let dup =
                env.st.find("stock.lot", |r| r.get("name") == name.as_ref() && r.get("product_id") == product.as_ref());
            if name.is_some() && !dup.is_empty() {
                return Err(OdooError::ValidationError(
                    "The combination of serial number and product must be unique across a company.\nFollowing combination contains duplicates:\n"
                        .to_string()
                        + &format!(
                            " - Product: {}, Serial Number: {}",
                            env.st.display_name("product.product", product.and_then(|p| p.as_i64()).unwrap_or(0)),
                            name.and_then(|n| n.as_str().map(str::to_string)).unwrap_or_default()
                        ),
                ));
            }
        }
        "stock.location" | "stock.picking.type" => d(vals, "active", json!(true)),
        "delivery.carrier" => {
            d(vals, "active", json!(true));
            d(vals, "delivery_type", json!("fixed"));
        }
        _ => {}
    }
    Ok(())
}

pub fn after_create(env: &mut Env, model: &str, id: i64) -> Result<()> {
    if model == "stock.move.line" && env.context.get("sim_system").is_none() {
        // LIVE-19: splitting a receipt's move line makes the move "partially_available" (cosmetic).
        if let Some(m) = env.st.m2o(model, id, "move_id") {
            if env.st.str_of("stock.move", m, "state").as_deref() == Some("assigned") {
                env.write_su("stock.move", &[m], one("state", json!("partially_available")))?;
            }
        }
    }
    Ok(())
}

pub fn before_write(
    env: &mut Env,
    model: &str,
    ids: &[i64],
    mut vals: Map<String, Value>,
) -> Result<Map<String, Value>> {
    if model == "stock.move" {
        if let Some(q) = vals.remove("quantity") {
            // Inverse of the computed quantity: put it on the move's (first) move line.
            for &m in ids {
                let mls = env.st.inverse("stock.move.line", "move_id", m);
                match mls.first() {
                    Some(ml) => env.write_su("stock.move.line", &[*ml], one("quantity", q.clone()))?,
                    None => {
                        let mut mvals = one("move_id", json!(m));
                        mvals.insert("quantity".into(), q.clone());
                        env.create_su("stock.move.line", mvals)?;
                    }
                }
            }
        }
    }
    Ok(vals)
}

pub fn after_write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> Result<()> {
    if model == "stock.picking" {
        if let Some(date) = vals.get("scheduled_date").filter(|d| d.is_string()) {
            // `_set_scheduled_date`: open moves follow the picking's date.
            for &p in ids {
                let moves: Vec<i64> = env
                    .st
                    .inverse("stock.move", "picking_id", p)
                    .into_iter()
                    .filter(|m| !matches!(env.st.str_of("stock.move", *m, "state").as_deref(), Some("done" | "cancel")))
                    .collect();
                env.write_su("stock.move", &moves, one("date", date.clone()))?;
            }
        }
    }
    Ok(())
}

pub fn before_unlink(env: &Env, model: &str, ids: &[i64]) -> Result<()> {
    if model == "stock.move" || model == "stock.move.line" {
        for &id in ids {
            if env
                .st
                .str_of(
                    "stock.move",
                    if model == "stock.move" { id } else { env.st.m2o(model, id, "move_id").unwrap_or(0) },
                    "state",
                )
                .as_deref()
                == Some("done")
            {
                return Err(OdooError::UserError(
                    "You can not delete product moves if the picking is done. You can only correct the done quantities.".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Create (or extend) the PO's open receipt with one assigned move per line, move lines pre-filled.
pub fn create_receipt(env: &mut Env, order: i64, lines: &[(i64, f64)]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    env.context.insert("sim_system".into(), json!(true));
    let r = create_receipt_inner(env, order, lines);
    env.context.remove("sim_system");
    r
}

fn create_receipt_inner(env: &mut Env, order: i64, lines: &[(i64, f64)]) -> Result<()> {
    let po = "purchase.order";
    let existing = env
        .st
        .ids_of(po, order, "picking_ids")
        .into_iter()
        .find(|p| !matches!(env.st.str_of("stock.picking", *p, "state").as_deref(), Some("done" | "cancel")));
    let picking = match existing {
        Some(p) => p,
        None => {
            let mut vals = Map::new();
            vals.insert("picking_type_id".into(), json!(env.st.xmlid("stock.picking_type_in")));
            vals.insert("partner_id".into(), env.st.value(po, order, "partner_id"));
            vals.insert("origin".into(), env.st.value(po, order, "name"));
            let planned = env.st.value(po, order, "date_planned");
            if planned.is_string() {
                vals.insert("scheduled_date".into(), planned);
            }
            vals.insert("state".into(), json!("assigned"));
            let p = env.create_su("stock.picking", vals)?;
            let mut ids = env.st.ids_of(po, order, "picking_ids");
            ids.push(p);
            env.write_su(po, &[order], one("picking_ids", json!(ids)))?;
            p
        }
    };
    let uom_field = crate::models::purchase::line_uom_field(env.version());
    for &(line, qty) in lines {
        let pol = "purchase.order.line";
        let product = env.st.m2o(pol, line, "product_id").unwrap_or(0);
        let date = env.st.value(pol, line, "date_planned");
        let mut mv = Map::new();
        mv.insert("name".into(), env.st.value(pol, line, "name"));
        mv.insert("product_id".into(), json!(product));
        mv.insert("product_uom_qty".into(), json!(qty));
        mv.insert("product_uom".into(), env.st.value(pol, line, uom_field));
        mv.insert("date".into(), date.clone());
        mv.insert("date_deadline".into(), date);
        mv.insert("picking_id".into(), json!(picking));
        mv.insert("purchase_line_id".into(), json!(line));
        mv.insert("origin".into(), env.st.value(po, order, "name"));
        mv.insert("state".into(), json!("assigned"));
        let m = env.create_su("stock.move", mv)?;
        reserve(env, m, qty)?;
    }
    Ok(())
}

/// Incoming moves bypass reservation: serial products get one move line per unit, others one line.
fn reserve(env: &mut Env, mv: i64, qty: f64) -> Result<()> {
    let product = env.st.m2o("stock.move", mv, "product_id").unwrap_or(0);
    let serial = env.st.str_of("product.product", product, "tracking").as_deref() == Some("serial");
    let chunks: Vec<f64> = if serial && qty.fract() == 0.0 { vec![1.0; qty as usize] } else { vec![qty] };
    for q in chunks {
        let mut vals = one("move_id", json!(mv));
        vals.insert("quantity".into(), json!(q));
        vals.insert("lot_name".into(), json!(false));
        env.create_su("stock.move.line", vals)?;
    }
    Ok(())
}

/// After `product_qty` changed on a confirmed line: adjust the open move in place (§6.2).
pub fn update_receipt_qty(env: &mut Env, line: i64) -> Result<()> {
    let pol = "purchase.order.line";
    let remaining = env.st.f64_of(pol, line, "product_qty") - env.st.f64_of(pol, line, "qty_received");
    let open = crate::models::purchase::open_moves(env.st, line);
    env.context.insert("sim_system".into(), json!(true));
    let r = (|| {
        match open.first() {
            Some(&m) if remaining > 0.0 => {
                env.write_su("stock.move", &[m], one("product_uom_qty", json!(remaining)))?;
                let mls = env.st.inverse("stock.move.line", "move_id", m);
                if let [ml] = mls[..] {
                    env.write_su("stock.move.line", &[ml], one("quantity", json!(remaining)))?;
                }
            }
            Some(&m) => cancel_moves(env, &[m])?,
            None if remaining > 0.0 => {
                let order = env.st.m2o(pol, line, "order_id").unwrap_or(0);
                create_receipt_inner(env, order, &[(line, remaining)])?;
            }
            None => {}
        }
        Ok(())
    })();
    env.context.remove("sim_system");
    r
}

fn cancel_moves(env: &mut Env, moves: &[i64]) -> Result<()> {
    for &m in moves {
        let mls = env.st.inverse("stock.move.line", "move_id", m);
        env.unlink_su("stock.move.line", &mls)?;
        env.write_su("stock.move", &[m], one("state", json!("cancel")))?;
    }
    Ok(())
}

pub fn cancel_picking(env: &mut Env, picking: i64) -> Result<()> {
    let moves: Vec<i64> = env
        .st
        .inverse("stock.move", "picking_id", picking)
        .into_iter()
        .filter(|m| env.st.str_of("stock.move", *m, "state").as_deref() != Some("done"))
        .collect();
    cancel_moves(env, &moves)?;
    env.write_su("stock.picking", &[picking], one("state", json!("cancel")))
}

/// `stock.picking.button_validate` (§6.4, §6.6).
pub fn button_validate(env: &mut Env, ids: &[i64]) -> Result<Value> {
    let ml_model = "stock.move.line";
    // Checks first, over all pickings, like Odoo's `_sanity_check`.
    let mut wizard_needed = false;
    for &p in ids {
        let mls = env.st.inverse(ml_model, "picking_id", p);
        if mls.iter().all(|l| env.st.f64_of(ml_model, *l, "quantity") <= 0.0) {
            return Err(OdooError::UserError(
                "You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.".into(),
            ));
        }
        let mut without_lots: Vec<String> = Vec::new();
        for &l in &mls {
            let product = env.st.m2o(ml_model, l, "product_id").unwrap_or(0);
            let tracking = env.st.str_of("product.product", product, "tracking").unwrap_or_else(|| "none".into());
            let qty = env.st.f64_of(ml_model, l, "quantity");
            if tracking == "none" || qty <= 0.0 {
                continue;
            }
            let lot_name = env.st.str_of(ml_model, l, "lot_name");
            if env.st.m2o(ml_model, l, "lot_id").is_none() && lot_name.is_none() {
                let name = env.st.display_name("product.product", product);
                if !without_lots.contains(&name) {
                    without_lots.push(name);
                }
                continue;
            }
            if tracking == "serial" {
                if qty > 1.0 {
                    let uom = env.st.m2o("product.product", product, "uom_id").unwrap_or(0);
                    let uom_name = env.st.str_of("uom.uom", uom, "name").unwrap_or_else(|| "Units".into());
                    return Err(OdooError::UserError(format!(
                        "You can only process 1.0 {uom_name} of products with unique serial number."
                    )));
                }
                if let Some(name) = lot_name {
                    let lots = env.st.find("stock.lot", |r| {
                        r.get("name").and_then(Value::as_str) == Some(name.as_str())
                            && r.get("product_id").and_then(Value::as_i64) == Some(product)
                    });
                    if lots.iter().any(|lot| env.st.f64_of("stock.lot", *lot, "product_qty") > 0.0) {
                        return Err(OdooError::ValidationError(format!(
                            "The serial number has already been assigned: \n Product: {}, Serial Number: {name}",
                            env.st.display_name("product.product", product)
                        )));
                    }
                }
            }
        }
        if !without_lots.is_empty() {
            return Err(OdooError::UserError(format!(
                "You need to supply a Lot/Serial number for products {}.",
                without_lots.join(", ")
            )));
        }
        for m in env.st.inverse("stock.move", "picking_id", p) {
            let state = env.st.str_of("stock.move", m, "state").unwrap_or_default();
            if state != "cancel"
                && state != "done"
                && move_quantity(env.st, m) < env.st.f64_of("stock.move", m, "product_uom_qty")
            {
                wizard_needed = true;
            }
        }
    }
    let skip_backorder = env.context.get("skip_backorder").and_then(Value::as_bool).unwrap_or(false);
    if wizard_needed && !skip_backorder {
        // Partial receipt: Odoo answers with the backorder confirmation wizard and changes nothing.
        return Ok(json!({
            "name": "Create Backorder?",
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": "stock.backorder.confirmation",
            "views": [[false, "form"]],
            "view_id": false,
            "target": "new",
            "context": {"button_validate_picking_ids": ids, "default_pick_ids": [[4, ids[0]]], "default_show_transfers": false},
        }));
    }
    let no_backorder: Vec<i64> =
        env.context.get("picking_ids_not_to_backorder").map(crate::store::ids_in).unwrap_or_default();
    env.context.insert("sim_system".into(), json!(true));
    let r = ids.iter().try_for_each(|&p| validate_one(env, p, !no_backorder.contains(&p)));
    env.context.remove("sim_system");
    r?;
    Ok(json!(true))
}

fn validate_one(env: &mut Env, picking: i64, make_backorder: bool) -> Result<()> {
    let ml_model = "stock.move.line";
    let mut backorder_lines: Vec<(i64, f64)> = Vec::new();
    for m in env.st.inverse("stock.move", "picking_id", picking) {
        if matches!(env.st.str_of("stock.move", m, "state").as_deref(), Some("done" | "cancel")) {
            continue;
        }
        let mut done = 0.0;
        for l in env.st.inverse(ml_model, "move_id", m) {
            let qty = env.st.f64_of(ml_model, l, "quantity");
            if qty <= 0.0 {
                env.unlink_su(ml_model, &[l])?;
                continue;
            }
            let product = env.st.m2o(ml_model, l, "product_id").unwrap_or(0);
            if let (None, Some(name)) = (env.st.m2o(ml_model, l, "lot_id"), env.st.str_of(ml_model, l, "lot_name")) {
                let existing = env.st.find("stock.lot", |r| {
                    r.get("name").and_then(Value::as_str) == Some(name.as_str())
                        && r.get("product_id").and_then(Value::as_i64) == Some(product)
                });
                let lot = match existing.first() {
                    Some(l) => *l,
                    None => {
                        let mut vals = one("name", json!(name));
                        vals.insert("product_id".into(), json!(product));
                        env.create_su("stock.lot", vals)?
                    }
                };
                env.write_su(ml_model, &[l], one("lot_id", json!(lot)))?;
            }
            let lot = env.st.m2o(ml_model, l, "lot_id");
            let src = env.st.m2o(ml_model, l, "location_id").unwrap_or(0);
            let dst = env.st.m2o(ml_model, l, "location_dest_id").unwrap_or(0);
            move_quant(env, product, lot, src, -qty)?;
            move_quant(env, product, lot, dst, qty)?;
            env.write_su(ml_model, &[l], one("picked", json!(true)))?;
            done += qty;
        }
        let demand = env.st.f64_of("stock.move", m, "product_uom_qty");
        let line = env.st.m2o("stock.move", m, "purchase_line_id");
        if done < demand && make_backorder {
            if let Some(l) = line {
                backorder_lines.push((l, demand - done));
            }
        }
        let mut vals = one("state", json!(if done > 0.0 { "done" } else { "cancel" }));
        vals.insert("picked".into(), json!(true));
        if done > 0.0 && done < demand {
            vals.insert("product_uom_qty".into(), json!(done));
        }
        env.write_su("stock.move", &[m], vals)?;
        if let Some(l) = line {
            let received = env.st.f64_of("purchase.order.line", l, "qty_received") + done;
            env.write_su("purchase.order.line", &[l], one("qty_received", json!(received)))?;
        }
    }
    let mut vals = one("state", json!("done"));
    vals.insert("date_done".into(), json!(env.now_str()));
    env.write_su("stock.picking", &[picking], vals)?;
    if let Some(order) = crate::store::ids_in(&env.st.value("stock.picking", picking, "purchase_id")).first().copied() {
        if !backorder_lines.is_empty() {
            let mut vals = one("picking_type_id", env.st.value("stock.picking", picking, "picking_type_id"));
            vals.insert("backorder_id".into(), json!(picking));
            vals.insert("partner_id".into(), env.st.value("stock.picking", picking, "partner_id"));
            vals.insert("origin".into(), env.st.value("stock.picking", picking, "origin"));
            vals.insert("scheduled_date".into(), env.st.value("stock.picking", picking, "scheduled_date"));
            vals.insert("state".into(), json!("assigned"));
            let bo = env.create_su("stock.picking", vals)?;
            let mut ids = env.st.ids_of("purchase.order", order, "picking_ids");
            ids.push(bo);
            env.write_su("purchase.order", &[order], one("picking_ids", json!(ids)))?;
            create_receipt_inner(env, order, &backorder_lines)?;
        }
        update_receipt_status(env, order)?;
    }
    Ok(())
}

fn move_quant(env: &mut Env, product: i64, lot: Option<i64>, location: i64, delta: f64) -> Result<()> {
    if !is_internal(env.st, location) {
        return Ok(());
    }
    let found = env.st.find("stock.quant", |r| {
        r.get("product_id").and_then(Value::as_i64) == Some(product)
            && r.get("location_id").and_then(Value::as_i64) == Some(location)
            && r.get("lot_id").and_then(Value::as_i64) == lot
    });
    match found.first() {
        Some(q) => {
            let qty = env.st.f64_of("stock.quant", *q, "quantity") + delta;
            env.write_su("stock.quant", &[*q], one("quantity", json!(qty)))
        }
        None => {
            let mut vals = one("product_id", json!(product));
            vals.insert("location_id".into(), json!(location));
            vals.insert("lot_id".into(), json!(lot));
            vals.insert("quantity".into(), json!(delta));
            vals.insert("in_date".into(), json!(env.now_str()));
            env.create_su("stock.quant", vals).map(|_| ())
        }
    }
}

fn update_receipt_status(env: &mut Env, order: i64) -> Result<()> {
    let lines: Vec<i64> = env
        .st
        .inverse("purchase.order.line", "order_id", order)
        .into_iter()
        .filter(|l| env.st.m2o("purchase.order.line", *l, "product_id").is_some())
        .collect();
    let received = |l: &i64| env.st.f64_of("purchase.order.line", *l, "qty_received");
    let status = if lines.iter().all(|l| received(l) >= env.st.f64_of("purchase.order.line", *l, "product_qty")) {
        "full"
    } else if lines.iter().any(|l| received(l) > 0.0) {
        "partial"
    } else {
        "pending"
    };
    let mut vals = one("receipt_status", json!(status));
    if env.st.value("purchase.order", order, "effective_date") == Value::Bool(false) {
        vals.insert("effective_date".into(), json!(env.now_str()));
    }
    env.write_su("purchase.order", &[order], vals)
}

/// Community quality hold (§9): move a lot's stock into WH/Quality Control and open a QC transfer back to
/// stock; validating that transfer releases the hold. Returns the QC transfer id.
pub fn quality_hold(env: &mut Env, lot: i64) -> Result<i64> {
    let (stock, qc) = (env.st.xmlid("stock.stock_location_stock"), env.st.xmlid("stock.location_qc"));
    let product = env.st.m2o("stock.lot", lot, "product_id").unwrap_or(0);
    let qty: f64 = env
        .st
        .inverse("stock.quant", "lot_id", lot)
        .iter()
        .filter(|q| env.st.m2o("stock.quant", **q, "location_id") == Some(stock))
        .map(|q| env.st.f64_of("stock.quant", *q, "quantity"))
        .sum();
    move_quant(env, product, Some(lot), stock, -qty)?;
    move_quant(env, product, Some(lot), qc, qty)?;
    let mut vals = one("picking_type_id", json!(env.st.xmlid("stock.picking_type_qc")));
    vals.insert("state".into(), json!("assigned"));
    vals.insert(
        "origin".into(),
        json!(format!("Quality hold {}", env.st.str_of("stock.lot", lot, "name").unwrap_or_default())),
    );
    let picking = env.create_su("stock.picking", vals)?;
    let mut mv = one("product_id", json!(product));
    mv.insert("picking_id".into(), json!(picking));
    mv.insert("product_uom_qty".into(), json!(qty));
    mv.insert("state".into(), json!("assigned"));
    let m = env.create_su("stock.move", mv)?;
    let mut ml = one("move_id", json!(m));
    ml.insert("quantity".into(), json!(qty));
    ml.insert("lot_id".into(), json!(lot));
    env.context.insert("sim_system".into(), json!(true));
    let r = env.create_su("stock.move.line", ml);
    env.context.remove("sim_system");
    r?;
    Ok(picking)
}
