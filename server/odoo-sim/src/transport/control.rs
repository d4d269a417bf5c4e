//! `/__sim/*`: fault switches and the call log (not part of Odoo; never subject to faults).

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
