//! CSRF protection for every state-changing request (server functions and plain forms alike):
//! the browser must show the request comes from our own origin. Browsers send `Sec-Fetch-Site`
//! and `Origin` on every cross-origin POST, and scripts cannot forge either; together with
//! SameSite=Lax session cookies this needs no token in each form (OWASP: "Verifying origin with
//! standard headers", "Fetch Metadata"). A request that carries our session cookie but neither
//! header cannot prove its origin and is refused.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::session::SESSION_COOKIE;
use crate::http::AppState;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Refuse(&'static str),
}

/// The decision, as a pure function of the request's headers.
pub fn check(
    method: &Method,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    public_origin: Option<&str>,
    has_session_cookie: bool,
) -> Verdict {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
        return Verdict::Allow;
    }
    if let Some(site) = sec_fetch_site {
        return match site {
            "same-origin" | "none" => Verdict::Allow,
            _ => Verdict::Refuse("the request came from another site"),
        };
    }
    if let Some(origin) = origin {
        let same_host = host.is_some_and(|h| origin.split_once("://").is_some_and(|(_, rest)| rest == h));
        let configured = public_origin.is_some_and(|p| p == origin);
        return if same_host || configured {
            Verdict::Allow
        } else {
            Verdict::Refuse("the request came from another origin")
        };
    }
    if has_session_cookie {
        Verdict::Refuse("the request does not say where it came from")
    } else {
        Verdict::Allow
    }
}

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let has_session_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.split(';').any(|pair| pair.trim_start().starts_with(&format!("{SESSION_COOKIE}="))));
    let verdict = check(
        request.method(),
        text("sec-fetch-site"),
        text("origin"),
        text("host"),
        state.config.public_origin().as_deref(),
        has_session_cookie,
    );
    match verdict {
        Verdict::Allow => next.run(request).await,
        Verdict::Refuse(why) => {
            tracing::warn!(method = %request.method(), path = %request.uri().path(), reason = why, "cross-site request refused");
            (
                StatusCode::FORBIDDEN,
                format!("Request refused by CSRF protection: {why}. Reload the page and try again.\n"),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Option<&str> = Some("portal.example.com");

    #[test]
    fn safe_methods_always_pass() {
        assert_eq!(
            check(&Method::GET, Some("cross-site"), Some("https://evil.example"), HOST, None, true),
            Verdict::Allow
        );
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert_eq!(check(&Method::POST, Some("same-origin"), None, HOST, None, true), Verdict::Allow);
        assert!(matches!(check(&Method::POST, Some("cross-site"), None, HOST, None, true), Verdict::Refuse(_)));
        assert!(matches!(check(&Method::POST, Some("same-site"), None, HOST, None, true), Verdict::Refuse(_)));
    }

    #[test]
    fn origin_must_match_the_host_or_the_public_url() {
        assert_eq!(check(&Method::POST, None, Some("https://portal.example.com"), HOST, None, true), Verdict::Allow);
        assert!(matches!(
            check(&Method::POST, None, Some("https://evil.example"), HOST, None, true),
            Verdict::Refuse(_)
        ));
        assert!(matches!(check(&Method::POST, None, Some("null"), HOST, None, true), Verdict::Refuse(_)));
        let behind_proxy = check(
            &Method::POST,
            None,
            Some("https://portal.example.com"),
            Some("10.0.0.5:3000"),
            Some("https://portal.example.com"),
            true,
        );
        assert_eq!(behind_proxy, Verdict::Allow);
    }

    #[test]
    fn a_session_without_origin_headers_is_refused() {
        assert!(matches!(check(&Method::POST, None, None, HOST, None, true), Verdict::Refuse(_)));
        assert_eq!(check(&Method::POST, None, None, HOST, None, false), Verdict::Allow);
    }
}
