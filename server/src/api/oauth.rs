//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for partners whose
//! tooling expects it. A registered client trades its id and secret (HTTP Basic or form fields)
//! for a bearer token of at most an hour, limited to the client's scopes.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::model::Scope;

use crate::auth::session::client_ip;
use crate::domain::api_access::OAuthError;
use crate::http::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    /// Space-separated; the client's scopes when absent.
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenError {
    pub error: String,
    pub error_description: String,
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (id, secret) = String::from_utf8(decoded).ok()?.split_once(':').map(|(a, b)| (a.to_string(), b.to_string()))?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
    Some((form_urlencoded_decode(&id), form_urlencoded_decode(&secret)))
}

fn form_urlencoded_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

fn error(status: StatusCode, e: OAuthError, basic: bool) -> Response {
    let mut response =
        (status, Json(TokenError { error: e.error.into(), error_description: e.description })).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::UNAUTHORIZED && basic {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"supplyline\""));
    }
    response
}

fn request_error(error: &'static str, description: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, error, description)
}

fn error_response(status: StatusCode, code: &'static str, description: &str) -> Response {
    error(status, OAuthError { error: code, description: description.into() }, false)
}

#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse), (status = 400, body = TokenError), (status = 401, body = TokenError),
              (status = 429, description = "Too many attempts from this address")))]
pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let ip = client_ip(&headers, Some(peer), state.config.trust_forwarded_for);
    let by_address = state.api.check_address(ip.as_deref());
    if !by_address.allowed {
        let mut response =
            error_response(StatusCode::TOO_MANY_REQUESTS, "slow_down", "Too many requests from this address.");
        by_address.write_headers("address", response.headers_mut());
        return response;
    }
    let Ok(Form(form)) = form else {
        return request_error("invalid_request", "Send application/x-www-form-urlencoded fields.");
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return request_error("unsupported_grant_type", "Only grant_type=client_credentials is supported.");
    }
    let basic = basic_credentials(&headers);
    let used_basic = basic.is_some();
    let (client_id, secret) = match (basic, form.client_id, form.client_secret) {
        (Some(_), Some(_), Some(_)) => {
            return request_error("invalid_request", "Authenticate the client one way: HTTP Basic or form fields.")
        }
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return error(
                StatusCode::UNAUTHORIZED,
                OAuthError { error: "invalid_client", description: "Send the client id and secret.".into() },
                true,
            )
        }
    };
    match state.api.access.issue_access_token(&client_id, &secret, form.scope.as_deref()).await {
        Ok(token) => {
            let mut response = Json(TokenResponse {
                access_token: token.token,
                token_type: "Bearer".into(),
                expires_in: token.expires_in,
                scope: Scope::join(&token.scopes),
            })
            .into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            let status = match e.error {
                "invalid_client" => StatusCode::UNAUTHORIZED,
                "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            error(status, e, used_basic)
        }
    }
}
