//! §4.2: every JSON-2 response row.

mod common;

use chrono::{Duration, Utc};
use common::{acme_po, ids, Odoo};
use odoo_sim::OdooVersion::{V18, V19};
use serde_json::json;

#[tokio::test]
async fn success_and_context_get() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let key = o.sim.admin_key();
    let r = o
        .json2(&key, "purchase.order", "search_read", json!({"domain": [["id", "=", f.po]], "fields": ["name", "state", "partner_id", "date_planned", "order_line"], "context": {"lang": "en_US"}}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json; charset=utf-8");
    let v = r.json();
    assert_eq!(v[0]["partner_id"], json!([f.vendor, "ACME Components"]));
    assert_eq!(v[0]["state"], "purchase");
    let r = o.json2(&key, "res.users", "context_get", json!({})).await;
    assert_eq!(r.json(), json!({"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}));
    // write → true, None → null, create → always a list
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [f.po], "vals": {"partner_ref": "SO-1"}})).await;
    assert_eq!(r.text, "true");
    let r = o.json2(&key, "purchase.order", "action_acknowledge", json!({"ids": [f.po]})).await;
    assert_eq!((r.status, r.text.as_str()), (200, "null"));
    let r = o.json2(&key, "res.partner", "create", json!({"vals_list": [{"name": "A"}, {"name": "B"}]})).await;
    assert_eq!(ids(&r.json()).len(), 2);
    let r = o.json2(&key, "purchase.order", "search_count", json!({"domain": [["partner_ref", "=", "SO-1"]]})).await;
    assert_eq!(r.text, "1");
    let r = o.json2(&key, "res.partner", "name_search", json!({"name": "ACME", "limit": 5})).await;
    assert_eq!(r.json(), json!([[f.vendor, "ACME Components"]]));
    // Bearer scheme is case-insensitive.
    let r = o
        .http
        .post(format!("{}/json/2/res.users/context_get", o.base))
        .header("Authorization", format!("BEARER   {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = o.get("/web/version").await;
    assert_eq!(r.json(), json!({"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}));
}

#[tokio::test]
async fn unauthorized_rows() {
    let o = Odoo::start(V19).await;
    let r = o.json2("0123456789abcdef0123456789abcdef01234567", "purchase.order", "search", json!({})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["www-authenticate"].to_str().unwrap().trim(), "Bearer");
    let v = r.json();
    assert_eq!(v["name"], "werkzeug.exceptions.Unauthorized");
    assert_eq!(v["message"], "Invalid apikey");
    assert_eq!(v["arguments"], json!(["Invalid apikey", 401]));
    assert_eq!(v["context"], json!({}));
    assert!(v["debug"].as_str().unwrap().starts_with("Traceback"));

    let r = o.http.post(format!("{}/json/2/purchase.order/search", o.base)).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message"], "User not authenticated, use an API Key with a Bearer Authorization header.");

    // Expired key (18+), revoked key.
    let vendor = o.sim.create_vendor("ACME", None);
    let (uid, key) = o.sim.create_bot_user(vendor, "bot");
    assert_eq!(o.json2(&key, "res.users", "context_get", json!({})).await.status, 200);
    let expired = o.sim.create_api_key(uid, Some(Utc::now() - Duration::minutes(1)));
    assert_eq!(o.json2(&expired, "res.users", "context_get", json!({})).await.status, 401);
    o.sim.revoke_api_keys(uid);
    assert_eq!(o.json2(&key, "res.users", "context_get", json!({})).await.status, 401);
}

#[tokio::test]
async fn not_found_rows() {
    let o = Odoo::start(V19).await;
    let key = o.sim.admin_key();
    let r = o.json2(&key, "no.such.model", "search", json!({})).await;
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["name"], "werkzeug.exceptions.NotFound");
    assert_eq!(v["message"], "the model 'no.such.model' does not exist");
    assert_eq!(v["arguments"], json!(["the model 'no.such.model' does not exist", 404]));
    let r = o.json2(&key, "purchase.order", "foo", json!({})).await;
    assert_eq!((r.status, r.json()["message"].clone()), (404, json!("The method 'purchase.order.foo' does not exist")));
    let r = o.http.get(format!("{}/json/2/purchase.order/search", o.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message"], "Did you mean POST /json/2/purchase.order/search?");
    let r = o
        .http
        .post(format!("{}/json/2/purchase.order/search", o.base))
        .header("Authorization", format!("bearer {key}"))
        .header("X-Odoo-Database", "nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("No database is selected"));
    // MissingError → 404
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [999999], "vals": {"partner_ref": "x"}})).await;
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["name"], "odoo.exceptions.MissingError");
    assert_eq!(v["message"], "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)");
}

#[tokio::test]
async fn unprocessable_and_bad_request_rows() {
    let o = Odoo::start(V19).await;
    let key = o.sim.admin_key();
    let r = o.json2(&key, "purchase.order", "search_read", json!({"domain": [], "fieldz": ["name"]})).await;
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!(v["name"], "werkzeug.exceptions.UnprocessableEntity");
    assert_eq!(v["message"], "got an unexpected keyword argument 'fieldz'");
    assert_eq!(v["arguments"], json!(["got an unexpected keyword argument 'fieldz'", 422]));
    let r = o.json2(&key, "purchase.order", "create", json!({"ids": [1], "vals_list": [{}]})).await;
    assert_eq!((r.status, r.json()["message"].clone()), (422, json!("cannot call purchase.order.create with ids")));
    let send = |body: &'static str| {
        o.http
            .post(format!("{}/json/2/purchase.order/search", o.base))
            .header("Authorization", format!("bearer {key}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let r = send("{nope").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().starts_with("could not parse the body as json: "));
    let r = send("[1, 2]").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["message"], "could not parse the body, expecting a json object");
    // ValidationError / UserError → 422
    let r = o.json2(&key, "purchase.order", "create", json!({"vals_list": [{"partner_ref": "x"}]})).await;
    assert_eq!((r.status, r.json()["name"].clone()), (422, json!("odoo.exceptions.ValidationError")));
    let f = acme_po(&o.sim, "none", 10.0);
    let picking = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["picking_ids"])[0];
    let r = o.json2(&key, "stock.picking", "button_validate", json!({"ids": [picking]})).await;
    assert_eq!(r.text, "true");
    let line = ids(&o.sim.read_record("purchase.order", f.po).unwrap()["order_line"])[0];
    let r = o.json2(&key, "purchase.order.line", "write", json!({"ids": [line], "vals": {"product_qty": 4}})).await;
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!(v["name"], "odoo.exceptions.UserError");
    assert_eq!(
        v["message"],
        "You cannot decrease the ordered quantity below the received quantity.\nCreate a return first."
    );
    let r = o.json2(&key, "purchase.order", "_private_method", json!({"ids": [f.po]})).await;
    assert_eq!((r.status, r.json()["name"].clone()), (403, json!("odoo.exceptions.AccessError")));
}

#[tokio::test]
async fn portal_user_gets_403_on_pickings_and_other_vendors() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let other = o.sim.create_vendor("Globex", None);
    let other_po = o.sim.create_purchase_order(other, &[], false);
    let (_, key) = o.sim.create_portal_user(f.vendor, "portal@acme.example.com");
    let r = o
        .json2(&key, "purchase.order", "search_read", json!({"domain": [], "fields": ["name", "partner_id", "state"]}))
        .await;
    assert_eq!(
        r.json(),
        json!([{"id": f.po, "name": "P00001", "partner_id": [f.vendor, "ACME Components"], "state": "purchase"}])
    );
    let r = o.json2(&key, "stock.picking", "search_read", json!({"domain": []})).await;
    assert_eq!(r.status, 403);
    let v = r.json();
    assert_eq!(v["name"], "odoo.exceptions.AccessError");
    assert!(v["message"].as_str().unwrap().starts_with("You are not allowed to access 'Transfer' (stock.picking) records.\n\nThis operation is allowed for the following groups:\n\t- Accounting/Invoicing\n"));
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [f.po], "vals": {"partner_ref": "x"}})).await;
    assert_eq!(r.status, 403);
    let msg = r.json()["message"].as_str().unwrap().to_string();
    assert!(msg.starts_with("You are not allowed to modify 'Purchase Order' (purchase.order) records."), "{msg}");
    assert!(msg.contains("Accounting/Invoicing") && msg.contains("Purchase/User"));
    let r = o.json2(&key, "purchase.order", "read", json!({"ids": [other_po], "fields": ["name"]})).await;
    assert_eq!(r.status, 403);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("doesn't have 'read' access to:\n- Purchase Order (purchase.order)"));
}

#[tokio::test]
async fn expired_keys_still_work_on_17_only() {
    for (v, expect) in [(odoo_sim::OdooVersion::V17, json!(3)), (V18, json!(false))] {
        let o = Odoo::start(v).await;
        let vendor = o.sim.create_vendor("ACME", None);
        let (uid, _) = o.sim.create_bot_user(vendor, "bot");
        let expired = o.sim.create_api_key(uid, Some(Utc::now() - Duration::days(1)));
        let r = o.rpc("common", "authenticate", json!([o.db(), "bot", expired, {}])).await;
        let expect = if expect == json!(3) { json!(uid) } else { expect };
        assert_eq!(r["result"], expect, "{v}");
    }
}
