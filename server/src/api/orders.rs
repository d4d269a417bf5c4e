//! Purchase orders over the API: the changes feed, one PO, and the supplier's acknowledgement
//! (whole PO or per line, with change proposals), through the same services as the browser.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::model::{AckInput, FeedPage, LineAckInput, PoDetailView, PoFeedItem, PoFeedQuery, Scope};

use crate::api::problem::Problem;
use crate::api::{ApiJson, Caller};
use crate::http::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only POs changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// `draft`, `sent`, `to_approve`, `purchase`, `done` or `cancel`.
    pub state: Option<String>,
    /// 1 to 200; 50 when absent.
    pub limit: Option<u32>,
}

/// POs the credential may see, oldest change first.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchase-orders", params(FeedParams),
    security(("bearer" = ["po:read"])),
    responses((status = 200, body = FeedPage<PoFeedItem>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FeedPage<PoFeedItem>>, Problem> {
    let actor = caller.require(Scope::PoRead)?;
    let Query(p) = query?;
    let feed = PoFeedQuery { cursor: p.cursor, updated_since: p.updated_since, state: p.state, limit: p.limit };
    Ok(Json(state.services.orders.feed(actor, feed).await?))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchase-orders",
    params(("id" = i64, Path, description = "The PO's id")), security(("bearer" = ["po:read"])),
    responses((status = 200, body = PoDetailView), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PoDetailView>, Problem> {
    let actor = caller.require(Scope::PoRead)?;
    Ok(Json(state.services.orders.get(actor, id).await?))
}

/// The supplier's answer to a confirmed PO.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgementRequest {
    /// The PO revision answered (`revision` of the PO). A PO revised since answers 422.
    pub revision: i64,
    pub decision: AckDecision,
    /// Required to reject the whole PO.
    #[serde(default)]
    pub reason: Option<String>,
    /// The supplier's own order number.
    #[serde(default)]
    pub supplier_reference: Option<String>,
    /// For `per_line`: one entry per line of the PO.
    #[serde(default)]
    pub lines: Vec<LineAcknowledgement>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckDecision {
    AcceptAll,
    RejectAll,
    PerLine,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineAcknowledgement {
    pub line_id: i64,
    pub action: LineAction,
    #[serde(default)]
    pub reason: Option<String>,
    /// For `quantity`: the quantity the supplier can deliver.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// For `date`: the date the supplier can deliver.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// For `split`: two or more deliveries that add up to the ordered quantity.
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineAction {
    Accept,
    Reject,
    Quantity,
    Date,
    Split,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    pub quantity: f64,
    pub date: NaiveDate,
}

impl AcknowledgementRequest {
    /// The browser's form, filled in: the one place the rules live checks it.
    fn into_input(self, po_id: i64) -> AckInput {
        AckInput {
            po_id,
            revision: self.revision,
            decision: match self.decision {
                AckDecision::AcceptAll => "accept_all",
                AckDecision::RejectAll => "reject_all",
                AckDecision::PerLine => "per_line",
            }
            .into(),
            reason: self.reason,
            supplier_reference: self.supplier_reference,
            lines: self
                .lines
                .into_iter()
                .map(|l| LineAckInput {
                    line_id: l.line_id,
                    action: match l.action {
                        LineAction::Accept => "accept",
                        LineAction::Reject => "reject",
                        LineAction::Quantity => "quantity",
                        LineAction::Date => "date",
                        LineAction::Split => "split",
                    }
                    .into(),
                    reason: l.reason,
                    quantity: l.quantity.map(|q| q.to_string()),
                    date: l.date.map(|d| d.to_string()),
                    split: (!l.deliveries.is_empty()).then(|| {
                        l.deliveries
                            .iter()
                            .map(|d| format!("{} @ {}", d.quantity, d.date))
                            .collect::<Vec<_>>()
                            .join("; ")
                    }),
                })
                .collect(),
        }
    }
}

/// Acknowledge a PO: accept or reject it whole, or answer per line (accept, reject, another
/// quantity, another date, a split). Proposals wait for the buyer's decision.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/acknowledgement", tag = "purchase-orders",
    params(("id" = i64, Path, description = "The PO's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = AcknowledgementRequest, security(("bearer" = ["po:ack"])),
    responses((status = 200, body = PoDetailView, description = "The PO as it stands after the answer"),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AcknowledgementRequest>,
) -> Result<(StatusCode, Json<PoDetailView>), Problem> {
    let actor = caller.require(Scope::PoAck)?;
    state.services.acknowledgements.acknowledge(actor, body.into_input(id)).await?;
    Ok((StatusCode::OK, Json(state.services.orders.get(actor, id).await?)))
}
