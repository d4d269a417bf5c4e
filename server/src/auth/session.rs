//! The session: who is signed in. Builds the request's `Actor` once, guards pages, and handles the
//! sign-in and sign-out forms (plain forms: they work before hydration and without WebAssembly).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

use app::model::{LoginNotice, LOGIN_NOTICE_KEY};
use app::ports::Actor;

use crate::auth::throttle::{wait_message, ThrottleKey};
use crate::domain::account::{self, Email};
use crate::domain::audit::{self, AuditEntry};
use crate::http::AppState;

pub const SESSION_COOKIE: &str = "supplyline_session";
const USER_ID_KEY: &str = "user_id";
const BAD_CREDENTIALS: &str = "Incorrect e-mail or password.";

/// The client's address: the socket peer, or — behind our own proxy — the address that proxy
/// appended last to `X-Forwarded-For`. Earlier entries are written by the client and prove nothing.
pub fn client_ip(headers: &HeaderMap, peer: Option<SocketAddr>, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        let appended_by_proxy = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
            .and_then(|v| v.parse::<std::net::IpAddr>().ok());
        if let Some(ip) = appended_by_proxy {
            return Some(ip.to_string());
        }
    }
    peer.map(|p| p.ip().to_string())
}

pub fn peer(request: &Request) -> Option<SocketAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

/// Puts the signed-in `Actor` (if any) into the request, once per request.
pub async fn load_actor(State(state): State<AppState>, session: Session, mut request: Request, next: Next) -> Response {
    match session.get::<i64>(USER_ID_KEY).await {
        Ok(Some(user_id)) => match account::find_by_id(&state.db, user_id).await {
            Ok(user) => match user.as_ref().and_then(account::UserRow::actor) {
                Some(actor) => {
                    request.extensions_mut().insert(actor);
                }
                // Deleted or deactivated since sign-in: the session ends now.
                None => {
                    if let Err(e) = session.flush().await {
                        tracing::error!(error = %e, "ending the session of an inactive user failed");
                    }
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "loading the signed-in user failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "The database is unavailable. Try again shortly.\n")
                    .into_response();
            }
        },
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "unreadable session; continuing signed out");
        }
    }
    next.run(request).await
}

/// Paths anyone may open; every other page sends a signed-out visitor to the sign-in form.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/logout"
            | "/auth/sso"
            | "/auth/sso/callback"
            | "/forgot-password"
            | "/healthz"
            | "/readyz"
            | "/favicon.svg"
            | "/favicon.ico"
            | "/robots.txt"
    ) || path.starts_with("/pkg/")
        // Swagger UI's files, for the public API reference at /api/docs.
        || path.starts_with("/vendor/")
        // One-time links from e-mail: the token in the path is the credential.
        || path.starts_with("/reset-password/")
        || path.starts_with("/invitation/")
        // Server functions answer 401 themselves; a redirect would confuse their callers.
        || path.starts_with("/rpc/")
}

pub async fn require_login(request: Request, next: Next) -> Response {
    let is_page_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if is_page_read && request.extensions().get::<Actor>().is_none() && !is_public(request.uri().path()) {
        let next_path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        return Redirect::to(&format!("/login?next={}", encode_component(next_path))).into_response();
    }
    next.run(request).await
}

/// Only a local path may follow a sign-in: never another site (`//evil.example`, `https://…`,
/// `/\t/evil.example` — browsers drop tabs and newlines), and only plain URL characters.
pub fn safe_next(next: Option<&str>) -> &str {
    let plain = |n: &str| n.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._~%?&=-+,".contains(&b));
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && plain(n) && !n.starts_with("/login") => n,
        _ => "/pos",
    }
}

fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(State(state): State<AppState>, session: Session, request: Request) -> Response {
    let ip = client_ip(request.headers(), peer(&request), state.config.trust_forwarded_for);
    let Form(form) = match Form::<LoginForm>::from_request(request, &()).await {
        Ok(form) => form,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("The sign-in form could not be read: {e}\n")).into_response()
        }
    };
    let back = |error: String| {
        let email = form.email.trim().to_string();
        let next = form.next.clone().filter(|n| !n.is_empty());
        let session = session.clone();
        async move {
            if let Err(e) = session
                .insert(LOGIN_NOTICE_KEY, LoginNotice { error: Some(error), email, ..LoginNotice::default() })
                .await
            {
                tracing::error!(error = %e, "saving the sign-in notice failed");
            }
            let to = match next {
                Some(n) => format!("/login?next={}", encode_component(safe_next(Some(&n)))),
                None => "/login".to_string(),
            };
            Redirect::to(&to).into_response()
        }
    };

    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(message) => return back(message).await,
    };
    let now = Utc::now();
    let keys: Vec<ThrottleKey> = std::iter::once(ThrottleKey::Account(email.as_str().to_string()))
        .chain(ip.clone().map(ThrottleKey::Address))
        .collect();
    match state.throttle.locked_for(&keys, now).await {
        Ok(Some(left)) => return back(wait_message(left)).await,
        Ok(None) => {}
        Err(e) => return unavailable(e),
    }
    let user = match account::authenticate(&state.db, &email, form.password.clone()).await {
        Ok(user) => user,
        Err(e) => return unavailable(e),
    };
    let Some(user) = user else {
        for key in &keys {
            if let Err(e) = state.throttle.record_failure(key, now).await {
                return unavailable(e);
            }
        }
        tracing::info!(ip = ip.as_deref().unwrap_or("-"), "sign-in failed");
        return back(BAD_CREDENTIALS.to_string()).await;
    };

    if let Err(response) = establish(&state, &session, &user, ip.as_deref(), "password").await {
        return response;
    }
    Redirect::to(safe_next(form.next.as_deref())).into_response()
}

/// Signs `user` in on this session, however they proved who they are (`method`: `password`, `sso`):
/// a new session id, the user id in the session, the account's sign-in throttle cleared, the sign-in
/// recorded and audited.
pub async fn establish(
    state: &AppState,
    session: &Session,
    user: &account::UserRow,
    ip: Option<&str>,
    method: &str,
) -> Result<(), Response> {
    // A new session id at sign-in: an id planted before sign-in is worthless after it.
    session.cycle_id().await.map_err(unavailable)?;
    session.insert(USER_ID_KEY, user.id).await.map_err(unavailable)?;
    let cleared = state.throttle.clear(&ThrottleKey::Account(user.email.to_lowercase())).await;
    let recorded = account::record_login(&state.db, user, ip, method).await;
    if let Some(e) = cleared.err().or(recorded.err()) {
        return Err(unavailable(e));
    }
    tracing::info!(user_id = user.id, method, "signed in");
    Ok(())
}

/// Back to the sign-in form, which shows `error` once; `next` is kept when it is a safe local path.
pub async fn to_login_with_error(session: &Session, error: String, next: Option<String>) -> Response {
    if let Err(e) = session.insert(LOGIN_NOTICE_KEY, LoginNotice { error: Some(error), ..LoginNotice::default() }).await
    {
        tracing::error!(error = %e, "saving the sign-in notice failed");
    }
    match next.filter(|n| !n.is_empty()) {
        Some(n) => Redirect::to(&format!("/login?next={}", encode_component(safe_next(Some(&n))))).into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, session: Session, request: Request) -> Response {
    let ip = client_ip(request.headers(), peer(&request), state.config.trust_forwarded_for);
    if let Some(actor) = request.extensions().get::<Actor>() {
        let entry = AuditEntry {
            user_id: Some(actor.user_id),
            role: Some(actor.role.as_str()),
            supplier_id: actor.supplier_scope(),
            action: "session.logout",
            entity: Some(("app_user", actor.user_id)),
            detail: serde_json::json!({}),
            ip: ip.as_deref(),
        };
        if let Err(e) = audit::record(&mut state.db.exec(), entry).await {
            tracing::error!(error = %e, "auditing a sign-out failed");
        }
    }
    if let Err(e) = session.flush().await {
        return unavailable(e);
    }
    Redirect::to("/login?signed_out=1").into_response()
}

pub fn unavailable(err: impl std::fmt::Display) -> Response {
    let reference = format!("{:08x}", rand::random::<u32>());
    tracing::error!(%reference, error = %err, "sign-in could not be completed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("Signing in is unavailable right now (reference {reference}). Try again shortly.\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/pos/4?x=1")), "/pos/4?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "pos",
            "/login?next=/x",
            "/\t/evil.example",
            "/\n/x",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/pos", "{bad}");
        }
        assert_eq!(safe_next(None), "/pos");
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted_and_only_the_proxys_entry() {
        let mut h = HeaderMap::new();
        // The client forged the first entry; our proxy appended the real address last.
        h.insert("x-forwarded-for", "198.51.100.1, 203.0.113.9".parse().unwrap());
        let peer = Some(SocketAddr::from(([10, 0, 0, 1], 5000)));
        assert_eq!(client_ip(&h, peer, true).as_deref(), Some("203.0.113.9"));
        assert_eq!(client_ip(&h, peer, false).as_deref(), Some("10.0.0.1"));
        h.insert("x-forwarded-for", "not-an-address".parse().unwrap());
        assert_eq!(client_ip(&h, peer, true).as_deref(), Some("10.0.0.1"));
    }

    #[test]
    fn signed_out_visitors_may_reach_only_public_paths() {
        assert!(is_public("/login") && is_public("/pkg/supplyline.wasm") && is_public("/rpc/purchase_orders"));
        assert!(!is_public("/pos") && !is_public("/pos/1") && !is_public("/"));
        assert!(is_public("/forgot-password") && is_public("/invitation/abc") && is_public("/reset-password/abc"));
        assert!(!is_public("/team") && !is_public("/notifications"));
        assert!(is_public("/auth/sso") && is_public("/auth/sso/callback"));
        assert!(is_public("/vendor/swagger-ui/swagger-ui-bundle.js") && !is_public("/integrations/tokens"));
    }
}
