//! `/__sim/*`: fault switches, the call log, and API keys for a user (not part of Odoo; never subject to
//! faults).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::faults::FaultUpdate;
use crate::Simulator;

pub async fn get_faults(State(sim): State<Simulator>) -> Json<Value> {
    Json(sim.faults().snapshot())
}

pub async fn post_faults(State(sim): State<Simulator>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultUpdate>(&body) {
        Ok(update) => {
            sim.faults().apply(update);
            Json(sim.faults().snapshot()).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

pub async fn get_calls(State(sim): State<Simulator>) -> Json<Value> {
    Json(json!(sim.calls()))
}

pub async fn delete_calls(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_calls();
    StatusCode::NO_CONTENT
}

/// `POST /__sim/api-keys {"login": "..."}` → `{"uid", "login", "key"}`: what an administrator does in
/// Odoo's Preferences → Account Security → New API Key for a user, which has no RPC in Odoo.
pub async fn post_api_key(State(sim): State<Simulator>, body: axum::body::Bytes) -> Response {
    let login = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("login").and_then(Value::as_str).map(str::to_string));
    let Some(login) = login else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "expected {\"login\": \"<user login>\"}"})))
            .into_response();
    };
    let Some(uid) = sim.search_ids("res.users", json!([["login", "=", login]])).first().copied() else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": format!("no user with login {login:?}")})))
            .into_response();
    };
    let key = sim.create_api_key(uid, None);
    Json(json!({"uid": uid, "login": login, "key": key})).into_response()
}
