//! The partner REST API under `/api/v1`: the same domain services as the browser, reached with a
//! bearer token instead of a session. Every request passes the gate (address limit, token,
//! credential limit); every POST may carry an Idempotency-Key; every error is problem+json.

// Handlers answer a `Problem` by value, once per failed request, straight into the response: its
// size does not matter there, and boxing it would only add noise to every handler.
#![allow(clippy::result_large_err)]

pub mod docs;
pub mod events;
pub mod idempotency;
pub mod oauth;
pub mod orders;
pub mod problem;
pub mod quality;
pub mod rate_limit;
pub mod shipments;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use app::model::Scope;
use app::ports::Actor;

use crate::auth::session::client_ip;
use crate::domain::api_access::{ApiAccessService, ApiPrincipal, AuthFailure};
use crate::http::AppState;
use problem::{Kind, Problem};
use rate_limit::RateLimiter;

/// Limits and retention of the API (`[api]` in the configuration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Requests per minute one credential may make.
    pub requests_per_minute_per_token: u32,
    /// Requests per minute from one client address, whatever the credential (guessing included).
    pub requests_per_minute_per_address: u32,
    /// How long an Idempotency-Key is remembered (at least 24 h).
    pub idempotency_hours: i64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig { requests_per_minute_per_token: 600, requests_per_minute_per_address: 1200, idempotency_hours: 24 }
    }
}

/// What the API keeps beside the application state.
#[derive(Clone)]
pub struct ApiState {
    pub access: Arc<ApiAccessService>,
    pub per_token: RateLimiter,
    pub per_address: RateLimiter,
    pub idempotency_hours: i64,
}

impl ApiState {
    pub fn new(access: Arc<ApiAccessService>, config: &ApiConfig) -> Self {
        let minute = Duration::from_secs(60);
        ApiState {
            access,
            per_token: RateLimiter::new(config.requests_per_minute_per_token, minute),
            per_address: RateLimiter::new(config.requests_per_minute_per_address, minute),
            idempotency_hours: config.idempotency_hours.max(24),
        }
    }
}

impl ApiState {
    /// The per-address budget, shared by the API and `/oauth/token` (guessing tokens or secrets included).
    pub fn check_address(&self, ip: Option<&str>) -> rate_limit::Decision {
        self.per_address.check(&format!("ip:{}", ip.unwrap_or("unknown")))
    }
}

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiPrincipal);

impl Caller {
    /// The actor, if the credential holds `scope`; otherwise a 403 that names the scope.
    pub fn require(&self, scope: Scope) -> Result<&Actor, Problem> {
        if self.0.has(scope) {
            Ok(&self.0.actor)
        } else {
            Err(Problem::missing_scope(scope))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ApiPrincipal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| Problem::new(Kind::Unauthenticated, "Send a bearer token."))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Address limit → token → credential limit; the principal goes into the request.
async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(request.headers(), peer, state.config.trust_forwarded_for);
    let by_address = state.api.check_address(ip.as_deref());
    if !by_address.allowed {
        return limited(by_address, "address");
    }
    let Some(token) = bearer(request.headers()) else {
        return Problem::new(Kind::Unauthenticated, "Send a bearer token: Authorization: Bearer spl_...")
            .into_response();
    };
    let principal = match state.api.access.authenticate(token, ip.as_deref()).await {
        Ok(principal) => principal,
        Err(AuthFailure::Rejected(why)) => return Problem::new(Kind::Unauthenticated, why.to_string()).into_response(),
        Err(AuthFailure::Internal(error)) => {
            tracing::error!(%error, "checking an API token failed");
            return Problem::new(Kind::Unavailable, "Credentials cannot be checked right now; try again shortly.")
                .into_response();
        }
    };
    let by_token = state.api.per_token.check(&format!("credential:{}", principal.owner_credential_id));
    if !by_token.allowed {
        return limited(by_token, "token");
    }
    let span =
        tracing::info_span!("api", credential = principal.credential_id, supplier = ?principal.actor.supplier_scope());
    request.extensions_mut().insert(principal);
    let mut response = tracing::Instrument::instrument(next.run(request), span).await;
    by_token.write_headers("token", response.headers_mut());
    response
}

fn limited(decision: rate_limit::Decision, policy: &str) -> Response {
    let mut response = Problem::new(
        Kind::RateLimited,
        format!("Too many requests for this {policy}; retry in {} s.", decision.retry_after_secs),
    )
    .into_response();
    decision.write_headers(policy, response.headers_mut());
    response
}

/// A JSON body, or a problem+json that says what is wrong with it.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state).await.map(|axum::Json(v)| ApiJson(v)).map_err(Problem::from)
    }
}

/// `/api/v1/...` (token-authenticated), `/oauth/token`, and the documentation.
pub fn router(state: &AppState) -> Router<AppState> {
    let v1 = Router::new()
        .route("/purchase-orders", get(orders::list))
        .route("/purchase-orders/{id}", get(orders::get))
        .route("/purchase-orders/{id}/acknowledgement", post(orders::acknowledge))
        .route("/asns", get(shipments::list).post(shipments::create))
        .route("/asns/shippable-lines", get(shipments::shippable))
        .route("/asns/{id}", get(shipments::get))
        .route("/asns/{id}/cancel", post(shipments::cancel))
        .route("/lead-times", get(shipments::catalog))
        .route("/lead-time-proposals", post(shipments::propose_lead_time))
        .route("/quality-holds", get(quality::list))
        .route("/quality-holds/{id}", get(quality::get))
        .route("/quality-holds/{id}/response", post(quality::respond))
        .route("/events", get(events::list))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", get(webhooks::get).patch(webhooks::update).delete(webhooks::delete))
        .route("/webhooks/{id}/rotate-secret", post(webhooks::rotate_secret))
        .route("/webhooks/{id}/test", post(webhooks::send_test))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/{id}/replay-failed", post(webhooks::replay_failed))
        .route("/webhook-deliveries/{id}/replay", post(webhooks::replay))
        .layer(from_fn_with_state(state.clone(), idempotency::guard))
        .layer(from_fn_with_state(state.clone(), gate))
        .route("/openapi.json", get(docs::openapi_json))
        .fallback(|| async { Problem::new(Kind::NotFound, "There is no such API endpoint.") });
    Router::new()
        .nest("/api/v1", v1)
        .route("/api/docs", get(docs::page))
        .route("/api/docs/init.js", get(docs::init_script))
        .route("/oauth/token", post(oauth::token))
}
