//! `POST /jsonrpc` (§3): services `common`, `object` and `db`; errors are HTTP 200 with an `error` object.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};
use tracing::warn;

use crate::error::OdooError;
use crate::methods;
use crate::server::ConnKill;
use crate::sim::Invocation;
use crate::transport::{gate, lost_response, proxy_fault};
use crate::{OdooVersion, Simulator};

/// Logged on every /jsonrpc call on 19 (§1.1).
pub const DEPRECATION: &str = "The /xmlrpc, /xmlrpc/2 and /jsonrpc endpoints are deprecated in Odoo 19 and scheduled for \
removal in Odoo 20. Please report the problem to the client making the request.\nMute this logger: --log-handler \
odoo.addons.rpc.controllers.xmlrpc:ERROR\nhttps://www.odoo.com/documentation/latest/developer/reference/external_api.html#migrating-from-xml-rpc-json-rpc";

fn success(id: &Value, result: Value) -> Response {
    let mut body = json!({"jsonrpc": "2.0", "id": id});
    // A None result has no "result" key at all (§3).
    if !result.is_null() {
        body["result"] = result;
    }
    Json(body).into_response()
}

fn failure(version: OdooVersion, id: &Value, e: &OdooError) -> Response {
    let code = if version == OdooVersion::V19 { 0 } else { 200 };
    Json(json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": "Odoo Server Error", "data": e.serialize(version)},
    }))
    .into_response()
}

pub async fn handle(State(sim): State<Simulator>, kill: Option<Extension<ConnKill>>, body: Bytes) -> Response {
    let kill = kill.as_deref();
    if let Some(r) = gate(&sim, kill).await {
        return r;
    }
    let version = sim.version();
    if version == OdooVersion::V19 {
        warn!(target: "odoo.addons.rpc.controllers.jsonrpc", "{DEPRECATION}");
    }
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            let e = OdooError::ValueError("could not parse the body as json".into());
            let mut r = failure(version, &Value::Null, &e);
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        }
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let params = req.get("params").cloned().unwrap_or(json!({}));
    let service = params.get("service").and_then(Value::as_str).unwrap_or_default().to_string();
    let method = params.get("method").and_then(Value::as_str).unwrap_or_default().to_string();
    let args: Vec<Value> = params.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
    let (model, call_method) = if service == "object" {
        (
            args.get(3).and_then(Value::as_str).unwrap_or_default().to_string(),
            args.get(4).and_then(Value::as_str).unwrap_or_default().to_string(),
        )
    } else {
        (String::new(), method.clone())
    };
    let fault = sim.faults().decide(&model, &call_method, service == "object");
    if let Some(kind) = fault.filter(|k| k.is_proxy()) {
        sim.record_fault("jsonrpc", &model, &call_method, kind);
        return proxy_fault(&sim, kind).await;
    }
    let result = match service.as_str() {
        "common" => common(&sim, &method, &args),
        "db" => match method.as_str() {
            "list" => Ok(json!([sim.config().database])),
            "server_version" => Ok(json!(version.serie())),
            _ => Err(OdooError::KeyError(format!("'{method}'"))),
        },
        "object" => object(&sim, "jsonrpc", &method, &args, fault),
        other => Err(OdooError::KeyError(format!("'{other}'"))),
    };
    if let Some(r) = lost_response(fault.filter(|_| result.is_ok()), kill).await {
        return r;
    }
    match result {
        Ok(v) => success(&id, v),
        Err(e) => failure(version, &id, &e),
    }
}

pub(crate) fn check_db(sim: &Simulator, db: Option<&Value>) -> Result<(), OdooError> {
    let db = db.and_then(Value::as_str).unwrap_or_default();
    if db == sim.config().database {
        Ok(())
    } else {
        Err(OdooError::OperationalError(format!(
            "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"{db}\" does not exist\n"
        )))
    }
}

pub(crate) fn common(sim: &Simulator, method: &str, args: &[Value]) -> Result<Value, OdooError> {
    match method {
        "version" => Ok(sim.version().common_version()),
        "about" => Ok(json!("See http://openerp.com")),
        // Wrong credentials answer `false`, not an error (§2.1).
        "login" | "authenticate" => {
            check_db(sim, args.first())?;
            let login = args.get(1).and_then(Value::as_str).unwrap_or_default();
            let secret = args.get(2).and_then(Value::as_str).unwrap_or_default();
            Ok(sim.store().login(login, secret).map(|uid| json!(uid)).unwrap_or(Value::Bool(false)))
        }
        other => Err(OdooError::AttributeError(format!("module 'odoo.service.common' has no attribute 'exp_{other}'"))),
    }
}

/// `object.execute` / `object.execute_kw`, shared with XML-RPC (`transport` names it in the call log).
pub(crate) fn object(
    sim: &Simulator,
    transport: &'static str,
    method: &str,
    args: &[Value],
    fault: Option<crate::faults::FaultKind>,
) -> Result<Value, OdooError> {
    if method != "execute" && method != "execute_kw" {
        return Err(OdooError::AttributeError(format!("module 'odoo.service.model' has no attribute 'exp_{method}'")));
    }
    check_db(sim, args.first())?;
    let uid = args.get(1).and_then(Value::as_i64).unwrap_or(0);
    let secret = args.get(2).and_then(Value::as_str).unwrap_or_default();
    let model = args.get(3).and_then(Value::as_str).unwrap_or_default().to_string();
    let name = args.get(4).and_then(Value::as_str).unwrap_or_default().to_string();
    let deny = |e: OdooError| {
        sim.record(transport, &model, &name, Some(uid), Err(e.name().into()), fault);
        Err(e)
    };
    if !sim.store().check_secret(uid, secret) {
        return deny(OdooError::access_denied());
    }
    let version = sim.version();
    if sim.store().schema.model(&model).is_none() {
        return deny(OdooError::UserError(format!("Object {model} doesn't exist")));
    }
    if name.starts_with('_') {
        return deny(methods::private_error(version, &model, &name));
    }
    let Some(sig) = methods::signature(version, &model, &name) else {
        return deny(methods::missing_method(&model, &name));
    };
    let (pos, kwargs): (Vec<Value>, Map<String, Value>) = if method == "execute_kw" {
        (
            args.get(5).and_then(Value::as_array).cloned().unwrap_or_default(),
            args.get(6).and_then(Value::as_object).cloned().unwrap_or_default(),
        )
    } else {
        (args.get(5..).map(<[Value]>::to_vec).unwrap_or_default(), Map::new())
    };
    let context = kwargs.get("context").and_then(Value::as_object).cloned().unwrap_or_default();
    let (ids, named) = match methods::bind_positional(version, &sig, &name, &pos, &kwargs) {
        Ok(b) => b,
        Err(e) => return deny(e),
    };
    // `create` answers an id for one dict and a list of ids for a list (call_kw).
    let single_create = name == "create" && named.get("vals_list").is_some_and(Value::is_object);
    let result = sim.execute(Invocation { transport, uid, model, method: name, ids, kwargs: named, context, fault })?;
    Ok(if single_create { result.get(0).cloned().unwrap_or(Value::Bool(false)) } else { result })
}
