//! §6.6 ASN lot recipe (LIVE-19, LIVE-17), tracking rules, and the confirmed-line side effects of §6.2/§13.5.

mod common;

use chrono::{Duration, Utc};
use common::{acme_po, ids, Odoo};
use odoo_sim::OdooVersion::{self, V17, V19};
use serde_json::{json, Value};

async fn asn_recipe(v: OdooVersion) {
    let o = Odoo::start(v).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let po = o.sim.read_record("purchase.order", f.po).unwrap();
    assert_eq!(po["receipt_status"], "pending");
    assert!(po["date_approve"].is_string());
    let picking = ids(&po["picking_ids"]);
    assert_eq!(picking.len(), 1);
    let picking = picking[0];
    let p = o.sim.read_record("stock.picking", picking).unwrap();
    assert_eq!(p["state"], "assigned");
    assert_eq!(p["picking_type_code"], "incoming");
    let mls = o
        .admin_kw(
            "stock.move.line",
            "search_read",
            json!([[["picking_id", "=", picking]]]),
            json!({"fields": ["quantity", "lot_name", "move_id", "location_id", "location_dest_id", "product_id"]}),
        )
        .await;
    assert_eq!(mls.as_array().unwrap().len(), 1);
    let ml = &mls[0];
    assert_eq!(ml["quantity"], 10.0);
    assert_eq!(ml["lot_name"], false);

    let ml_id = ml["id"].as_i64().unwrap();
    let w =
        o.admin_kw("stock.move.line", "write", json!([[ml_id], {"lot_name": "LOT-A", "quantity": 6}]), json!({})).await;
    assert_eq!(w, true);
    let m2o = |v: &Value| v[0].clone();
    let created = o
        .admin_kw(
            "stock.move.line",
            "create",
            json!([{"move_id": m2o(&ml["move_id"]), "picking_id": picking, "product_id": f.product, "lot_name": "LOT-B", "quantity": 4,
                    "location_id": m2o(&ml["location_id"]), "location_dest_id": m2o(&ml["location_dest_id"])}]),
            json!({}),
        )
        .await;
    assert!(created.is_i64());
    let move_id = ml["move_id"][0].as_i64().unwrap();
    assert_eq!(o.sim.read_record("stock.move", move_id).unwrap()["state"], "partially_available");
    let r = o.admin_kw("stock.picking", "button_validate", json!([[picking]]), json!({})).await;
    assert_eq!(r, true);
    assert_eq!(o.sim.read_record("stock.picking", picking).unwrap()["state"], "done");
    for (name, qty) in [("LOT-A", 6.0), ("LOT-B", 4.0)] {
        let lot = o.sim.search_ids("stock.lot", json!([["name", "=", name], ["product_id", "=", f.product]]));
        assert_eq!(lot.len(), 1, "{name} created");
        assert_eq!(o.sim.read_record("stock.lot", lot[0]).unwrap()["product_qty"], qty);
    }
    let line = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["order_line"])[0];
    assert_eq!(o.sim.read_record("purchase.order.line", line).unwrap()["qty_received"], 10.0);
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["receipt_status"], "full");
}

#[tokio::test]
async fn asn_lot_split_and_validate_19() {
    asn_recipe(V19).await;
}

#[tokio::test]
async fn asn_lot_split_and_validate_17() {
    asn_recipe(V17).await;
}

#[tokio::test]
async fn tracking_rules_refuse_validation() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let picking = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["picking_ids"])[0];
    let r = o.execute_kw(2, "admin", "stock.picking", "button_validate", json!([[picking]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.UserError");
    assert_eq!(
        r["error"]["data"]["message"],
        "You need to supply a Lot/Serial number for products [BRK-100] Steel bracket."
    );

    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "serial", 2.0);
    let picking = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["picking_ids"])[0];
    let mls = o.sim.search_ids("stock.move.line", json!([["picking_id", "=", picking]]));
    assert_eq!(mls.len(), 2, "one move line per serial unit");
    o.admin_kw("stock.move.line", "write", json!([[mls[0]], {"lot_name": "SN-1", "quantity": 2}]), json!({})).await;
    let r = o.execute_kw(2, "admin", "stock.picking", "button_validate", json!([[picking]]), json!({})).await;
    assert_eq!(r["error"]["data"]["message"], "You can only process 1.0 Units of products with unique serial number.");
    o.admin_kw("stock.move.line", "write", json!([[mls[0]], {"quantity": 1}]), json!({})).await;
    o.admin_kw("stock.move.line", "write", json!([[mls[1]], {"lot_name": "SN-2"}]), json!({})).await;
    assert_eq!(o.admin_kw("stock.picking", "button_validate", json!([[picking]]), json!({})).await, true);
}

#[tokio::test]
async fn partial_receipt_asks_for_a_backorder_unless_skipped() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "none", 10.0);
    let picking = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["picking_ids"])[0];
    let ml = o.sim.search_ids("stock.move.line", json!([["picking_id", "=", picking]]))[0];
    o.admin_kw("stock.move.line", "write", json!([[ml], {"quantity": 4}]), json!({})).await;
    let r = o.admin_kw("stock.picking", "button_validate", json!([[picking]]), json!({})).await;
    assert_eq!(r["res_model"], "stock.backorder.confirmation");
    assert_eq!(o.sim.read_record("stock.picking", picking).unwrap()["state"], "assigned", "nothing changed");
    let r = o
        .admin_kw("stock.picking", "button_validate", json!([[picking]]), json!({"context": {"skip_backorder": true}}))
        .await;
    assert_eq!(r, true);
    let po = o.sim.read_record("purchase.order", f.po).unwrap();
    assert_eq!(po["receipt_status"], "partial");
    let pickings = ids(&po["picking_ids"]);
    assert_eq!(pickings.len(), 2, "backorder created");
    let bo = o.sim.read_record("stock.picking", pickings[1]).unwrap();
    assert_eq!(bo["backorder_id"][0], picking);
    let mv = ids(&bo["move_ids"])[0];
    assert_eq!(o.sim.read_record("stock.move", mv).unwrap()["product_uom_qty"], 6.0);
}

#[tokio::test]
async fn confirmed_line_qty_and_date_side_effects() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "none", 10.0);
    let po = o.sim.read_record("purchase.order", f.po).unwrap();
    let line = ids(&po["order_line"])[0];
    let picking = ids(&po["picking_ids"])[0];
    let mv = o.sim.search_ids("stock.move", json!([["purchase_line_id", "=", line]]))[0];
    let before = o.sim.read_record("stock.move", mv).unwrap();
    let scheduled = o.sim.read_record("stock.picking", picking).unwrap()["scheduled_date"].clone();
    for qty in [12.0, 7.0] {
        o.admin_kw("purchase.order.line", "write", json!([[line], {"product_qty": qty}]), json!({})).await;
        let m = o.sim.read_record("stock.move", mv).unwrap();
        assert_eq!(m["product_uom_qty"], qty, "move updated in place");
        assert_eq!(m["picking_id"][0], picking, "same picking");
    }
    assert_eq!(o.sim.search_ids("stock.move", json!([["purchase_line_id", "=", line]])).len(), 1);
    let new_date = (Utc::now() + Duration::days(30)).format("%Y-%m-%d %H:%M:%S").to_string();
    o.admin_kw("purchase.order.line", "write", json!([[line], {"date_planned": new_date}]), json!({})).await;
    let m = o.sim.read_record("stock.move", mv).unwrap();
    assert_eq!(m["date_deadline"], new_date);
    assert_eq!(m["date"], before["date"], "move.date unchanged");
    assert_eq!(
        o.sim.read_record("stock.picking", picking).unwrap()["scheduled_date"],
        scheduled,
        "picking date unchanged"
    );
    assert_eq!(
        o.sim.read_record("purchase.order", f.po).unwrap()["date_planned"],
        new_date,
        "PO date_planned = min of lines"
    );
}

#[tokio::test]
async fn mo_component_availability_follows_receipt_dates() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "none", 10.0);
    let fg = o.sim.create_product("FG", "Finished", "none", "Units");
    let early = o.sim.create_manufacturing_order(fg, 1.0, Utc::now() + Duration::days(5), &[(f.product, 2.0)]);
    let late = o.sim.create_manufacturing_order(fg, 1.0, Utc::now() + Duration::days(20), &[(f.product, 2.0)]);
    assert_eq!(o.sim.read_record("mrp.production", early).unwrap()["components_availability_state"], "late");
    assert_eq!(o.sim.read_record("mrp.production", late).unwrap()["components_availability_state"], "expected");
    let moves = o.admin_kw(
        "stock.move",
        "search_read",
        json!([[["raw_material_production_id", "!=", false], ["product_id", "=", f.product], ["state", "not in", ["done", "cancel"]]]]),
        json!({"fields": ["raw_material_production_id", "date", "product_uom_qty", "quantity"], "order": "date asc"}),
    )
    .await;
    assert_eq!(moves.as_array().unwrap().len(), 2);
    assert_eq!(moves[0]["raw_material_production_id"][0], early);
}
