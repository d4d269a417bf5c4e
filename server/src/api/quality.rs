//! Quality holds over the API: what the supplier is asked about, and its 8D answer.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::model::{QualityHoldSummary, QualityHoldView, QualityQuery, RespondHoldInput, Scope};

use crate::api::problem::Problem;
use crate::api::{ApiJson, Caller};
use crate::http::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoldParams {
    /// `open`, `responded` or `closed`; all when absent.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/quality-holds", tag = "quality", params(HoldParams),
    security(("bearer" = ["quality:read"])),
    responses((status = 200, body = Vec<QualityHoldSummary>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<HoldParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<QualityHoldSummary>>, Problem> {
    let actor = caller.require(Scope::QualityRead)?;
    let Query(p) = query?;
    Ok(Json(state.services.quality.list(actor, QualityQuery { status: p.status, supplier: None }).await?))
}

#[utoipa::path(get, path = "/api/v1/quality-holds/{id}", tag = "quality", params(("id" = i64, Path)),
    security(("bearer" = ["quality:read"])), responses((status = 200, body = QualityHoldView), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<QualityHoldView>, Problem> {
    let actor = caller.require(Scope::QualityRead)?;
    Ok(Json(state.services.quality.get(actor, id).await?))
}

/// The supplier's 8D-style answer.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldResponseRequest {
    pub containment: String,
    pub root_cause: String,
    pub corrective_action: String,
    pub corrective_due: NaiveDate,
    pub preventive_action: String,
    pub preventive_due: NaiveDate,
}

#[utoipa::path(post, path = "/api/v1/quality-holds/{id}/response", tag = "quality", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = HoldResponseRequest, security(("bearer" = ["quality:write"])),
    responses((status = 200, body = QualityHoldView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<HoldResponseRequest>,
) -> Result<Json<QualityHoldView>, Problem> {
    let actor = caller.require(Scope::QualityWrite)?;
    let input = RespondHoldInput {
        hold_id: id,
        containment: body.containment,
        root_cause: body.root_cause,
        corrective_action: body.corrective_action,
        corrective_due: body.corrective_due.to_string(),
        preventive_action: body.preventive_action,
        preventive_due: body.preventive_due.to_string(),
    };
    state.services.quality.respond(actor, input).await?;
    Ok(Json(state.services.quality.get(actor, id).await?))
}
