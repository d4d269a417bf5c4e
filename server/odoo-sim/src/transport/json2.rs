//! `POST /json/2/<model>/<method>` (19.0+, §4): named arguments, bearer API keys, HTTP status per error.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Map, Value};

use crate::error::OdooError;
use crate::methods;
use crate::server::ConnKill;
use crate::sim::Invocation;
use crate::store::ids_in;
use crate::transport::{gate, html, lost_response, not_found_html, proxy_fault};
use crate::{OdooVersion, Simulator};

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

/// A werkzeug HTTPException serialized by the JSON-2 dispatcher: `arguments` = (description, code).
fn http_error(status: StatusCode, class: &str, message: &str) -> Response {
    let name = format!("werkzeug.exceptions.{class}");
    let debug = format!(
        "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/http.py\", line 2273, in \
         _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n{name}: {} {}: {message}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let body = json!({"name": name, "message": message, "arguments": [message, status.as_u16()], "context": {}, "debug": debug});
    json_response(status, &body)
}

fn unauthorized(message: &str) -> Response {
    let mut r = http_error(StatusCode::UNAUTHORIZED, "Unauthorized", message);
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer "));
    r
}

fn odoo_error(e: &OdooError) -> Response {
    let status = StatusCode::from_u16(e.json2_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &e.serialize(OdooVersion::V19))
}

/// `^bearer\s+(.+)$`, case-insensitive.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let token = rest.trim_start();
    (!token.is_empty()).then(|| token.to_string())
}

pub async fn handle(
    State(sim): State<Simulator>,
    kill: Option<Extension<ConnKill>>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kill = kill.as_deref();
    if !sim.version().has_json2() {
        return not_found_html();
    }
    if let Some(r) = gate(&sim, kill).await {
        return r;
    }
    let Some((model, name)) = path.split_once('/').filter(|(m, n)| !m.is_empty() && !n.is_empty() && !n.contains('/'))
    else {
        return not_found_html();
    };
    let (model, name) = (model.to_string(), name.to_string());
    if method != Method::POST {
        return http_error(StatusCode::NOT_FOUND, "NotFound", &format!("Did you mean POST /json/2/{model}/{name}?"));
    }
    if headers.get("x-odoo-database").and_then(|d| d.to_str().ok()).is_some_and(|d| d != sim.config().database) {
        return html(
            StatusCode::NOT_FOUND,
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is \
             selected and the requested URL was not found in the server-wide controllers.</p>\n"
                .into(),
        );
    }
    let fault = sim.faults().decide(&model, &name, true);
    if let Some(kind) = fault.filter(|k| k.is_proxy()) {
        sim.record_fault("json2", &model, &name, kind);
        return proxy_fault(&sim, kind).await;
    }
    let refuse = |uid: Option<i64>, outcome: &str| sim.record("json2", &model, &name, uid, Err(outcome.into()), fault);
    let uid = match bearer(&headers) {
        None => {
            refuse(None, "werkzeug.exceptions.Unauthorized");
            return unauthorized("User not authenticated, use an API Key with a Bearer Authorization header.");
        }
        Some(key) => match sim.store().uid_for_key(&key) {
            Some(uid) => uid,
            None => {
                refuse(None, "werkzeug.exceptions.Unauthorized");
                return unauthorized("Invalid apikey");
            }
        },
    };
    let args: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                refuse(Some(uid), "werkzeug.exceptions.BadRequest");
                return http_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "could not parse the body, expecting a json object",
                );
            }
            Err(e) => {
                refuse(Some(uid), "werkzeug.exceptions.BadRequest");
                return http_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("could not parse the body as json: {e}"),
                );
            }
        }
    };
    let version = sim.version();
    if sim.store().schema.model(&model).is_none() {
        refuse(Some(uid), "werkzeug.exceptions.NotFound");
        return http_error(StatusCode::NOT_FOUND, "NotFound", &format!("the model '{model}' does not exist"));
    }
    if name.starts_with('_') {
        let e = methods::private_error(version, &model, &name);
        refuse(Some(uid), e.name());
        return odoo_error(&e);
    }
    let Some(sig) = methods::signature(version, &model, &name) else {
        refuse(Some(uid), "werkzeug.exceptions.NotFound");
        return http_error(StatusCode::NOT_FOUND, "NotFound", &format!("The method '{model}.{name}' does not exist"));
    };
    let ids = args.get("ids").map(ids_in);
    if ids.is_some() && sig.api_model {
        refuse(Some(uid), "werkzeug.exceptions.UnprocessableEntity");
        return http_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UnprocessableEntity",
            &format!("cannot call {model}.{name} with ids"),
        );
    }
    let context = args.get("context").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut kwargs = Map::new();
    for (k, v) in args {
        if k == "ids" || k == "context" {
            continue;
        }
        if !sig.var_kw && !sig.params.contains(&k.as_str()) {
            refuse(Some(uid), "werkzeug.exceptions.UnprocessableEntity");
            return http_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UnprocessableEntity",
                &format!("got an unexpected keyword argument '{k}'"),
            );
        }
        kwargs.insert(k, v);
    }
    let result = sim.execute(Invocation { transport: "json2", uid, model, method: name, ids, kwargs, context, fault });
    if let Some(r) = lost_response(fault.filter(|_| result.is_ok()), kill).await {
        return r;
    }
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => odoo_error(&e),
    }
}
