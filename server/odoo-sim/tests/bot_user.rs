//! §11: the least-privilege vendor bot, row by row (JSON-2 on 19), plus the planning user.

mod common;

use chrono::{Duration, Utc};
use common::{acme_po, ids, Odoo};
use odoo_sim::{NewPoLine, OdooVersion::V19, SimConfig};
use serde_json::json;

#[tokio::test]
async fn bot_user_table() {
    let mut config = SimConfig::new(V19);
    config.stock_delivery = true;
    let o = Odoo::start_with(config).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let acme2 = o.sim.create_purchase_order(f.vendor, &[], false);
    let other = o.sim.create_vendor("Globex", None);
    let other_product = o.sim.create_product("GX-1", "Other", "none", "Units");
    let other_po = o.sim.create_purchase_order(
        other,
        &[NewPoLine {
            product_id: other_product,
            qty: 3.0,
            price_unit: 1.0,
            date_planned: Utc::now() + Duration::days(2),
        }],
        true,
    );
    let si = o.sim.search_ids("product.supplierinfo", json!([["partner_id", "=", f.vendor]]))[0];
    let mo = o.sim.create_manufacturing_order(other_product, 1.0, Utc::now() + Duration::days(5), &[(f.product, 2.0)]);
    let (bot_uid, key) = o.sim.create_bot_user(f.vendor, "acme-sync-bot");

    // search_read sees only ACME's POs (admin sees all).
    let r = o.json2(&key, "purchase.order", "search_read", json!({"domain": [], "fields": ["partner_id"]})).await;
    assert_eq!(r.status, 200);
    let mut seen = ids(&json!(r.json().as_array().unwrap().iter().map(|p| p["id"].clone()).collect::<Vec<_>>()));
    seen.sort();
    assert_eq!(seen, vec![f.po, acme2]);
    assert_eq!(o.sim.search_ids("purchase.order", json!([])).len(), 3);

    // read of another vendor's PO → 403 record rule.
    let r = o.json2(&key, "purchase.order", "read", json!({"ids": [other_po], "fields": ["name"]})).await;
    assert_eq!(r.status, 403);
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(msg.contains(&format!("Sorry, ACME Components sync bot (id={bot_uid}) doesn't have 'read' access to:\n- Purchase Order (purchase.order)")), "{msg}");

    // Only ACME's incoming pickings.
    let r = o
        .json2(
            &key,
            "stock.picking",
            "search_read",
            json!({"domain": [], "fields": ["partner_id", "picking_type_code", "carrier_tracking_ref"]}),
        )
        .await;
    let pickings = r.json();
    assert_eq!(pickings.as_array().unwrap().len(), 1);
    let picking = pickings[0]["id"].as_i64().unwrap();
    assert_eq!(pickings[0]["picking_type_code"], "incoming");

    // Move line write (ASN lot), picking write, acknowledge, line date, supplierinfo delay, message_post.
    let ml = o.sim.search_ids("stock.move.line", json!([["picking_id", "=", picking]]))[0];
    let r = o
        .json2(&key, "stock.move.line", "write", json!({"ids": [ml], "vals": {"lot_name": "BOT-LOT-1", "quantity": 5}}))
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, "true"));
    let r = o.json2(&key, "stock.picking", "write", json!({"ids": [picking], "vals": {"scheduled_date": "2026-12-20 09:00:00", "carrier_tracking_ref": "1Z999AA10123456784"}})).await;
    assert_eq!(r.text, "true");
    let r = o.json2(&key, "purchase.order", "action_acknowledge", json!({"ids": [f.po]})).await;
    assert_eq!((r.status, r.text.as_str()), (200, "null"));
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["acknowledged"], true);
    let line = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["order_line"])[0];
    let r = o
        .json2(
            &key,
            "purchase.order.line",
            "write",
            json!({"ids": [line], "vals": {"date_planned": "2026-12-24 10:00:00"}}),
        )
        .await;
    assert_eq!(r.text, "true");
    let r = o.json2(&key, "product.supplierinfo", "write", json!({"ids": [si], "vals": {"delay": 9}})).await;
    assert_eq!(r.text, "true");
    let r = o
        .json2(
            &key,
            "purchase.order",
            "message_post",
            json!({"ids": [f.po], "body": "ETA moved", "message_type": "comment", "subtype_xmlid": "mail.mt_note"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let msg_ids = ids(&r.json());
    assert_eq!(msg_ids.len(), 1, "19 returns [message_id]");
    let r = o.json2(&key, "mail.message", "search_read", json!({"domain": [["model", "=", "purchase.order"], ["res_id", "=", f.po]], "fields": ["body", "author_id", "message_type"]})).await;
    assert_eq!(r.json()[0]["body"], "ETA moved");
    assert_eq!(r.json()[0]["message_type"], "comment");

    // button_validate → 403 (cannot receive goods), PO create → 403, MO read → 200.
    let r = o.json2(&key, "stock.picking", "button_validate", json!({"ids": [picking]})).await;
    assert_eq!(r.status, 403);
    assert!(r.json()["message"].as_str().unwrap().starts_with("Failed to read field stock.reference.sale_ids\nYou are not allowed to access 'Sales Order' (sale.order) records."));
    let r = o.json2(&key, "purchase.order", "create", json!({"vals_list": [{"partner_id": f.vendor}]})).await;
    assert_eq!(r.status, 403);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("You are not allowed to create 'Purchase Order' (purchase.order) records."));
    assert!(r.json()["message"].as_str().unwrap().contains("\t- Purchase/Administrator\n\t- Purchase/User"));
    let r = o.json2(&key, "mrp.production", "search_read", json!({"domain": [], "fields": ["name"]})).await;
    assert_eq!((r.status, r.json()[0]["id"].as_i64()), (200, Some(mo)));

    // Writing another vendor's move line is refused by the record rule.
    let other_ml =
        o.sim.search_ids("stock.move.line", json!([["move_id.purchase_line_id.order_id", "=", other_po]]))[0];
    let r = o.json2(&key, "stock.move.line", "write", json!({"ids": [other_ml], "vals": {"lot_name": "X"}})).await;
    assert_eq!(r.status, 403);
    // Creating a move line under another vendor's move is refused too (rule checked on create).
    let other_move = o.sim.search_ids("stock.move", json!([["purchase_line_id.order_id", "=", other_po]]))[0];
    let r = o
        .json2(&key, "stock.move.line", "create", json!({"vals_list": [{"move_id": other_move, "quantity": 1}]}))
        .await;
    assert_eq!(r.status, 403);
    assert!(o.sim.search_ids("stock.move.line", json!([["move_id", "=", other_move]])).len() == 1, "rolled back");
}

#[tokio::test]
async fn planning_user_reads_everything_it_plans_with_and_writes_nothing() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let mo = o.sim.create_manufacturing_order(f.product, 1.0, Utc::now() + Duration::days(5), &[(f.product, 2.0)]);
    let (_, key) = o.sim.create_planning_user("planning");
    for model in
        ["purchase.order", "purchase.order.line", "mrp.production", "stock.move", "product.product", "product.template"]
    {
        let r = o.json2(&key, model, "search", json!({"domain": []})).await;
        assert_eq!(r.status, 200, "{model}: {}", r.text);
    }
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [f.po], "vals": {"partner_ref": "x"}})).await;
    assert_eq!(r.status, 403);
    let r = o.json2(&key, "mrp.production", "write", json!({"ids": [mo], "vals": {"origin": "x"}})).await;
    assert_eq!(r.status, 403);
    let r = o.json2(&key, "stock.picking", "search", json!({"domain": []})).await;
    assert_eq!(r.status, 403);
}
