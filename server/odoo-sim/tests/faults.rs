//! Fault injection over real HTTP: lost responses apply once, serialization failures, proxy pages, down
//! windows, and the `/__sim/*` control API.

mod common;

use std::time::Duration;

use common::{acme_po, Odoo};
use odoo_sim::OdooVersion::{V17, V19};
use odoo_sim::{DownMode, FaultKind};
use serde_json::{json, Value};

#[tokio::test]
async fn lost_response_applies_the_write_exactly_once() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let key = o.sim.admin_key();
    o.sim.faults().fail_next_matching(FaultKind::LostResponse, 1, Some("purchase.order"), Some("write"));
    let r = o
        .http
        .post(format!("{}/json/2/purchase.order/write", o.base))
        .header("Authorization", format!("bearer {key}"))
        .json(&json!({"ids": [f.po], "vals": {"partner_ref": "SO-1"}}))
        .send()
        .await;
    assert!(r.is_err(), "connection dropped without a response: {r:?}");
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["partner_ref"], "SO-1", "committed anyway");
    // The client retries; the second call goes through; the log shows two applied writes (idempotent value).
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [f.po], "vals": {"partner_ref": "SO-1"}})).await;
    assert_eq!(r.text, "true");
    let writes: Vec<_> =
        o.sim.calls().into_iter().filter(|c| c.method == "write" && c.model == "purchase.order").collect();
    assert_eq!(writes.len(), 2);
    assert!(writes.iter().all(|c| c.applied));
    assert_eq!(writes[0].fault, Some(FaultKind::LostResponse));

    // Proxy-504 flavour over JSON-RPC: applied, but the client sees HTML.
    o.sim.faults().fail_next(FaultKind::LostResponse504, 1);
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
        "args": [o.db(), 2, "admin", "purchase.order", "write", [[f.po], {"origin": "X"}]]}});
    let r = o.http.post(format!("{}/jsonrpc", o.base)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 504);
    assert!(r.text().await.unwrap().contains("<title>504 Gateway Time-out</title>"));
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["origin"], "X");
}

#[tokio::test]
async fn serialization_failure_status_and_body() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let key = o.sim.admin_key();
    o.sim.faults().fail_next(FaultKind::SerializationFailure, 1);
    let r = o.json2(&key, "purchase.order", "write", json!({"ids": [f.po], "vals": {"partner_ref": "x"}})).await;
    assert_eq!(r.status, 500);
    let v = r.json();
    assert_eq!(v["name"], "psycopg2.errors.SerializationFailure");
    assert_eq!(v["message"], "could not serialize access due to concurrent update\n");
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["partner_ref"], false);
    let last = o.sim.calls().pop().unwrap();
    assert!(!last.applied);
    assert_eq!(last.outcome, "psycopg2.errors.SerializationFailure");

    let o = Odoo::start(V17).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    o.sim.faults().fail_next(FaultKind::SerializationFailure, 1);
    let r = o.execute_kw(2, "admin", "purchase.order", "write", json!([[f.po], {"partner_ref": "x"}]), json!({})).await;
    assert_eq!(r["error"]["code"], 200);
    assert_eq!(r["error"]["data"]["name"], "psycopg2.errors.SerializationFailure");
}

#[tokio::test]
async fn proxy_faults_apply_nothing() {
    let o = Odoo::start(V19).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let key = o.sim.admin_key();
    o.sim.faults().set_retry_after(7);
    o.sim.faults().fail_next(FaultKind::TooManyRequests, 1);
    o.sim.faults().fail_next(FaultKind::BadGateway, 1);
    o.sim.faults().fail_next(FaultKind::GatewayTimeout, 1);
    let write = json!({"ids": [f.po], "vals": {"partner_ref": "x"}});
    let r = o.json2(&key, "purchase.order", "write", write.clone()).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "7");
    let r = o.json2(&key, "purchase.order", "write", write.clone()).await;
    assert_eq!(r.status, 502);
    assert!(r.text.contains("<center>nginx</center>"));
    let r = o.json2(&key, "purchase.order", "write", write.clone()).await;
    assert_eq!(r.status, 504);
    assert_eq!(o.sim.read_record("purchase.order", f.po).unwrap()["partner_ref"], false);
    assert!(o.sim.calls().iter().all(|c| !c.applied));
    assert_eq!(o.json2(&key, "purchase.order", "write", write).await.status, 200);

    // Timeout: the proxy answers only after the client gave up.
    o.sim.faults().set_timeout_sleep(Duration::from_secs(5));
    o.sim.faults().fail_next(FaultKind::Timeout, 1);
    let r = o
        .http
        .post(format!("{}/json/2/res.users/context_get", o.base))
        .header("Authorization", format!("bearer {key}"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());
}

#[tokio::test]
async fn down_windows() {
    let o = Odoo::start(V19).await;
    let key = o.sim.admin_key();
    o.sim.faults().set_down(DownMode::Unavailable, None);
    assert_eq!(o.json2(&key, "res.users", "context_get", json!({})).await.status, 503);
    o.sim.faults().set_down(DownMode::Closed, Some(Duration::from_millis(300)));
    let r = o
        .http
        .post(format!("{}/json/2/res.users/context_get", o.base))
        .header("Authorization", format!("bearer {key}"))
        .send()
        .await;
    assert!(r.is_err());
    // Control endpoints stay reachable while down.
    let v: Value = o.http.get(format!("{}/__sim/faults", o.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["down"]["mode"], "closed");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(o.json2(&key, "res.users", "context_get", json!({})).await.status, 200, "window expired");
}

#[tokio::test]
async fn control_endpoints_switch_faults_and_expose_the_call_log() {
    let o = Odoo::start(V17).await;
    let f = acme_po(&o.sim, "lot", 10.0);
    let r = o
        .http
        .post(format!("{}/__sim/faults", o.base))
        .json(&json!({"seed": 7, "latency_ms": 1, "fail_next": [{"kind": "bad_gateway", "count": 1, "model": "purchase.order"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["fail_next"][0]["kind"], "bad_gateway");
    assert_eq!(v["seed"], 7);
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
        "args": [o.db(), 2, "admin", "purchase.order", "read", [[f.po]], {"fields": ["name"]}]}});
    let r = o.http.post(format!("{}/jsonrpc", o.base)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let r = o
        .rpc(
            "object",
            "execute_kw",
            json!([o.db(), 2, "admin", "purchase.order", "read", [[f.po]], {"fields": ["name"]}]),
        )
        .await;
    assert_eq!(r["result"][0]["name"], "P00001");
    let calls: Value = o.http.get(format!("{}/__sim/calls", o.base)).send().await.unwrap().json().await.unwrap();
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["outcome"], "fault:bad_gateway");
    assert_eq!(calls[1]["applied"], true);
    assert_eq!(calls[1]["transport"], "jsonrpc");
    let r = o.http.post(format!("{}/__sim/faults", o.base)).json(&json!({"clear": true})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["latency_ms"], 0);
    assert_eq!(o.http.delete(format!("{}/__sim/calls", o.base)).send().await.unwrap().status(), 204);
    assert!(o.sim.calls().is_empty());
    let r = o.http.post(format!("{}/__sim/faults", o.base)).body("{\"rates\": {\"nope\": 1}}").send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_api_key_endpoint_stands_in_for_odoos_new_api_key_screen() {
    let o = Odoo::start(odoo_sim::OdooVersion::V17).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__sim/api-keys", o.base))
        .json(&serde_json::json!({"login": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let key = body["key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 40);
    let r = o.rpc("common", "authenticate", serde_json::json!([o.db(), "admin", key, {}])).await;
    assert_eq!(r["result"], 2, "the new key signs in: {r}");
    let r = http
        .post(format!("{}/__sim/api-keys", o.base))
        .json(&serde_json::json!({"login": "nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
