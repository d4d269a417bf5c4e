//! Machine endpoints of the sync: Odoo's automation webhooks (`/hooks/odoo/{secret}`) and the
//! Prometheus scrape (`/metrics`). Neither uses a session.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::AppState;
use crate::db::{Executor, Sql};
use crate::sync::connection::connection_by_webhook_secret;
use crate::sync::{outbox, Hint, HintOutcome};

fn status(code: StatusCode, status: &str) -> Response {
    (code, axum::Json(json!({ "status": status }))).into_response()
}

/// Odoo's "Send Webhook Notification" (`base_automation` `_run_action_webhook`): no signature, no retries; the secret in the URL
/// is all Odoo can offer. The payload is only a hint — the record is read back from Odoo.
pub async fn odoo_hook(State(state): State<AppState>, Path(secret): Path<String>, body: Bytes) -> Response {
    let metrics = &state.sync.metrics;
    let connection = match connection_by_webhook_secret(&state.db, &secret).await {
        Ok(Some(connection)) => connection,
        Ok(None) => {
            metrics.webhook_hint("unknown_secret");
            return status(StatusCode::NOT_FOUND, "error");
        }
        Err(error) => {
            tracing::error!(%error, "webhook: cannot look up the connection");
            return status(StatusCode::SERVICE_UNAVAILABLE, "error");
        }
    };
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(payload)) => Value::Object(payload),
        _ => {
            metrics.webhook_hint("bad_payload");
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "status": "error", "detail": "expected a JSON object" })),
            )
                .into_response();
        }
    };
    let model = payload.get("_model").and_then(Value::as_str);
    let id = payload.get("_id").or_else(|| payload.get("id")).and_then(Value::as_i64);
    let (Some(model), Some(odoo_id)) = (model, id) else {
        metrics.webhook_hint("bad_payload");
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "status": "error", "detail": "_model and _id are required" })),
        )
            .into_response();
    };
    let hint = Hint {
        connection_id: connection.id,
        model: model.to_string(),
        odoo_id,
        partner_id: payload.get("partner_id").and_then(Value::as_i64),
        order_id: payload.get("order_id").and_then(Value::as_i64),
    };
    tracing::info!(connection = %connection.name, odoo.model = model, odoo.id = odoo_id, "webhook hint from Odoo");
    match state.sync.hint(hint) {
        HintOutcome::Accepted | HintOutcome::Ignored => status(StatusCode::OK, "ok"),
        HintOutcome::RateLimited => {
            let mut response = status(StatusCode::TOO_MANY_REQUESTS, "error");
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
            response
        }
    }
}

/// Prometheus text format. With `metrics_token` configured, the scrape must present it as a bearer token.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        use subtle::ConstantTimeEq;
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !bool::from(presented.as_bytes().ct_eq(token.expose().as_bytes())) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "").into_response();
        }
    }
    let mut out = String::new();
    if let Err(error) = queue_metrics(&state, &mut out).await {
        tracing::warn!(%error, "metrics: cannot read the queue");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
    }
    state.sync.metrics.render(&mut out);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

async fn queue_metrics(state: &AppState, out: &mut String) -> Result<(), crate::db::DbError> {
    use std::fmt::Write;
    let now = Utc::now();
    let depth = outbox::depth(&state.db).await?;
    let oldest = depth.oldest_pending_at.map(|at| (now - at).num_milliseconds() as f64 / 1000.0).unwrap_or(0.0);
    let _ = writeln!(out, "# HELP supplyline_outbox_pending Outbox rows waiting to reach Odoo.");
    let _ = writeln!(out, "# TYPE supplyline_outbox_pending gauge");
    let _ = writeln!(out, "supplyline_outbox_pending {}", depth.pending);
    let _ = writeln!(out, "# HELP supplyline_outbox_dead Dead letters waiting for a person.");
    let _ = writeln!(out, "# TYPE supplyline_outbox_dead gauge");
    let _ = writeln!(out, "supplyline_outbox_dead {}", depth.dead);
    let _ = writeln!(out, "# HELP supplyline_outbox_oldest_pending_seconds Age of the oldest waiting row.");
    let _ = writeln!(out, "# TYPE supplyline_outbox_oldest_pending_seconds gauge");
    let _ = writeln!(out, "supplyline_outbox_oldest_pending_seconds {oldest}");
    #[derive(sqlx::FromRow)]
    struct Lag {
        model: String,
        oldest_run: Option<DateTime<Utc>>,
    }
    let lags: Vec<Lag> = state
        .db
        .exec()
        .fetch_all(Sql::new(
            "SELECT model, MIN(last_run_at) AS oldest_run FROM sync_cursor WHERE last_error IS NULL GROUP BY model",
        ))
        .await?;
    let _ =
        writeln!(out, "# HELP supplyline_odoo_pull_lag_seconds Time since the least recent successful pull, by model.");
    let _ = writeln!(out, "# TYPE supplyline_odoo_pull_lag_seconds gauge");
    for lag in lags {
        let secs = lag.oldest_run.map(|at| (now - at).num_milliseconds() as f64 / 1000.0).unwrap_or(0.0);
        let _ = writeln!(out, "supplyline_odoo_pull_lag_seconds{{model=\"{}\"}} {secs}", lag.model);
    }
    Ok(())
}
