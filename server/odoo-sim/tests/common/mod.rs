//! Shared helpers: a simulator on a random port and thin JSON-RPC / JSON-2 clients.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use odoo_sim::{NewPoLine, OdooVersion, SimConfig, Simulator};
use serde_json::{json, Value};

pub struct Odoo {
    pub sim: Simulator,
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Odoo {
    pub async fn start(version: OdooVersion) -> Odoo {
        Self::start_with(SimConfig::new(version)).await
    }

    pub async fn start_with(config: SimConfig) -> Odoo {
        let sim = Simulator::new(config);
        let addr = sim.spawn("127.0.0.1:0").await.expect("bind");
        Odoo { sim, base: format!("http://{addr}"), http: reqwest::Client::new() }
    }

    pub fn db(&self) -> String {
        self.sim.config().database.clone()
    }

    /// Raw JSON-RPC call; returns the whole response body.
    pub async fn rpc(&self, service: &str, method: &str, args: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": service, "method": method, "args": args}});
        let r = self.http.post(format!("{}/jsonrpc", self.base)).json(&body).send().await.expect("send");
        assert_eq!(r.status().as_u16(), 200, "JSON-RPC always answers 200");
        r.json().await.expect("json")
    }

    pub async fn execute_kw(
        &self,
        uid: i64,
        secret: &str,
        model: &str,
        method: &str,
        args: Value,
        kwargs: Value,
    ) -> Value {
        self.rpc("object", "execute_kw", json!([self.db(), uid, secret, model, method, args, kwargs])).await
    }

    /// `result` of a successful admin execute_kw (panics on error).
    pub async fn admin_kw(&self, model: &str, method: &str, args: Value, kwargs: Value) -> Value {
        let r = self.execute_kw(2, "admin", model, method, args, kwargs).await;
        assert!(r.get("error").is_none(), "unexpected error: {r}");
        r.get("result").cloned().unwrap_or(Value::Null)
    }

    pub async fn json2(&self, key: &str, model: &str, method: &str, body: Value) -> Reply {
        let r = self
            .http
            .post(format!("{}/json/2/{model}/{method}", self.base))
            .header("Authorization", format!("bearer {key}"))
            .header("X-Odoo-Database", self.db())
            .json(&body)
            .send()
            .await
            .expect("send");
        reply(r).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(self.http.get(format!("{}{path}", self.base)).send().await.expect("send")).await
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    Reply { status, headers, text }
}

/// Vendor ACME with one lot-tracked product and a confirmed PO of 10 units.
pub struct Fixture {
    pub vendor: i64,
    pub product: i64,
    pub po: i64,
}

pub fn acme_po(sim: &Simulator, tracking: &str, qty: f64) -> Fixture {
    let vendor = sim.create_vendor("ACME Components", Some("orders@acme.example.com"));
    let product = sim.create_product("BRK-100", "Steel bracket", tracking, "Units");
    sim.create_supplierinfo(vendor, product, Some("AC-1"), 7, 4.2);
    let po = sim.create_purchase_order(
        vendor,
        &[NewPoLine { product_id: product, qty, price_unit: 4.2, date_planned: Utc::now() + Duration::days(10) }],
        true,
    );
    Fixture { vendor, product, po }
}

pub fn ids(v: &Value) -> Vec<i64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}
