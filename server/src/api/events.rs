//! The events feed: every canonical event the credential may see, oldest first, after a cursor.
//! The same events reach webhooks and the NATS stream; the feed lets a partner catch up.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use app::model::{FeedPage, Scope};

use crate::api::problem::Problem;
use crate::api::Caller;
use crate::domain::{cursor, event, internal};
use crate::http::AppState;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Unique and stable: the same id as the webhook's payload and the NATS message id.
    pub id: String,
    /// e.g. `po.acknowledged`, `asn.submitted`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: i64,
    pub aggregate_type: String,
    pub aggregate_id: i64,
    pub supplier_id: Option<i64>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<event::StoredEvent> for EventView {
    fn from(e: event::StoredEvent) -> Self {
        EventView {
            data: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            id: e.event_uid,
            event_type: e.event_type,
            schema_version: e.schema_version,
            aggregate_type: e.aggregate_type,
            aggregate_id: e.aggregate_id,
            supplier_id: e.supplier_id,
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200; 50 when absent.
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventParams), security(("bearer" = ["events:read"])),
    responses((status = 200, body = FeedPage<EventView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<EventParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FeedPage<EventView>>, Problem> {
    let actor = caller.require(Scope::EventsRead)?;
    let Query(p) = query?;
    let limit = cursor::limit(p.limit)?;
    let after = match p.cursor.as_deref() {
        Some(c) => cursor::decode(c)?.1,
        None => 0,
    };
    let mut rows = event::feed(&state.db, actor, after, limit + 1).await.map_err(internal)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = Some(cursor::encode(None, rows.last().map_or(after, |e| e.id)));
    Ok(Json(FeedPage { items: rows.into_iter().map(EventView::from).collect(), next_cursor, has_more }))
}
