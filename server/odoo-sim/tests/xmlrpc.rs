//! XML-RPC (`/xmlrpc/2/common`, `/xmlrpc/2/object`): Odoo's wire format, its integer fault codes, and
//! the same refusals as over JSON-RPC.

mod common;

use common::{acme_po, Odoo};
use odoo_sim::OdooVersion::{V17, V19};
use serde_json::json;

/// One XML-RPC call; returns the response body.
async fn call(o: &Odoo, service: &str, method: &str, params: &[&str]) -> String {
    let params: String = params.iter().map(|p| format!("<param><value>{p}</value></param>")).collect();
    let body = format!("<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>{params}</params>\n</methodCall>");
    let r = reqwest::Client::new()
        .post(format!("{}/xmlrpc/2/{service}", o.base))
        .header("Content-Type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "XML-RPC answers 200, faults included");
    r.text().await.unwrap()
}

fn s(text: &str) -> String {
    format!("<string>{text}</string>")
}

fn fault_code(body: &str) -> Option<i64> {
    let at = body.find("<name>faultCode</name>")?;
    let rest = &body[at..];
    let start = rest.find("<int>")? + 5;
    rest[start..start + rest[start..].find("</int>")?].parse().ok()
}

#[tokio::test]
async fn authenticate_and_search_read_in_odoos_format() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "none", 3.0);
    let ok = call(&o, "common", "authenticate", &[&s(&o.db()), &s("admin"), &s("admin"), "<struct></struct>"]).await;
    assert!(ok.contains("<params>\n<param>\n<value><int>2</int></value>"), "{ok}");
    let bad = call(&o, "common", "authenticate", &[&s(&o.db()), &s("admin"), &s("wrong"), "<struct></struct>"]).await;
    assert!(bad.contains("<value><boolean>0</boolean></value>"), "a wrong password is false, not a fault: {bad}");
    let domain = format!("<array><data><value><array><data><value><array><data><value>{}</value><value>{}</value><value><int>{}</int></value></data></array></value></data></array></value></data></array>", s("id"), s("="), f.po);
    let fields = format!("<struct><member><name>fields</name><value><array><data><value>{}</value></data></array></value></member></struct>", s("name"));
    let r = call(
        &o,
        "object",
        "execute_kw",
        &[&s(&o.db()), "<int>2</int>", &s("admin"), &s("purchase.order"), &s("search_read"), &domain, &fields],
    )
    .await;
    assert!(r.starts_with("<?xml version=\"1.0\"?>\n<methodResponse>\n"), "{r}");
    assert!(r.contains("<name>name</name>\n<value><string>P00001</string></value>"), "{r}");
    assert!(r.ends_with("\n\n</methodResponse>\n"), "a blank line before the end, as Odoo's marshaller writes: {r:?}");
    let denied = call(
        &o,
        "object",
        "execute_kw",
        &[&s(&o.db()), "<int>2</int>", &s("wrong"), &s("purchase.order"), &s("search"), "<array><data></data></array>"],
    )
    .await;
    assert_eq!(fault_code(&denied), Some(3), "AccessDenied is fault 3: {denied}");
}

#[tokio::test]
async fn create_needs_its_values_positionally_over_xmlrpc_too() {
    for v in [V17, V19] {
        let o = Odoo::start(v).await;
        let vals = format!("<struct><member><name>name</name><value>{}</value></member></struct>", s("Nordhavn"));
        let by_keyword = format!("<struct><member><name>vals_list</name><value><array><data><value>{vals}</value></data></array></value></member></struct>");
        let r = call(
            &o,
            "object",
            "execute_kw",
            &[
                &s(&o.db()),
                "<int>2</int>",
                &s("admin"),
                &s("res.partner"),
                &s("create"),
                "<array><data></data></array>",
                &by_keyword,
            ],
        )
        .await;
        assert_eq!(fault_code(&r), Some(1), "{v:?}: {r}");
        assert!(r.contains("IndexError"), "{v:?}: {r}");
        let positional = format!("<array><data><value>{vals}</value></data></array>");
        let r = call(
            &o,
            "object",
            "execute_kw",
            &[&s(&o.db()), "<int>2</int>", &s("admin"), &s("res.partner"), &s("create"), &positional],
        )
        .await;
        assert!(r.contains("<params>\n<param>\n<value><int>"), "{v:?}: one id: {r}");
    }
}

#[tokio::test]
async fn a_none_result_is_a_fault_after_the_commit() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "none", 3.0);
    let ids = format!(
        "<array><data><value><array><data><value><int>{}</int></value></data></array></value></data></array>",
        f.po
    );
    let r = call(
        &o,
        "object",
        "execute_kw",
        &[&s(&o.db()), "<int>2</int>", &s("admin"), &s("purchase.order"), &s("action_acknowledge"), &ids],
    )
    .await;
    assert_eq!(fault_code(&r), Some(1), "{r}");
    assert!(r.contains("TypeError: cannot marshal None unless allow_none is enabled"), "{r}");
    assert_eq!(o.sim.read_raw("purchase.order", f.po, &["acknowledged"]).unwrap()["acknowledged"], json!(true));
}

#[tokio::test]
async fn a_note_without_an_author_email_is_fault_2_on_17() {
    let o = Odoo::start(V17).await;
    let f = acme_po(&o.sim, "none", 3.0);
    let (uid, key) = o.sim.create_bot_user(f.vendor, "acme-bot");
    let partner = o.sim.read_raw("res.users", uid, &["partner_id"]).unwrap()["partner_id"].as_i64().unwrap();
    o.sim.write_record("res.partner", &[partner], json!({"email": false})).unwrap();
    let ids = format!(
        "<array><data><value><array><data><value><int>{}</int></value></data></array></value></data></array>",
        f.po
    );
    let kw = format!("<struct><member><name>body</name><value>{}</value></member></struct>", s("hello"));
    let r = call(
        &o,
        "object",
        "execute_kw",
        &[&s(&o.db()), &format!("<int>{uid}</int>"), &s(&key), &s("purchase.order"), &s("message_post"), &ids, &kw],
    )
    .await;
    assert_eq!(fault_code(&r), Some(2), "{r}");
    // Python's marshaller escapes only &, < and >.
    assert!(r.contains("<string>Unable to send message, please configure the sender's email address.</string>"), "{r}");
}
