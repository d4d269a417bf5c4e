//! Advance shipping notices and lead-time proposals over the API, through the browser's services.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::model::{
    AsnInput, AsnLineInput, AsnPackageInput, AsnSummaryView, AsnView, LeadTimeInput, LeadTimeItem, Scope,
    ShippableLineView,
};

use crate::api::problem::Problem;
use crate::api::{ApiJson, Caller};
use crate::http::AppState;

#[utoipa::path(get, path = "/api/v1/asns", tag = "asns", security(("bearer" = ["asn:read"])),
    responses((status = 200, body = Vec<AsnSummaryView>), (status = 403, body = Problem)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AsnSummaryView>>, Problem> {
    let actor = caller.require(Scope::AsnRead)?;
    Ok(Json(state.services.asns.list(actor).await?))
}

#[utoipa::path(get, path = "/api/v1/asns/{id}", tag = "asns", params(("id" = i64, Path)),
    security(("bearer" = ["asn:read"])), responses((status = 200, body = AsnView), (status = 404, body = Problem)))]
pub async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Result<Json<AsnView>, Problem> {
    let actor = caller.require(Scope::AsnRead)?;
    Ok(Json(state.services.asns.get(actor, id).await?))
}

/// The lines the supplier can still ship, with how much of each (what an ASN may contain).
#[utoipa::path(get, path = "/api/v1/asns/shippable-lines", tag = "asns", security(("bearer" = ["asn:write"])),
    responses((status = 200, body = Vec<ShippableLineView>), (status = 403, body = Problem)))]
pub async fn shippable(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ShippableLineView>>, Problem> {
    let actor = caller.require(Scope::AsnWrite)?;
    Ok(Json(state.services.asns.shippable(actor, None).await?))
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsnRequest {
    /// The supplier's delivery note number.
    pub number: String,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking_ref: Option<String>,
    pub ship_date: NaiveDate,
    /// Expected arrival.
    pub eta: DateTime<Utc>,
    pub lines: Vec<AsnLineRequest>,
    /// Pallets and cartons; lines name theirs by its 1-based position here.
    #[serde(default)]
    pub packages: Vec<AsnPackageRequest>,
    /// The ASN this one replaces (an amendment of a shipment not yet received).
    #[serde(default)]
    pub amends: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsnLineRequest {
    /// The PO line shipped.
    pub line_id: i64,
    pub quantity: f64,
    /// Lot-tracked products: the lots and how much of each.
    #[serde(default)]
    pub lots: Vec<LotRequest>,
    /// Serial-tracked products: one serial number per unit.
    #[serde(default)]
    pub serials: Vec<String>,
    #[serde(default)]
    pub expiry: Option<NaiveDate>,
    /// 1-based position in `packages`.
    #[serde(default)]
    pub package: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotRequest {
    pub name: String,
    pub quantity: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsnPackageRequest {
    /// `pallet`, `carton` or `other`.
    pub kind: String,
    /// 1-based position of the package this one sits on.
    #[serde(default)]
    pub parent: Option<u32>,
    #[serde(default)]
    pub weight_kg: Option<f64>,
}

impl AsnRequest {
    fn into_input(self) -> AsnInput {
        let text = |v: Option<String>| v.unwrap_or_default();
        let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
        AsnInput {
            number: self.number,
            carrier: text(self.carrier),
            tracking_ref: text(self.tracking_ref),
            ship_date: self.ship_date.to_string(),
            eta: self.eta.format("%Y-%m-%dT%H:%M").to_string(),
            amends: self.amends,
            lines: self
                .lines
                .into_iter()
                .map(|l| AsnLineInput {
                    line_id: l.line_id,
                    quantity: l.quantity.to_string(),
                    lots: if l.serials.is_empty() {
                        l.lots
                            .iter()
                            .map(|lot| format!("{}: {}", lot.name, lot.quantity))
                            .collect::<Vec<_>>()
                            .join("; ")
                    } else {
                        l.serials.join(", ")
                    },
                    expiry: l.expiry.map(|d| d.to_string()).unwrap_or_default(),
                    package: number(l.package),
                })
                .collect(),
            packages: self
                .packages
                .into_iter()
                .map(|p| AsnPackageInput {
                    kind: p.kind,
                    parent: number(p.parent),
                    weight_kg: p.weight_kg.map(|w| w.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Announce a shipment. It reaches Odoo through the sync; a `Location` header names the new ASN.
#[utoipa::path(post, path = "/api/v1/asns", tag = "asns", request_body = AsnRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["asn:write"])),
    responses((status = 201, body = AsnView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<AsnRequest>,
) -> Result<(StatusCode, HeaderMap, Json<AsnView>), Problem> {
    let actor = caller.require(Scope::AsnWrite)?;
    let id = state.services.asns.submit(actor, body.into_input()).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/asns/{id}")) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(state.services.asns.get(actor, id).await?)))
}

#[utoipa::path(post, path = "/api/v1/asns/{id}/cancel", tag = "asns", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["asn:write"])),
    responses((status = 200, body = AsnView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<AsnView>, Problem> {
    let actor = caller.require(Scope::AsnWrite)?;
    state.services.asns.cancel(actor, id).await?;
    Ok(Json(state.services.asns.get(actor, id).await?))
}

/// The supplier's products with their current lead times (what a proposal refers to).
#[utoipa::path(get, path = "/api/v1/lead-times", tag = "lead-times", security(("bearer" = ["leadtime:write"])),
    responses((status = 200, body = Vec<LeadTimeItem>), (status = 403, body = Problem)))]
pub async fn catalog(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<LeadTimeItem>>, Problem> {
    let actor = caller.require(Scope::LeadtimeWrite)?;
    Ok(Json(state.services.lead_times.catalog(actor).await?))
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadTimeRequest {
    pub supplier_product_id: i64,
    /// The new lead time in days.
    pub days: i64,
    /// From when it applies.
    pub effective_date: NaiveDate,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Propose a new lead time for one of the supplier's products; the buyer decides.
#[utoipa::path(post, path = "/api/v1/lead-time-proposals", tag = "lead-times", request_body = LeadTimeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    security(("bearer" = ["leadtime:write"])),
    responses((status = 201, body = LeadTimeItem, description = "The product with its pending proposal"),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn propose_lead_time(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<LeadTimeRequest>,
) -> Result<(StatusCode, Json<LeadTimeItem>), Problem> {
    let actor = caller.require(Scope::LeadtimeWrite)?;
    let product = body.supplier_product_id;
    let input = LeadTimeInput {
        supplier_product_id: product,
        days: body.days.to_string(),
        effective_date: body.effective_date.to_string(),
        reason: body.reason,
    };
    state.services.lead_times.propose(actor, input).await?;
    let item = state.services.lead_times.catalog(actor).await?.into_iter().find(|i| i.supplier_product_id == product);
    Ok((StatusCode::CREATED, Json(item.ok_or(app::AppError::NotFound)?)))
}
