//! §8 webhook payloads received by a tiny axum sink, and 17/18 vs 19 transaction semantics.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use common::{acme_po, Odoo};
use odoo_sim::FaultKind;
use odoo_sim::OdooVersion::{self, V17, V19};
use serde_json::{json, Value};

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

async fn sink() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = Router::new().route(
        "/odoo-hook",
        post(move |headers: HeaderMap, body: String| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/odoo-hook"), seen)
}

async fn wait_for(seen: &Seen, n: usize) -> Vec<(HeaderMap, String)> {
    for _ in 0..100 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Give duplicates a chance to show up too.
    tokio::time::sleep(Duration::from_millis(100)).await;
    seen.lock().unwrap().clone()
}

async fn payload_shape(v: OdooVersion, action_name: &str) {
    let o = Odoo::start(v).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let (url, seen) = sink().await;
    let action = o.sim.add_webhook_with_triggers(
        "purchase.order",
        &url,
        &["name", "state", "partner_id", "date_planned", "order_line", "write_date"],
        &["partner_ref"],
    );
    o.admin_kw("purchase.order", "write", json!([[f.po], {"partner_ref": "SO-42"}]), json!({})).await;
    let got = wait_for(&seen, 1).await;
    assert_eq!(got.len(), 1, "one POST per record per firing");
    let (headers, body) = &got[0];
    assert_eq!(headers["user-agent"], "python-requests/2.31.0");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["accept"], "*/*");
    assert_eq!(headers["accept-encoding"], "gzip, deflate");
    assert!(headers.get("authorization").is_none());
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["_action"], format!("{action_name}(#{action})"));
    assert_eq!(v["_id"], f.po);
    assert_eq!(v["_model"], "purchase.order");
    assert_eq!(v["id"], f.po);
    assert_eq!(v["partner_id"], f.vendor, "many2one as a bare id");
    assert_eq!(v["state"], "purchase");
    assert!(v["order_line"].is_array());
    let wd = v["write_date"].as_str().unwrap();
    assert_eq!(wd.len(), 26, "write_date keeps microseconds: {wd}");
    let rpc_wd = o.sim.read_record("purchase.order", f.po).unwrap()["write_date"].as_str().unwrap().to_string();
    assert_eq!(rpc_wd, wd[..19], "RPC drops the microseconds");
    // Python's json.dumps: sorted keys, ", " and ": " separators.
    assert!(body.starts_with(&format!("{{\"_action\": \"{action_name}(#{action})\", \"_id\": {}, \"_model\": \"purchase.order\", \"date_planned\": ", f.po)), "{body}");
    // A write of a field that is not a trigger does not fire.
    o.admin_kw("purchase.order", "write", json!([[f.po], {"origin": "MO/1"}]), json!({})).await;
    assert_eq!(wait_for(&seen, 2).await.len(), 1);
}

#[tokio::test]
async fn payload_shape_19() {
    payload_shape(V19, "Notify portal").await;
}

#[tokio::test]
async fn payload_shape_17() {
    payload_shape(V17, "Send Webhook Notification").await;
}

#[tokio::test]
async fn rust_api_writes_fire_webhooks_too() {
    let o = Odoo::start(V19).await;
    let (url, seen) = sink().await;
    o.sim.add_webhook("purchase.order", &url, &["state"]);
    let f = acme_po(&o.sim, "lot", 10.0);
    let got = wait_for(&seen, 1).await;
    assert!(!got.is_empty());
    assert!(got.iter().all(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["_id"] == f.po));
}

/// 19 sends after commit only; 17 sends inside the transaction, once per serialization-failure try.
#[tokio::test]
async fn serialization_retries_duplicate_webhooks_on_17_only() {
    for (v, failing, transient) in [(V17, 5, 2), (V19, 0, 1)] {
        let o = Odoo::start(v).await;
        let f = acme_po(&o.sim, "lot", 10.0);
        let (url, seen) = sink().await;
        o.sim.add_webhook("purchase.order", &url, &["partner_ref"]);
        o.sim.faults().fail_next(FaultKind::SerializationFailure, 1);
        let r =
            o.execute_kw(2, "admin", "purchase.order", "write", json!([[f.po], {"partner_ref": "A"}]), json!({})).await;
        assert_eq!(r["error"]["data"]["name"], "psycopg2.errors.SerializationFailure");
        assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["partner_ref"], false, "rolled back");
        assert_eq!(wait_for(&seen, failing).await.len(), failing, "{v}: webhooks for a failed call");
        seen.lock().unwrap().clear();
        o.sim.faults().fail_next(FaultKind::TransientSerializationFailure, 1);
        let r =
            o.execute_kw(2, "admin", "purchase.order", "write", json!([[f.po], {"partner_ref": "B"}]), json!({})).await;
        assert_eq!(r["result"], true);
        assert_eq!(wait_for(&seen, transient).await.len(), transient, "{v}: retried call");
    }
}

#[tokio::test]
async fn unreachable_sink_does_not_break_the_write() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    o.sim.add_webhook("purchase.order", "http://127.0.0.1:9/nothing-here", &["state"]);
    let r = o.admin_kw("purchase.order", "write", json!([[f.po], {"partner_ref": "C"}]), json!({})).await;
    assert_eq!(r, true);
}
