//! Domains, ordering, paging, write_date bookkeeping, stock_delivery fields, quality holds, demo seed.

mod common;

use chrono::{Duration, Utc};
use common::{acme_po, ids, Odoo};
use odoo_sim::OdooVersion::{V18, V19};
use odoo_sim::{NewPoLine, SimConfig};
use serde_json::json;

#[tokio::test]
async fn domains_order_limit_offset() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let other = o.sim.create_vendor("Globex Metals", None);
    let line = |d| NewPoLine {
        product_id: f.product,
        qty: 1.0,
        price_unit: 1.0,
        date_planned: Utc::now() + Duration::days(d),
    };
    let p2 = o.sim.create_purchase_order(other, &[line(3)], true);
    let p3 = o.sim.create_purchase_order(f.vendor, &[line(5)], false);
    let s = |d| o.admin_kw("purchase.order", "search", json!([d]), json!({}));
    assert_eq!(ids(&s(json!([["partner_id", "child_of", [f.vendor]]])).await), vec![p3, f.po], "default order id desc");
    assert_eq!(
        ids(&s(json!(["|", ["state", "=", "draft"], ["partner_id.name", "ilike", "globex"]])).await),
        vec![p3, p2]
    );
    assert_eq!(ids(&s(json!(["!", ["state", "in", ["purchase"]]])).await), vec![p3]);
    assert_eq!(ids(&s(json!([["partner_ref", "=?", false]])).await).len(), 3);
    assert_eq!(ids(&s(json!([["picking_ids", "!=", false]])).await), vec![p2, f.po]);
    assert_eq!(ids(&s(json!([["name", "=like", "P0000_"]])).await).len(), 3);
    let r = o
        .admin_kw(
            "purchase.order",
            "search_read",
            json!([[]]),
            json!({"fields": ["name"], "order": "write_date asc, id asc", "limit": 2, "offset": 1}),
        )
        .await;
    assert_eq!(r.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![p2, p3]);
    let mls = o
        .admin_kw(
            "stock.move.line",
            "search",
            json!([[["move_id.purchase_line_id.order_id.partner_id", "=", other]]]),
            json!({}),
        )
        .await;
    assert_eq!(ids(&mls).len(), 1);
    let r = o.execute_kw(2, "admin", "purchase.order", "search", json!([[["nope", "=", 1]]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "builtins.ValueError");
}

#[tokio::test]
async fn write_date_is_monotonic_and_searchable() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let mut last = String::new();
    for i in 0..20 {
        o.admin_kw("purchase.order", "write", json!([[f.po], {"partner_ref": format!("R{i}")}]), json!({})).await;
        let raw = o.sim.read_raw("purchase.order", f.po, &["write_date"]).unwrap()["write_date"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(raw > last, "{raw} after {last}");
        last = raw;
    }
    let cursor = &last[..19];
    let found = o.admin_kw("purchase.order", "search", json!([[["write_date", ">=", cursor]]]), json!({})).await;
    assert_eq!(ids(&found), vec![f.po]);
}

#[tokio::test]
async fn carrier_fields_only_with_stock_delivery() {
    let o = Odoo::start(V18).await;
    let fields = o.admin_kw("stock.picking", "fields_get", json!([]), json!({"attributes": ["type"]})).await;
    assert!(fields.get("carrier_tracking_ref").is_none());
    assert!(fields.get("move_ids_without_package").is_some());
    let mut config = SimConfig::new(V19);
    config.stock_delivery = true;
    let o = Odoo::start_with(config).await;
    let fields = o.admin_kw("stock.picking", "fields_get", json!([]), json!({"attributes": ["type"]})).await;
    assert_eq!(fields["carrier_tracking_ref"]["type"], "char");
    assert_eq!(fields["carrier_id"]["type"], "many2one");
}

#[tokio::test]
async fn quality_hold_via_qc_location_and_oca_inspection() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let picking = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["picking_ids"])[0];
    let ml = o.sim.search_ids("stock.move.line", json!([["picking_id", "=", picking]]))[0];
    o.admin_kw("stock.move.line", "write", json!([[ml], {"lot_name": "LOT-Q"}]), json!({})).await;
    o.admin_kw("stock.picking", "button_validate", json!([[picking]]), json!({})).await;
    let lot = o.sim.search_ids("stock.lot", json!([["name", "=", "LOT-Q"]]))[0];
    let qc = o.sim.quality_hold(lot);
    let quants = o
        .admin_kw(
            "stock.quant",
            "search_read",
            json!([[["lot_id", "=", lot], ["quantity", ">", 0]]]),
            json!({"fields": ["location_id", "quantity"]}),
        )
        .await;
    assert_eq!(quants[0]["location_id"][1], "WH/Quality Control");
    let insp = o.sim.create_qc_inspection(lot, Some(picking), "ready");
    let r = o
        .admin_kw(
            "qc.inspection",
            "read",
            json!([[insp]]),
            json!({"fields": ["state", "lot_id", "object_id", "success", "picking_origin"]}),
        )
        .await;
    assert_eq!(r[0]["object_id"], format!("stock.lot,{lot}"));
    assert_eq!(r[0]["success"], false);
    assert_eq!(o.admin_kw("stock.picking", "button_validate", json!([[qc]]), json!({})).await, true);
    let quants = o
        .admin_kw(
            "stock.quant",
            "search_read",
            json!([[["lot_id", "=", lot], ["quantity", ">", 0]]]),
            json!({"fields": ["location_id"]}),
        )
        .await;
    assert_eq!(quants[0]["location_id"][1], "WH/Stock", "released");
}

#[tokio::test]
async fn demo_seed_is_usable_by_its_bots() {
    let o = Odoo::start(V19).await;
    let seed = o.sim.seed_demo();
    assert_eq!(seed.vendors.len(), 2);
    let bot = &seed.vendors[0].bot;
    let r = o.json2(&bot.api_key, "purchase.order", "search", json!({"domain": []})).await;
    assert_eq!(ids(&r.json()).len(), 2, "ACME has two POs");
    let r = o
        .json2(
            &seed.planning.api_key,
            "mrp.production",
            "search_read",
            json!({"domain": [], "fields": ["components_availability_state"]}),
        )
        .await;
    assert_eq!(r.json()[0]["components_availability_state"], "late", "CTL-200 arrives after the MO start");
}
