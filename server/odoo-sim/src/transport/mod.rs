//! HTTP surface: JSON-RPC, XML-RPC, JSON-2, version endpoints, the `/__sim/*` control API, and proxy-style pages.

pub mod control;
pub mod json2;
pub mod jsonrpc;
pub mod xmlrpc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use crate::faults::{DownMode, FaultKind};
use crate::server::ConnKill;
use crate::Simulator;

pub fn router(sim: Simulator) -> Router {
    Router::new()
        .route("/jsonrpc", post(jsonrpc::handle))
        .route("/xmlrpc/2/{service}", post(xmlrpc::handle))
        .route("/json/2/{*path}", any(json2::handle))
        .route("/web/version", get(version))
        .route("/json/version", get(version))
        .route("/web/webclient/version_info", post(version_info))
        .route("/__sim/faults", get(control::get_faults).post(control::post_faults))
        .route("/__sim/calls", get(control::get_calls).delete(control::delete_calls))
        .route("/__sim/api-keys", axum::routing::post(control::post_api_key))
        .fallback(not_found)
        .with_state(sim)
}

/// Werkzeug's NotFound page, which Odoo serves for unknown routes.
pub fn not_found_html() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not \
         found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"
            .into(),
    )
}

async fn not_found() -> Response {
    not_found_html()
}

pub fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// An nginx error page, as a front proxy of Odoo.sh / on-premise installs answers.
pub fn proxy_page(status: StatusCode) -> Response {
    let title = match status.as_u16() {
        504 => "504 Gateway Time-out".to_string(),
        503 => "503 Service Temporarily Unavailable".to_string(),
        s => format!("{s} {}", status.canonical_reason().unwrap_or("")),
    };
    html(
        status,
        format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
             <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        ),
    )
}

/// Latency and down windows, applied before any Odoo work. `Some(response)` short-circuits.
pub async fn gate(sim: &Simulator, kill: Option<&ConnKill>) -> Option<Response> {
    let faults = sim.faults();
    let latency = faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match faults.down_mode() {
        Some(DownMode::Closed) => match kill {
            Some(k) => match k.kill().await {},
            None => Some(proxy_page(StatusCode::BAD_GATEWAY)),
        },
        Some(DownMode::Unavailable) => Some(proxy_page(StatusCode::SERVICE_UNAVAILABLE)),
        None => None,
    }
}

/// Answer for a proxy-level fault (nothing reaches Odoo).
pub async fn proxy_fault(sim: &Simulator, kind: FaultKind) -> Response {
    match kind {
        FaultKind::TooManyRequests => {
            let mut r = proxy_page(StatusCode::TOO_MANY_REQUESTS);
            let secs = sim.faults().retry_after().to_string();
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_str(&secs).expect("digits"));
            r
        }
        FaultKind::BadGateway => proxy_page(StatusCode::BAD_GATEWAY),
        FaultKind::Timeout => {
            tokio::time::sleep(sim.faults().timeout_sleep()).await;
            proxy_page(StatusCode::GATEWAY_TIMEOUT)
        }
        _ => proxy_page(StatusCode::GATEWAY_TIMEOUT),
    }
}

/// After a committed call: the response may still be "lost".
pub async fn lost_response(kind: Option<FaultKind>, kill: Option<&ConnKill>) -> Option<Response> {
    match kind {
        Some(FaultKind::LostResponse) => match kill {
            Some(k) => match k.kill().await {},
            None => Some(proxy_page(StatusCode::GATEWAY_TIMEOUT)),
        },
        Some(FaultKind::LostResponse504) => Some(proxy_page(StatusCode::GATEWAY_TIMEOUT)),
        _ => None,
    }
}

/// `GET /web/version` (19 only, §1).
async fn version(State(sim): State<Simulator>, kill: Option<Extension<ConnKill>>) -> Response {
    if let Some(r) = gate(&sim, kill.as_deref()).await {
        return r;
    }
    let v = sim.version();
    if !v.has_json2() {
        return not_found_html();
    }
    Json(json!({"version_info": v.version_info(), "version": v.serie()})).into_response()
}

/// `POST /web/webclient/version_info` (JSON-RPC route of the web client, all versions).
async fn version_info(State(sim): State<Simulator>, kill: Option<Extension<ConnKill>>, body: Bytes) -> Response {
    if let Some(r) = gate(&sim, kill.as_deref()).await {
        return r;
    }
    let id = serde_json::from_slice::<Value>(&body).ok().and_then(|b| b.get("id").cloned()).unwrap_or(Value::Null);
    Json(json!({"jsonrpc": "2.0", "id": id, "result": sim.version().common_version()})).into_response()
}
