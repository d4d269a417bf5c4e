//! The Odoo client: JSON-2 on 19+, JSON-RPC (`/jsonrpc`, `object.execute_kw`) on 17/18, chosen by
//! asking the server its version. Every call is one Odoo transaction (Odoo's JSON-2 documentation, "Transaction"); its failures come
//! back as [`OdooError`] with Odoo's own exception class and message.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::error::{ErrorKind, OdooError};
use super::version::OdooVersion;
use crate::secret::Secret;

pub type Result<T, E = OdooError> = std::result::Result<T, E>;

/// Where an Odoo database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub base_url: String,
    pub database: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Json2,
    JsonRpc,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Json2 => "json2",
            Protocol::JsonRpc => "jsonrpc",
        }
    }
}

/// A connected client: one Odoo user (a supplier's bot, or the planning user) on one database.
pub struct OdooClient {
    http: reqwest::Client,
    base_url: String,
    database: String,
    key: Secret,
    version: OdooVersion,
    protocol: Protocol,
    uid: i64,
    next_id: AtomicU64,
}

impl std::fmt::Debug for OdooClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OdooClient")
            .field("base_url", &self.base_url)
            .field("database", &self.database)
            .field("version", &self.version)
            .field("protocol", &self.protocol)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

/// The shared HTTP client for Odoo calls: connection reuse, a connect timeout, and an overall timeout
/// long enough for Odoo's own serialization retries (up to ~30 s: `odoo/service/model.py` `retrying`, 5 tries).
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .user_agent(concat!("supplyline/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the TLS backend is compiled in")
}

impl OdooClient {
    /// Detects the version, picks the protocol (JSON-2 when the server has it, unless `force_rpc`) and
    /// authenticates `login` with its API key.
    pub async fn connect(
        http: reqwest::Client,
        endpoint: &Endpoint,
        login: &str,
        key: Secret,
        force_rpc: bool,
    ) -> Result<OdooClient> {
        let base_url = endpoint.base_url.trim_end_matches('/').to_string();
        let version = detect_version(&http, &base_url).await?;
        let protocol = if version.has_json2() && !force_rpc { Protocol::Json2 } else { Protocol::JsonRpc };
        let mut client = OdooClient {
            http,
            base_url,
            database: endpoint.database.clone(),
            key,
            version,
            protocol,
            uid: 0,
            next_id: AtomicU64::new(1),
        };
        client.uid = match protocol {
            Protocol::Json2 => {
                let context = client.call("res.users", "context_get", None, Map::new()).await?;
                context.get("uid").and_then(Value::as_i64).ok_or_else(|| protocol_error("context_get has no uid"))?
            }
            Protocol::JsonRpc => {
                let args = json!([client.database, login, client.key.expose(), {}]);
                match client.rpc("common", "authenticate", args).await? {
                    Value::Number(uid) => uid.as_i64().ok_or_else(|| protocol_error("uid is not an integer"))?,
                    // A wrong login or key answers `false`, not a fault (`res.users.authenticate`).
                    _ => return Err(OdooError::new(ErrorKind::AccessDenied, None, "Access Denied")),
                }
            }
        };
        Ok(client)
    }

    pub fn version(&self) -> OdooVersion {
        self.version
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn uid(&self) -> i64 {
        self.uid
    }

    /// Calls `model.method` with named arguments; `ids` selects the records (`None` for model methods).
    /// A method that returns nothing answers `Value::Null` on both protocols.
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        kwargs: Map<String, Value>,
    ) -> Result<Value> {
        self.invoke(model, method, ids, None, kwargs).await
    }

    /// Like [`call`](Self::call), with the method's first parameter (`name`) given positionally over
    /// JSON-RPC, where Odoo's dispatch reads it from `args` (17.0 `api._call_kw_model_create` takes
    /// `args[0]` for `create`'s values and fails with `IndexError` without it), and by name on JSON-2,
    /// which has no positional arguments.
    async fn call_with_first(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        first: (&str, Value),
        kwargs: Map<String, Value>,
    ) -> Result<Value> {
        self.invoke(model, method, ids, Some(first), kwargs).await
    }

    async fn invoke(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        first: Option<(&str, Value)>,
        mut kwargs: Map<String, Value>,
    ) -> Result<Value> {
        let started = std::time::Instant::now();
        let outcome = match self.protocol {
            Protocol::Json2 => {
                if let Some((name, value)) = first {
                    kwargs.insert(name.to_string(), value);
                }
                self.json2(model, method, ids, kwargs).await
            }
            Protocol::JsonRpc => {
                let mut positional = Vec::new();
                if let Some(ids) = ids {
                    positional.push(json!(ids));
                }
                positional.extend(first.map(|(_, value)| value));
                let args = json!([self.database, self.uid, self.key.expose(), model, method, positional, kwargs]);
                self.rpc("object", "execute_kw", args).await
            }
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &outcome {
            Ok(_) => tracing::debug!(odoo.model = model, odoo.method = method, elapsed_ms, "odoo call"),
            Err(e) => {
                tracing::debug!(odoo.model = model, odoo.method = method, elapsed_ms, error = %e, "odoo call failed")
            }
        }
        outcome
    }

    pub async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        order: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Map<String, Value>>> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), domain);
        kwargs.insert("fields".into(), json!(fields));
        if let Some(order) = order {
            kwargs.insert("order".into(), json!(order));
        }
        if let Some(limit) = limit {
            kwargs.insert("limit".into(), json!(limit));
        }
        records(self.call(model, "search_read", None, kwargs).await?)
    }

    /// Ids of the records matching `domain`.
    pub async fn search(&self, model: &str, domain: Value) -> Result<Vec<i64>> {
        let mut kwargs = Map::new();
        kwargs.insert("domain".into(), domain);
        match self.call(model, "search", None, kwargs).await? {
            Value::Array(ids) => {
                ids.iter().map(|id| id.as_i64().ok_or_else(|| protocol_error("search answered a non-id"))).collect()
            }
            _ => Err(protocol_error("search did not answer a list")),
        }
    }

    /// Reads records by id; ids that no longer exist are simply absent (Odoo drops them).
    pub async fn read(&self, model: &str, ids: &[i64], fields: &[&str]) -> Result<Vec<Map<String, Value>>> {
        let mut kwargs = Map::new();
        kwargs.insert("fields".into(), json!(fields));
        records(self.call(model, "read", Some(ids), kwargs).await?)
    }

    pub async fn write(&self, model: &str, ids: &[i64], vals: Value) -> Result<()> {
        self.call_with_first(model, "write", Some(ids), ("vals", vals), Map::new()).await.map(drop)
    }

    /// Creates one record and returns its id (JSON-2 always answers a list; RPC an int for one dict).
    pub async fn create(&self, model: &str, vals: Value) -> Result<i64> {
        match self.call_with_first(model, "create", None, ("vals_list", json!([vals])), Map::new()).await? {
            Value::Number(id) => id.as_i64(),
            Value::Array(ids) => ids.first().and_then(Value::as_i64),
            _ => None,
        }
        .ok_or_else(|| protocol_error("create did not answer an id"))
    }

    /// Field definitions of a model (capability detection: does `carrier_tracking_ref` exist here?).
    pub async fn fields_get(&self, model: &str) -> Result<Map<String, Value>> {
        let mut kwargs = Map::new();
        kwargs.insert("attributes".into(), json!(["type", "string", "relation", "readonly", "required"]));
        match self.call(model, "fields_get", None, kwargs).await? {
            Value::Object(fields) => Ok(fields),
            _ => Err(protocol_error("fields_get did not answer an object")),
        }
    }

    async fn json2(
        &self,
        model: &str,
        method: &str,
        ids: Option<&[i64]>,
        mut body: Map<String, Value>,
    ) -> Result<Value> {
        if let Some(ids) = ids {
            body.insert("ids".into(), json!(ids));
        }
        let url = format!("{}/json/2/{model}/{method}", self.base_url);
        let response = self
            .http
            .post(url)
            .bearer_auth(self.key.expose())
            .header("X-Odoo-Database", &self.database)
            .json(&body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let text = response.text().await.map_err(transport_error)?;
        if status == 200 {
            return serde_json::from_str(&text).map_err(|e| protocol_error(format!("JSON-2 answer is not JSON: {e}")));
        }
        if let Some(error) = proxy_error(status, retry_after) {
            return Err(error);
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(error)) => {
                let name = error.get("name").and_then(Value::as_str).unwrap_or("unknown");
                let message = error.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
                Err(OdooError::from_exception(name, message))
            }
            _ if status == 404 => Err(OdooError::new(
                ErrorKind::Protocol,
                None,
                "Odoo answered 404 without JSON: no JSON-2 on this server, or the database name is wrong",
            )),
            _ => Err(protocol_error(format!("HTTP {status} with a body that is not Odoo's error object"))),
        }
    }

    async fn rpc(&self, service: &str, method: &str, args: Value) -> Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        jsonrpc(&self.http, &self.base_url, id, service, method, args).await
    }
}

async fn jsonrpc(
    http: &reqwest::Client,
    base_url: &str,
    id: u64,
    service: &str,
    method: &str,
    args: Value,
) -> Result<Value> {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": id,
                      "params": {"service": service, "method": method, "args": args}});
    let response = http.post(format!("{base_url}/jsonrpc")).json(&body).send().await.map_err(transport_error)?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let text = response.text().await.map_err(transport_error)?;
    if let Some(error) = proxy_error(status, retry_after) {
        return Err(error);
    }
    if status != 200 {
        return Err(protocol_error(format!("JSON-RPC answered HTTP {status}")));
    }
    let mut answer: Map<String, Value> = match serde_json::from_str(&text) {
        Ok(Value::Object(answer)) => answer,
        _ => return Err(protocol_error("JSON-RPC answer is not a JSON object")),
    };
    if let Some(error) = answer.remove("error") {
        let data = error.get("data");
        let name = data.and_then(|d| d.get("name")).and_then(Value::as_str);
        let message = data
            .and_then(|d| d.get("message"))
            .or_else(|| error.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        return Err(match name {
            Some(name) => OdooError::from_exception(name, message),
            None => OdooError::new(ErrorKind::Server, None, message),
        });
    }
    // A method returning None has no `result` key at all (`odoo/http.py` `JsonRPCDispatcher._response`).
    Ok(answer.remove("result").unwrap_or(Value::Null))
}

/// Odoo 19 answers `GET /web/version`; 17/18 answer `common.version` over JSON-RPC.
pub async fn detect_version(http: &reqwest::Client, base_url: &str) -> Result<OdooVersion> {
    let response = http.get(format!("{base_url}/web/version")).send().await.map_err(transport_error)?;
    if response.status().is_success() {
        if let Ok(body) = response.json::<Value>().await {
            if let Some(version) = body.get("version").and_then(Value::as_str).and_then(OdooVersion::parse) {
                return Ok(version);
            }
        }
    } else if let Some(error) = proxy_error(response.status().as_u16(), retry_after(response.headers())) {
        return Err(error);
    }
    let info = jsonrpc(http, base_url, 0, "common", "version", json!([])).await?;
    info.get("server_version")
        .and_then(Value::as_str)
        .and_then(OdooVersion::parse)
        .ok_or_else(|| protocol_error("common.version has no readable server_version"))
}

fn records(value: Value) -> Result<Vec<Map<String, Value>>> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(record) => Ok(record),
                _ => Err(protocol_error("a record is not a JSON object")),
            })
            .collect(),
        _ => Err(protocol_error("expected a list of records")),
    }
}

/// 429/502/503/504 come from the proxy in front of Odoo, not from Odoo.
fn proxy_error(status: u16, retry_after: Option<Duration>) -> Option<OdooError> {
    match status {
        429 => Some(OdooError::new(ErrorKind::RateLimited { retry_after }, None, "Too Many Requests")),
        502..=504 => {
            Some(OdooError::new(ErrorKind::Unavailable { status }, None, format!("HTTP {status} from Odoo's proxy")))
        }
        _ => None,
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn transport_error(error: reqwest::Error) -> OdooError {
    let kind = if error.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Connect };
    // reqwest's message names the URL, never a header, so the key cannot leak through it.
    OdooError::new(kind, None, error.to_string())
}

fn protocol_error(message: impl Into<String>) -> OdooError {
    OdooError::new(ErrorKind::Protocol, None, message)
}
