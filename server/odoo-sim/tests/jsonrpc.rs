//! §3 JSON-RPC request/response pairs, and the 17.0 differences of §14.

mod common;

use common::{acme_po, Odoo};
use odoo_sim::OdooVersion::{self, V17, V18, V19};
use serde_json::{json, Value};

#[tokio::test]
async fn search_read_success_shape_and_value_encoding() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let r = o
        .execute_kw(
            2,
            "admin",
            "purchase.order",
            "search_read",
            json!([[["id", "=", f.po]]]),
            json!({"fields": ["name", "state", "partner_id", "date_planned", "order_line", "notes_missing_ok"]}),
        )
        .await;
    // Unknown field in `fields` → ValueError, like Odoo.
    assert_eq!(r["error"]["data"]["name"], "builtins.ValueError");

    let r = o
        .execute_kw(
            2,
            "admin",
            "purchase.order",
            "search_read",
            json!([[["id", "=", f.po]]]),
            json!({"fields": ["name", "state", "partner_id", "date_planned", "order_line", "partner_ref"]}),
        )
        .await;
    assert_eq!(r["jsonrpc"], "2.0");
    assert_eq!(r["id"], 1);
    let rec = &r["result"][0];
    assert_eq!(rec["id"], f.po);
    assert_eq!(rec["name"], "P00001");
    assert_eq!(rec["state"], "purchase");
    assert_eq!(rec["partner_id"], json!([f.vendor, "ACME Components"]));
    assert_eq!(rec["partner_ref"], false, "unset → false");
    let planned = rec["date_planned"].as_str().unwrap();
    assert_eq!(planned.len(), 19, "datetime as YYYY-MM-DD HH:MM:SS: {planned}");
    assert_eq!(rec["order_line"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn common_service_version_login_authenticate() {
    for v in [V17, V19] {
        let o = Odoo::start(v).await;
        let r = o.rpc("common", "version", json!([])).await;
        assert_eq!(
            r["result"],
            json!({"server_version": v.serie(), "server_version_info": [v.major(), 0, 0, "final", 0, ""], "server_serie": v.serie(), "protocol_version": 1})
        );
        let r = o.rpc("common", "login", json!([o.db(), "admin", "admin"])).await;
        assert_eq!(r, json!({"id": 1, "jsonrpc": "2.0", "result": 2}));
        let r = o.rpc("common", "authenticate", json!([o.db(), "admin", "wrong", {}])).await;
        assert_eq!(r["result"], false, "wrong password is false, not an error");
        assert!(r.get("error").is_none());
        let r = o.rpc("common", "authenticate", json!([o.db(), "admin", o.sim.admin_key(), {}])).await;
        assert_eq!(r["result"], 2, "API key works as password");
    }
}

#[tokio::test]
async fn none_result_omits_result_key() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let r = o.execute_kw(2, "admin", "purchase.order", "action_acknowledge", json!([[f.po]]), json!({})).await;
    assert_eq!(r, json!({"id": 1, "jsonrpc": "2.0"}));
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["acknowledged"], true);

    let o = Odoo::start(V17).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let r = o.execute_kw(2, "admin", "purchase.order", "confirm_reminder_mail", json!([[f.po]]), json!({})).await;
    assert_eq!(r, json!({"id": 1, "jsonrpc": "2.0"}));
    let po = o.sim.read_record("purchase.order", f.po).unwrap();
    assert_eq!(po["mail_reminder_confirmed"], true);
    assert!(po.get("acknowledged").is_none(), "17 has no acknowledged field");
    let notes = o.sim.search_ids("mail.message", json!([["model", "=", "purchase.order"], ["res_id", "=", f.po]]));
    let body = o.sim.read_record("mail.message", notes[0]).unwrap()["body"].as_str().unwrap().to_string();
    assert!(body.starts_with("ACME Components confirmed the receipt will take place on "), "{body}");
}

async fn missing_error(v: OdooVersion, code: i64) {
    let o = Odoo::start(v).await;
    let r =
        o.execute_kw(2, "admin", "purchase.order", "write", json!([[999999], {"partner_ref": "x"}]), json!({})).await;
    let msg = "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)";
    assert!(r.get("result").is_none());
    assert_eq!(r["error"]["code"], code);
    assert_eq!(r["error"]["message"], "Odoo Server Error");
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.MissingError");
    assert_eq!(r["error"]["data"]["message"], msg);
    assert_eq!(r["error"]["data"]["arguments"], json!([msg]));
    assert_eq!(r["error"]["data"]["context"], json!({}));
    assert!(r["error"]["data"]["debug"].as_str().unwrap().starts_with("Traceback (most recent call last):"));
    // read drops missing ids silently.
    let r = o.execute_kw(2, "admin", "purchase.order", "read", json!([[999999]]), json!({"fields": ["name"]})).await;
    assert_eq!(r["result"], json!([]));
}

#[tokio::test]
async fn missing_error_body_17_and_19() {
    missing_error(V17, 200).await;
    missing_error(V18, 200).await;
    missing_error(V19, 0).await;
}

#[tokio::test]
async fn access_denied_body_differs_by_version() {
    let o = Odoo::start(V19).await;
    let r = o.execute_kw(2, "wrong", "purchase.order", "search", json!([[]]), json!({})).await;
    assert_eq!(
        r,
        json!({"error": {"code": 0, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied", "arguments": ["Access Denied"], "context": {}, "debug": "odoo.exceptions.AccessDenied: Access Denied\n"}}, "id": 1, "jsonrpc": "2.0"})
    );
    let r = o.execute_kw(77, &o.sim.admin_key(), "purchase.order", "search", json!([[]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.AccessDenied", "key of another uid");

    let o = Odoo::start(V17).await;
    let r = o.execute_kw(2, "wrong", "purchase.order", "search", json!([[]]), json!({})).await;
    assert_eq!(r["error"]["code"], 200);
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.AccessDenied");
    assert!(r["error"]["data"]["debug"].as_str().unwrap().starts_with("Traceback"), "17 keeps the full traceback");
}

#[tokio::test]
async fn private_method_unknown_model_and_required_field_texts() {
    let o = Odoo::start(V17).await;
    let r = o.execute_kw(2, "admin", "purchase.order", "_private_method", json!([[1]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.AccessError");
    assert_eq!(r["error"]["data"]["message"], "Private methods (such as _private_method) cannot be called remotely.");
    let r = o.execute_kw(2, "admin", "no.such.model", "search", json!([[]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.UserError");
    assert_eq!(r["error"]["data"]["message"], "Object no.such.model doesn't exist");
    let r = o.execute_kw(2, "admin", "purchase.order", "create", json!([{"partner_ref": "x"}]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.ValidationError");
    assert_eq!(
        r["error"]["data"]["message"],
        "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Purchase Order (purchase.order)\nField: Vendor (partner_id)\n"
    );

    let o = Odoo::start(V19).await;
    let r = o.execute_kw(2, "admin", "purchase.order", "_private_method", json!([[1]]), json!({})).await;
    assert_eq!(
        r["error"]["data"]["message"],
        "Private methods (such as 'purchase.order._private_method') cannot be called remotely."
    );
    let r = o.execute_kw(2, "admin", "purchase.order", "create", json!([{"partner_ref": "x"}]), json!({})).await;
    assert_eq!(
        r["error"]["data"]["message"],
        "The operation cannot be completed: Missing required value for the field 'Vendor' (partner_id).\nModel: 'Purchase Order' (purchase.order)\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n"
    );
    let r = o.execute_kw(2, "admin", "purchase.order", "foo", json!([[1]]), json!({})).await;
    assert_eq!(r["error"]["data"]["name"], "builtins.AttributeError");
    assert_eq!(r["error"]["data"]["message"], "The method 'purchase.order.foo' does not exist");
}

#[tokio::test]
async fn create_returns_int_for_dict_and_list_for_list() {
    let o = Odoo::start(V17).await;
    let vendor = o.sim.create_vendor("Initech", None);
    let one = o.admin_kw("purchase.order", "create", json!([{"partner_id": vendor}]), json!({})).await;
    assert!(one.is_i64(), "{one}");
    let many = o
        .admin_kw("purchase.order", "create", json!([[{"partner_id": vendor}, {"partner_id": vendor}]]), json!({}))
        .await;
    assert_eq!(many.as_array().unwrap().len(), 2);
    // execute (positional args only)
    let r = o.rpc("object", "execute", json!([o.db(), 2, "admin", "purchase.order", "search_count", []])).await;
    assert_eq!(r["result"], 3);
}

#[tokio::test]
async fn field_names_follow_the_version() {
    let o = Odoo::start(V17).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let fields =
        o.admin_kw("purchase.order", "fields_get", json!([]), json!({"attributes": ["type", "relation"]})).await;
    for present in ["notes", "mail_reminder_confirmed", "mail_reception_confirmed"] {
        assert!(fields.get(present).is_some(), "17 has {present}");
    }
    for absent in ["note", "acknowledged", "locked", "mail_reception_declined"] {
        assert!(fields.get(absent).is_none(), "17 lacks {absent}");
    }
    assert!(fields["state"].get("selection").is_none(), "attributes filter applies");
    let line =
        &o.admin_kw("purchase.order.line", "search_read", json!([[["order_id", "=", f.po]]]), json!({})).await[0];
    assert!(line["product_uom"].is_array() && line.get("product_uom_id").is_none());
    assert!(line["taxes_id"].is_array());
    let product = &o
        .admin_kw("product.product", "read", json!([[f.product]]), json!({"fields": ["detailed_type", "uom_po_id"]}))
        .await[0];
    assert_eq!(product["detailed_type"], "product");
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["mail_reception_confirmed"], false);

    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let po = o.sim.read_record("purchase.order", f.po).unwrap();
    assert_eq!(po["acknowledged"], false);
    assert_eq!(po["locked"], false);
    assert!(po.get("notes").is_none() && po.get("note").is_some());
    let fields = o.admin_kw("purchase.order", "fields_get", json!([]), json!({})).await;
    let states: Vec<Value> = fields["state"]["selection"].as_array().unwrap().iter().map(|s| s[0].clone()).collect();
    assert!(!states.contains(&json!("done")), "19 removed the done state");
    let line =
        &o.admin_kw("purchase.order.line", "search_read", json!([[["order_id", "=", f.po]]]), json!({})).await[0];
    assert!(line["product_uom_id"].is_array() && line.get("product_uom").is_none());
    assert!(line["tax_ids"].is_array());
    let product = &o
        .admin_kw("product.product", "read", json!([[f.product]]), json!({"fields": ["type", "is_storable"]}))
        .await[0];
    assert_eq!(product["type"], "consu");
    assert_eq!(product["is_storable"], true);
    let users = o.admin_kw("res.users", "read", json!([[2]]), json!({"fields": ["group_ids", "login"]})).await;
    assert_eq!(users[0]["login"], "admin");
}

#[tokio::test]
async fn json2_and_web_version_are_404_html_before_19() {
    let o = Odoo::start(V17).await;
    let r = o.json2(&o.sim.admin_key(), "purchase.order", "search", json!({})).await;
    assert_eq!(r.status, 404);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text.contains("<title>404 Not Found</title>"));
    assert_eq!(o.get("/web/version").await.status, 404);
    let r = o
        .http
        .post(format!("{}/web/webclient/version_info", o.base))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "id": 3, "params": {}}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"]["server_version"], "17.0");
}

/// What real Odoo refuses over JSON-RPC that a forgiving simulator once let through (issue: three Odoo
/// writes that passed here failed on real 17.0 and 19.0).
mod refusals {
    use super::*;

    #[tokio::test]
    async fn create_with_values_only_by_keyword_fails_like_call_kw() {
        for (v, sequence) in [(V17, "tuple"), (V18, "tuple"), (V19, "list")] {
            let o = Odoo::start(v).await;
            let before = o.sim.search_ids("res.partner", json!([])).len();
            let r = o
                .execute_kw(
                    2,
                    "admin",
                    "res.partner",
                    "create",
                    json!([]),
                    json!({"vals_list": [{"name": "By keyword"}]}),
                )
                .await;
            assert_eq!(r["error"]["data"]["name"], "builtins.IndexError", "{v:?}: {r}");
            assert_eq!(r["error"]["data"]["message"], format!("{sequence} index out of range"));
            assert_eq!(o.sim.search_ids("res.partner", json!([])).len(), before, "{v:?}: rolled back");
            // The same values positionally are created.
            let id = o.admin_kw("res.partner", "create", json!([{"name": "Positional"}]), json!({})).await;
            assert!(id.as_i64().is_some(), "{v:?}: one dict answers one id: {id}");
        }
    }

    #[tokio::test]
    async fn write_takes_its_values_by_position_or_keyword() {
        // `_call_kw_multi` (17) / `call_kw` (19) take only the ids from `args`; `vals` binds either way.
        for v in [V17, V19] {
            let o = Odoo::start(v).await;
            let f = acme_po(&o.sim, "none", 5.0);
            o.admin_kw("purchase.order", "write", json!([[f.po], {"partner_ref": "BY-POS"}]), json!({})).await;
            o.admin_kw("purchase.order", "write", json!([[f.po]]), json!({"vals": {"origin": "BY-KW"}})).await;
            let po = o.sim.read_raw("purchase.order", f.po, &["partner_ref", "origin"]).unwrap();
            assert_eq!((po["partner_ref"].as_str(), po["origin"].as_str()), (Some("BY-POS"), Some("BY-KW")));
        }
    }

    #[tokio::test]
    async fn on_17_some_writes_name_their_values_values() {
        for (v, refused) in [(V17, true), (V19, false)] {
            let o = Odoo::start(v).await;
            let r = o.execute_kw(2, "admin", "res.users", "write", json!([[2]]), json!({"vals": {"tz": "UTC"}})).await;
            assert_eq!(r.get("error").is_some(), refused, "{v:?}: {r}");
            if refused {
                assert_eq!(r["error"]["data"]["message"], "write() got an unexpected keyword argument 'vals'");
            }
            o.admin_kw("res.users", "write", json!([[2], {"tz": "Europe/Oslo"}]), json!({})).await;
            assert_eq!(
                o.sim.read_raw("res.users", 2, &["tz"]).unwrap()["tz"],
                "Europe/Oslo",
                "{v:?}: positional works"
            );
        }
    }

    #[tokio::test]
    async fn message_post_needs_an_author_email_on_17_and_18_only() {
        for v in [V17, V18, V19] {
            let o = Odoo::start(v).await;
            let f = acme_po(&o.sim, "none", 5.0);
            let (uid, key) = o.sim.create_bot_user(f.vendor, "acme-sync-bot");
            let partner = o.sim.read_raw("res.users", uid, &["partner_id"]).unwrap()["partner_id"].as_i64().unwrap();
            o.sim.write_record("res.partner", &[partner], json!({"email": false})).unwrap();
            let note = json!({"body": "<p>hello</p>", "message_type": "comment", "subtype_xmlid": "mail.mt_note", "body_is_html": true});
            let r = o.execute_kw(uid, &key, "purchase.order", "message_post", json!([[f.po]]), note.clone()).await;
            if v == V19 {
                assert!(r.get("error").is_none(), "19 posts without an author address: {r}");
            } else {
                assert_eq!(r["error"]["data"]["name"], "odoo.exceptions.UserError", "{v:?}: {r}");
                assert_eq!(
                    r["error"]["data"]["message"],
                    "Unable to send message, please configure the sender's email address."
                );
                o.sim.write_record("res.partner", &[partner], json!({"email": "bot@acme.example.com"})).unwrap();
                let r = o.execute_kw(uid, &key, "purchase.order", "message_post", json!([[f.po]]), note).await;
                assert!(r.get("error").is_none(), "{v:?}: with an address the note is posted: {r}");
            }
        }
    }

    #[tokio::test]
    async fn a_string_body_is_escaped_unless_it_is_declared_html() {
        for v in [V17, V19] {
            let o = Odoo::start(v).await;
            let f = acme_po(&o.sim, "none", 5.0);
            let post = |html: bool| json!({"body": "<p>Accepted</p>", "message_type": "comment", "subtype_xmlid": "mail.mt_note", "body_is_html": html});
            o.admin_kw("purchase.order", "message_post", json!([[f.po]]), post(false)).await;
            o.admin_kw("purchase.order", "message_post", json!([[f.po]]), post(true)).await;
            let bodies: Vec<String> = o
                .sim
                .search_ids("mail.message", json!([["model", "=", "purchase.order"], ["res_id", "=", f.po]]))
                .into_iter()
                .filter_map(|m| {
                    o.sim.read_raw("mail.message", m, &["body"]).unwrap()["body"].as_str().map(str::to_string)
                })
                .collect();
            assert!(bodies.contains(&"&lt;p&gt;Accepted&lt;/p&gt;".to_string()), "{v:?}: escaped: {bodies:?}");
            assert!(bodies.contains(&"<p>Accepted</p>".to_string()), "{v:?}: kept as HTML: {bodies:?}");
        }
    }
}
