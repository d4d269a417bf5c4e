//! Webhook endpoints over the API (scope `webhooks:manage`): the same service as the integration
//! console, so a partner can register, test and replay its own endpoints from its systems.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::model::{
    Scope, WebhookDeliveryPage, WebhookDeliveryQuery, WebhookDeliveryView, WebhookEndpointInput, WebhookEndpointView,
    WebhookReplayInput, WebhookSecretView, WebhookUpdateInput,
};

use crate::api::problem::Problem;
use crate::api::{ApiJson, Caller};
use crate::http::AppState;

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = ["webhooks:manage"])),
    responses((status = 200, body = Vec<WebhookEndpointView>), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<WebhookEndpointView>>, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok(Json(state.services.webhooks.list(actor).await?))
}

/// Register an endpoint. The answer holds its `whsec_` signing secret, shown only this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookEndpointInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 201, body = WebhookSecretView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<WebhookEndpointInput>,
) -> Result<(StatusCode, Json<WebhookSecretView>), Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok((StatusCode::CREATED, Json(state.services.webhooks.create(actor, body).await?)))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WebhookEndpointView>, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok(Json(state.services.webhooks.get(actor, id).await?))
}

/// Change the URL, description, event types, or switch it on and off; absent fields stay.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body = WebhookUpdateInput, security(("bearer" = ["webhooks:manage"])),
    responses((status = 200, body = WebhookEndpointView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WebhookUpdateInput>,
) -> Result<Json<WebhookEndpointView>, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok(Json(state.services.webhooks.update(actor, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
pub async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Result<StatusCode, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    state.services.webhooks.delete(actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret (shown once); the previous one keeps signing during the overlap.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 200, body = WebhookSecretView), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<WebhookSecretView>, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok(Json(state.services.webhooks.rotate_secret(actor, id).await?))
}

/// Queue a `webhook.test` message to the endpoint.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 202, body = WebhookDeliveryView), (status = 404, body = Problem)))]
pub async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<WebhookDeliveryView>), Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok((StatusCode::ACCEPTED, Json(state.services.webhooks.send_test(actor, id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// From a previous page's `next_before`.
    pub before: Option<i64>,
    /// 1 to 100; 25 when absent.
    pub limit: Option<i64>,
}

/// The endpoint's delivery log, newest first, each with its attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = i64, Path), DeliveryParams),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 200, body = WebhookDeliveryPage), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    query: Result<Query<DeliveryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<WebhookDeliveryPage>, Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    let Query(p) = query?;
    let query = WebhookDeliveryQuery { before: p.before, limit: p.limit };
    Ok(Json(state.services.webhooks.deliveries(actor, id, query).await?))
}

/// Send a delivery again: the same `webhook-id` and body, fresh attempts.
#[utoipa::path(post, path = "/api/v1/webhook-deliveries/{id}/replay", tag = "webhooks", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["webhooks:manage"])),
    responses((status = 202, body = WebhookDeliveryView), (status = 404, body = Problem)))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<WebhookDeliveryView>), Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    Ok((StatusCode::ACCEPTED, Json(state.services.webhooks.replay(actor, id).await?)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplayedCount {
    /// How many failed or dead deliveries went back in the queue.
    pub requeued: u64,
}

/// Put every failed or dead delivery of the endpoint since a time back in the queue.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/replay-failed", tag = "webhooks", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = WebhookReplayInput, security(("bearer" = ["webhooks:manage"])),
    responses((status = 202, body = ReplayedCount), (status = 404, body = Problem)))]
pub async fn replay_failed(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WebhookReplayInput>,
) -> Result<(StatusCode, Json<ReplayedCount>), Problem> {
    let actor = caller.require(Scope::WebhooksManage)?;
    let requeued = state.services.webhooks.replay_failed(actor, id, body).await?;
    Ok((StatusCode::ACCEPTED, Json(ReplayedCount { requeued })))
}
