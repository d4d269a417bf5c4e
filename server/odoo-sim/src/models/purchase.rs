//! purchase.order and purchase.order.line: fields by version (§6.1, §6.2) and the purchase side effects.

use serde_json::{json, Map, Value};

use crate::error::{OdooError, Result};
use crate::orm::{one, Env};
use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::Store;
use crate::OdooVersion;

/// PO line unit-of-measure field (§6.2).
pub fn line_uom_field(v: OdooVersion) -> &'static str {
    if v == OdooVersion::V19 {
        "product_uom_id"
    } else {
        "product_uom"
    }
}

pub fn register(s: &mut Schema, v: OdooVersion) {
    let mut states =
        vec![("draft", "RFQ"), ("sent", "RFQ Sent"), ("to approve", "To Approve"), ("purchase", "Purchase Order")];
    if v != OdooVersion::V19 {
        states.push(("done", "Locked"));
    }
    states.push(("cancel", "Cancelled"));
    let mut po = ModelDef::new("purchase.order", "Purchase Order").order("priority desc, id desc").with(vec![
        field("name", "Order Reference", Char).required(),
        field("partner_id", "Vendor", Many2one("res.partner")).required(),
        field("partner_ref", "Vendor Reference", Char),
        field("state", "Status", sel(&states)),
        field("date_order", "Order Deadline", Datetime).required(),
        field("date_approve", "Confirmation Date", Datetime).readonly(),
        field("date_planned", "Expected Arrival", Datetime),
        field("order_line", "Order Lines", One2many("purchase.order.line", "order_id")),
        field("picking_ids", "Receptions", Many2many("stock.picking")).readonly(),
        field("incoming_picking_count", "Incoming Shipment count", Integer).computed(),
        field(
            "receipt_status",
            "Receipt Status",
            sel(&[("pending", "Not Received"), ("partial", "Partially Received"), ("full", "Fully Received")]),
        )
        .readonly(),
        field("effective_date", "Arrival", Datetime).readonly(),
        field(
            "invoice_status",
            "Billing Status",
            sel(&[("no", "Nothing to Bill"), ("to invoice", "Waiting Bills"), ("invoiced", "Fully Billed")]),
        )
        .readonly(),
        field("company_id", "Company", Many2one("res.company")).required(),
        field("currency_id", "Currency", Many2one("res.currency")).required(),
        field("user_id", "Buyer", Many2one("res.users")),
        field("origin", "Source Document", Char),
        field("priority", "Priority", sel(&[("0", "Normal"), ("1", "Urgent")])),
        field("picking_type_id", "Deliver To", Many2one("stock.picking.type")).required(),
        field("dest_address_id", "Dropship Address", Many2one("res.partner")),
        field("amount_untaxed", "Untaxed Amount", Monetary).computed(),
        field("amount_tax", "Taxes", Monetary).computed(),
        field("amount_total", "Total", Monetary).computed(),
        field("receipt_reminder_email", "Receipt Reminder Email", Boolean),
        field("reminder_date_before_receipt", "Days Before Receipt", Integer),
        field("mrp_production_count", "Count of MO Source", Integer).computed(),
    ]);
    match v {
        OdooVersion::V19 => {
            po.add(field("note", "Terms and Conditions", Html));
            po.add(field("acknowledged", "Acknowledged", Boolean));
            po.add(field("locked", "Locked", Boolean));
            po.add(field("is_late", "Is Late", Boolean).computed());
        }
        _ => {
            po.add(field("notes", "Terms and Conditions", Html));
            po.add(field("mail_reminder_confirmed", "Reminder Confirmed", Boolean).readonly());
            po.add(field("mail_reception_confirmed", "Reception Confirmed", Boolean).readonly());
            if v == OdooVersion::V18 {
                po.add(field("mail_reception_declined", "Reception Declined", Boolean).readonly());
            }
        }
    }
    s.add(po);

    let mut display = vec![("line_section", "Section")];
    if v == OdooVersion::V19 {
        display.push(("line_subsection", "Subsection"));
    }
    display.push(("line_note", "Note"));
    let mut pol =
        ModelDef::new("purchase.order.line", "Purchase Order Line").order("order_id, sequence, id").with(vec![
            field("order_id", "Order Reference", Many2one("purchase.order")).required(),
            field("sequence", "Sequence", Integer),
            field("product_id", "Product", Many2one("product.product")),
            field("name", "Description", Text).required(),
            field("product_qty", "Quantity", Float).required(),
            field("product_uom_qty", "Total Quantity", Float).computed(),
            field(line_uom_field(v), "Unit of Measure", Many2one("uom.uom")),
            field("price_unit", "Unit Price", Float).required(),
            field("price_subtotal", "Subtotal", Monetary).computed(),
            field("price_total", "Total", Monetary).computed(),
            field("date_planned", "Expected Arrival", Datetime),
            field("qty_received", "Received Qty", Float).readonly(),
            field("qty_received_manual", "Manual Received Qty", Float),
            field(
                "qty_received_method",
                "Received Qty Method",
                sel(&[("manual", "Manual"), ("stock_moves", "Stock Moves")]),
            ),
            field("qty_invoiced", "Billed Qty", Float).readonly(),
            field("move_ids", "Reservation", One2many("stock.move", "purchase_line_id")).readonly(),
            field("move_dest_ids", "Downstream Moves", Many2many("stock.move")),
            field("state", "Status", sel(&states)).related("order_id.state"),
            field("partner_id", "Partner", Many2one("res.partner")).related("order_id.partner_id"),
            field("currency_id", "Currency", Many2one("res.currency")).related("order_id.currency_id"),
            field("company_id", "Company", Many2one("res.company")).related("order_id.company_id"),
            field(if v == OdooVersion::V19 { "tax_ids" } else { "taxes_id" }, "Taxes", Many2many("account.tax")),
            field("display_type", "Display Type", sel(&display)),
            field(
                "product_type",
                "Product Type",
                if v == OdooVersion::V17 {
                    sel(&[("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")])
                } else {
                    sel(&[("consu", "Goods"), ("service", "Service"), ("combo", "Combo")])
                },
            )
            .related(if v == OdooVersion::V17 { "product_id.detailed_type" } else { "product_id.type" }),
        ]);
    if v == OdooVersion::V19 {
        pol.add(field("selected_seller_id", "Selected Seller", Many2one("product.supplierinfo")).computed());
        pol.add(field("technical_price_unit", "Technical Price Unit", Float));
    }
    s.add(pol);
}

pub fn compute(st: &Store, model: &str, id: i64, f: &str) -> Option<Value> {
    let lines = || st.inverse("purchase.order.line", "order_id", id);
    Some(match (model, f) {
        ("purchase.order", "amount_untaxed" | "amount_total") => {
            json!(lines().iter().map(|l| subtotal(st, *l)).sum::<f64>())
        }
        ("purchase.order", "amount_tax") => json!(0.0),
        ("purchase.order", "incoming_picking_count") => json!(st.ids_of(model, id, "picking_ids").len()),
        ("purchase.order", "mrp_production_count") => {
            let name = st.str_of(model, id, "name").unwrap_or_default();
            json!(st.find("mrp.production", |r| r.get("origin").and_then(Value::as_str) == Some(name.as_str())).len())
        }
        ("purchase.order", "is_late") => {
            let planned = st.str_of(model, id, "date_planned");
            let now = chrono::Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
            json!(planned.is_some_and(|p| p < now) && st.str_of(model, id, "receipt_status").as_deref() != Some("full"))
        }
        ("purchase.order.line", "product_uom_qty") => json!(st.f64_of(model, id, "product_qty")),
        ("purchase.order.line", "price_subtotal" | "price_total") => json!(subtotal(st, id)),
        ("purchase.order.line", "selected_seller_id") => {
            let (partner, product) = (st.m2o(model, id, "partner_id"), st.m2o(model, id, "product_id"));
            let found = st.find("product.supplierinfo", |r| {
                r.get("partner_id").and_then(Value::as_i64) == partner
                    && r.get("product_id").and_then(Value::as_i64) == product
            });
            found.first().map(|s| json!(s)).unwrap_or(Value::Bool(false))
        }
        _ => return None,
    })
}

fn subtotal(st: &Store, line: i64) -> f64 {
    st.f64_of("purchase.order.line", line, "product_qty") * st.f64_of("purchase.order.line", line, "price_unit")
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    let v = env.version();
    let d = |vals: &mut Map<String, Value>, k: &str, val: Value| {
        vals.entry(k.to_string()).or_insert(val);
    };
    match model {
        "purchase.order" => {
            if vals.get("name").is_none_or(|n| n == "New" || n == &json!(false)) {
                let n = env.st.next_sequence("purchase.order");
                vals.insert("name".into(), json!(format!("P{n:05}")));
            }
            d(vals, "state", json!("draft"));
            d(vals, "date_order", json!(env.now_str()));
            d(vals, "company_id", json!(1));
            d(vals, "currency_id", json!(env.st.xmlid("base.main_currency")));
            d(vals, "user_id", json!(env.uid));
            d(vals, "priority", json!("0"));
            d(vals, "invoice_status", json!("no"));
            d(vals, "picking_type_id", json!(env.st.xmlid("stock.picking_type_in")));
            if v == OdooVersion::V19 {
                d(vals, "acknowledged", json!(false));
                d(vals, "locked", json!(false));
            } else {
                d(vals, "mail_reminder_confirmed", json!(false));
                d(vals, "mail_reception_confirmed", json!(false));
                if v == OdooVersion::V18 {
                    d(vals, "mail_reception_declined", json!(false));
                }
            }
        }
        "purchase.order.line" => {
            let product = vals.get("product_id").and_then(Value::as_i64);
            let order = vals.get("order_id").and_then(Value::as_i64);
            if let Some(p) = product {
                d(vals, "name", json!(env.st.display_name("product.product", p)));
                let uom_src = if v == OdooVersion::V19 { "uom_id" } else { "uom_po_id" };
                let uom = env.st.m2o("product.product", p, uom_src);
                d(vals, line_uom_field(v), json!(uom));
                let partner = order.and_then(|o| env.st.m2o("purchase.order", o, "partner_id"));
                let seller = env.st.find("product.supplierinfo", |r| {
                    r.get("partner_id").and_then(Value::as_i64) == partner
                        && r.get("product_id").and_then(Value::as_i64) == Some(p)
                });
                let (price, delay) = seller
                    .first()
                    .map(|s| {
                        (
                            env.st.f64_of("product.supplierinfo", *s, "price"),
                            env.st.value("product.supplierinfo", *s, "delay").as_i64().unwrap_or(0),
                        )
                    })
                    .unwrap_or((0.0, 0));
                d(vals, "price_unit", json!(price));
                let planned = env.now + chrono::Duration::days(delay);
                d(vals, "date_planned", json!(planned.format("%Y-%m-%d %H:%M:%S").to_string()));
            }
            d(vals, "product_qty", json!(1.0));
            d(vals, "price_unit", json!(0.0));
            d(vals, "qty_received", json!(0.0));
            d(vals, "qty_received_method", json!(if product.is_some() { "stock_moves" } else { "manual" }));
            d(vals, "display_type", json!(false));
            d(vals, "sequence", json!(10));
        }
        _ => {}
    }
    Ok(())
}

pub fn after_create(env: &mut Env, model: &str, id: i64) -> Result<()> {
    if model == "purchase.order.line" {
        let order = env.st.m2o(model, id, "order_id").unwrap_or(0);
        recompute_order(env, order);
        // A line added to a confirmed order gets its receipt move right away.
        if matches!(env.st.str_of("purchase.order", order, "state").as_deref(), Some("purchase" | "done")) {
            let qty = env.st.f64_of(model, id, "product_qty");
            crate::models::stock::create_receipt(env, order, &[(id, qty)])?;
        }
    }
    Ok(())
}

/// Stored computes of the order that depend on its lines (date_planned = earliest line date); bumps write_date.
fn recompute_order(env: &mut Env, order: i64) {
    if !env.st.exists("purchase.order", order) {
        return;
    }
    let dates: Vec<String> = env
        .st
        .inverse("purchase.order.line", "order_id", order)
        .iter()
        .filter_map(|l| env.st.str_of("purchase.order.line", *l, "date_planned"))
        .collect();
    if let Some(min) = dates.iter().min() {
        env.st.set_raw("purchase.order", order, "date_planned", json!(min));
    }
    env.bump("purchase.order", order, ["date_planned".to_string(), "amount_total".to_string()].into());
}

pub fn before_write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> Result<()> {
    if model == "purchase.order.line" {
        if let Some(new_qty) = vals.get("product_qty").and_then(Value::as_f64) {
            for &l in ids {
                let order = env.st.m2o(model, l, "order_id").unwrap_or(0);
                let confirmed =
                    matches!(env.st.str_of("purchase.order", order, "state").as_deref(), Some("purchase" | "done"));
                if confirmed && new_qty < env.st.f64_of(model, l, "qty_received") {
                    return Err(OdooError::UserError(
                        "You cannot decrease the ordered quantity below the received quantity.\nCreate a return first."
                            .into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

pub fn after_write(env: &mut Env, model: &str, ids: &[i64], vals: &Map<String, Value>) -> Result<()> {
    match model {
        "purchase.order" => {
            if let Some(date) = vals.get("date_planned").filter(|d| d.is_string()) {
                // `_inverse_date_planned`: the order date is pushed to every line.
                for &o in ids {
                    let lines = env.st.inverse("purchase.order.line", "order_id", o);
                    env.write_su("purchase.order.line", &lines, one("date_planned", date.clone()))?;
                }
            }
        }
        "purchase.order.line" => {
            for &l in ids {
                let order = env.st.m2o(model, l, "order_id").unwrap_or(0);
                let confirmed =
                    matches!(env.st.str_of("purchase.order", order, "state").as_deref(), Some("purchase" | "done"));
                if confirmed && vals.contains_key("product_qty") {
                    crate::models::stock::update_receipt_qty(env, l)?;
                }
                if confirmed && vals.contains_key("date_planned") {
                    // Only the moves' deadline follows; move.date and picking.scheduled_date stay (§6.2).
                    let date = env.st.value(model, l, "date_planned");
                    for m in open_moves(env.st, l) {
                        env.write_su("stock.move", &[m], one("date_deadline", date.clone()))?;
                    }
                }
                if ["product_qty", "price_unit", "date_planned"].iter().any(|k| vals.contains_key(*k)) {
                    recompute_order(env, order);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn open_moves(st: &Store, line: i64) -> Vec<i64> {
    st.inverse("stock.move", "purchase_line_id", line)
        .into_iter()
        .filter(|m| !matches!(st.str_of("stock.move", *m, "state").as_deref(), Some("done" | "cancel")))
        .collect()
}

pub fn before_unlink(env: &Env, model: &str, ids: &[i64]) -> Result<()> {
    if model == "purchase.order" {
        for &o in ids {
            if !matches!(env.st.str_of(model, o, "state").as_deref(), Some("draft" | "cancel")) {
                return Err(OdooError::UserError(
                    "In order to delete a purchase order, you must cancel it first.".into(),
                ));
            }
        }
    }
    Ok(())
}

// ---- business methods ----

/// `button_confirm`: approve, create the incoming picking (state assigned, move lines pre-filled) (§13.5).
pub fn button_confirm(env: &mut Env, ids: &[i64]) -> Result<Value> {
    for &o in ids {
        if !matches!(env.st.str_of("purchase.order", o, "state").as_deref(), Some("draft" | "sent")) {
            continue;
        }
        let mut vals = Map::new();
        vals.insert("state".into(), json!("purchase"));
        vals.insert("date_approve".into(), json!(env.now_str()));
        env.write_su("purchase.order", &[o], vals)?;
        let lines: Vec<(i64, f64)> = env
            .st
            .inverse("purchase.order.line", "order_id", o)
            .into_iter()
            .filter(|l| env.st.m2o("purchase.order.line", *l, "product_id").is_some())
            .map(|l| (l, env.st.f64_of("purchase.order.line", l, "product_qty")))
            .collect();
        crate::models::stock::create_receipt(env, o, &lines)?;
        env.write_su("purchase.order", &[o], one("receipt_status", json!("pending")))?;
    }
    Ok(json!(true))
}

/// `button_cancel`: returns None; refuses when a receipt is already done.
pub fn button_cancel(env: &mut Env, ids: &[i64]) -> Result<Value> {
    for &o in ids {
        let pickings = env.st.ids_of("purchase.order", o, "picking_ids");
        if pickings.iter().any(|p| env.st.str_of("stock.picking", *p, "state").as_deref() == Some("done")) {
            let name = env.st.str_of("purchase.order", o, "name").unwrap_or_default();
            return Err(OdooError::UserError(format!(
                "Unable to cancel purchase order {name} as some receptions have already been done."
            )));
        }
        for p in pickings {
            crate::models::stock::cancel_picking(env, p)?;
        }
        env.write_su("purchase.order", &[o], one("state", json!("cancel")))?;
    }
    Ok(Value::Null)
}

pub fn button_draft(env: &mut Env, ids: &[i64]) -> Result<Value> {
    env.write_su("purchase.order", ids, one("state", json!("draft")))?;
    Ok(json!({}))
}

/// 19: `button_lock` / `button_unlock` toggle `locked`; 17/18: `button_done` / `button_unlock` use state `done`.
pub fn lock(env: &mut Env, ids: &[i64], lock: bool) -> Result<Value> {
    if env.version() == OdooVersion::V19 {
        env.write_su("purchase.order", ids, one("locked", json!(lock)))?;
    } else {
        env.write_su("purchase.order", ids, one("state", json!(if lock { "done" } else { "purchase" })))?;
    }
    Ok(Value::Null)
}

/// 19: `action_acknowledge` → `acknowledged = True`, returns None.
pub fn action_acknowledge(env: &mut Env, ids: &[i64]) -> Result<Value> {
    env.write_su("purchase.order", ids, one("acknowledged", json!(true)))?;
    Ok(Value::Null)
}

/// 17/18: `confirm_reminder_mail(confirmed_date=False)`: sets `mail_reminder_confirmed` and posts a note; None.
pub fn confirm_reminder_mail(env: &mut Env, ids: &[i64], kwargs: &Map<String, Value>) -> Result<Value> {
    for &o in ids {
        let state = env.st.str_of("purchase.order", o, "state");
        if !matches!(state.as_deref(), Some("purchase" | "done"))
            || env.st.bool_of("purchase.order", o, "mail_reminder_confirmed")
        {
            continue;
        }
        env.write_su("purchase.order", &[o], one("mail_reminder_confirmed", json!(true)))?;
        let date = match kwargs.get("confirmed_date").and_then(Value::as_str) {
            Some(d) => d.to_string(),
            None => env.st.str_of("purchase.order", o, "date_planned").unwrap_or_default().chars().take(10).collect(),
        };
        let partner = env.st.m2o("purchase.order", o, "partner_id").unwrap_or(0);
        let who = env.st.str_of("res.partner", partner, "name").unwrap_or_default();
        let mut post = Map::new();
        post.insert("body".into(), json!(format!("{who} confirmed the receipt will take place on {date}.")));
        post.insert("subtype_xmlid".into(), json!("mail.mt_note"));
        crate::models::base::message_post(env, "purchase.order", &[o], &post)?;
    }
    Ok(Value::Null)
}
