//! `Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header): the first response to a
//! key is kept per credential for at least 24 h. The same key with the same request replays it
//! (errors included); with another request it is refused (422); while the first is still running,
//! a duplicate is refused (409). A failure on our side (5xx) is not kept, so a retry runs again.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};

use crate::api::problem::{Kind, Problem};
use crate::db::{is_unique_violation, Db, DbError, Executor, Sql};
use crate::domain::api_access::ApiPrincipal;
use crate::http::AppState;
use crate::secret::sha256_hex;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;
/// Larger bodies are refused before any work is done.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Response headers worth replaying.
const KEPT_HEADERS: [&str; 2] = ["content-type", "location"];

#[derive(sqlx::FromRow)]
struct RecordRow {
    request_sha256: String,
    status: String,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
    expires_at: chrono::DateTime<Utc>,
}

/// The key as sent: a structured-field string (`"abc"`) or, leniently, the bare text.
pub fn parse_key(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let key = raw.strip_prefix('"').and_then(|k| k.strip_suffix('"')).unwrap_or(raw);
    if key.is_empty() {
        return Err("The Idempotency-Key is empty.".into());
    }
    if key.len() > MAX_KEY_LEN {
        return Err(format!("The Idempotency-Key is too long: at most {MAX_KEY_LEN} characters."));
    }
    if !key.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return Err("The Idempotency-Key must be printable ASCII.".into());
    }
    Ok(key.to_string())
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw) = request.headers().get(HEADER) else { return next.run(request).await };
    let key = match raw.to_str().map_err(|_| "The Idempotency-Key must be ASCII.".to_string()).and_then(parse_key) {
        Ok(key) => key,
        Err(message) => return Problem::malformed(message).into_response(),
    };
    let Some(owner) = request.extensions().get::<ApiPrincipal>().map(|p| p.owner_credential_id) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Problem::malformed(format!("The body is larger than {MAX_BODY_BYTES} bytes.")).into_response()
        }
    };
    let fingerprint = {
        let target = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
        let mut material = format!("{} {}\n", parts.method, target).into_bytes();
        material.extend_from_slice(&bytes);
        sha256_hex(&material)
    };
    let db = &state.db;
    match claim(db, owner, &key, &fingerprint, state.api.idempotency_hours).await {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay(response)) => return response,
        Ok(Claim::Refused(problem)) => return problem.into_response(),
        Err(error) => {
            tracing::error!(%error, "reading an idempotency record failed");
            return Problem::new(Kind::Unavailable, "The request cannot be checked for duplicates now; retry.")
                .into_response();
        }
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (head, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "reading a response to keep for its idempotency key failed");
            forget(db, owner, &key).await;
            return Problem::new(Kind::Internal, "The response could not be produced.").into_response();
        }
    };
    if head.status.is_server_error() {
        forget(db, owner, &key).await;
    } else if let Err(error) = remember(db, owner, &key, head.status, &head.headers, &body).await {
        tracing::error!(%error, "keeping the response of an idempotency key failed");
        forget(db, owner, &key).await;
    }
    Response::from_parts(head, Body::from(body))
}

enum Claim {
    Fresh,
    Replay(Response),
    Refused(Problem),
}

async fn claim(db: &Db, owner: i64, key: &str, fingerprint: &str, hours: i64) -> Result<Claim, DbError> {
    let now = Utc::now();
    for _ in 0..2 {
        let insert = Sql::new(
            "INSERT INTO idempotency_record (credential_id, idempotency_key, request_sha256, status, created_at, expires_at)
             VALUES ($1, $2, $3, 'in_flight', $4, $5)",
        )
        .bind(owner)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .bind(now + Duration::hours(hours));
        match db.exec().execute(insert).await {
            Ok(_) => return Ok(Claim::Fresh),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
        let existing: Option<RecordRow> = db
            .exec()
            .fetch_optional(
                Sql::new(
                    "SELECT request_sha256, status, response_status, response_headers, response_body, expires_at
                       FROM idempotency_record WHERE credential_id = $1 AND idempotency_key = $2",
                )
                .bind(owner)
                .bind(key),
            )
            .await?;
        let Some(existing) = existing else { continue };
        if existing.expires_at <= now {
            forget(db, owner, key).await;
            continue;
        }
        if existing.request_sha256 != fingerprint {
            return Ok(Claim::Refused(Problem::new(
                Kind::IdempotencyKeyReused,
                "This Idempotency-Key was used for a different request; use a new key for a new request.",
            )));
        }
        if existing.status == "in_flight" {
            return Ok(Claim::Refused(Problem::new(
                Kind::IdempotencyConflict,
                "A request with this Idempotency-Key is still being processed; retry after it finishes.",
            )));
        }
        return Ok(Claim::Replay(replay(existing)));
    }
    Ok(Claim::Refused(Problem::new(Kind::IdempotencyConflict, "The Idempotency-Key is busy; retry.")))
}

fn replay(record: RecordRow) -> Response {
    let status = record.response_status.and_then(|s| StatusCode::from_u16(s as u16).ok()).unwrap_or(StatusCode::OK);
    let mut response = (status, record.response_body.unwrap_or_default()).into_response();
    let headers: serde_json::Map<String, serde_json::Value> =
        record.response_headers.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Some(Ok(value))) =
            (HeaderName::from_bytes(name.as_bytes()), value.as_str().map(HeaderValue::from_str))
        {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

async fn remember(
    db: &Db,
    owner: i64,
    key: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), DbError> {
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| Some((name.to_string(), headers.get(*name)?.to_str().ok()?.into())))
        .collect();
    db.exec()
        .execute(
            Sql::new(
                "UPDATE idempotency_record SET status = 'done', response_status = $1, response_headers = $2, response_body = $3
                  WHERE credential_id = $4 AND idempotency_key = $5",
            )
            .bind(i64::from(status.as_u16()))
            .bind(serde_json::Value::Object(kept).to_string())
            .bind(body.to_vec())
            .bind(owner)
            .bind(key),
        )
        .await?;
    Ok(())
}

async fn forget(db: &Db, owner: i64, key: &str) {
    let delete = Sql::new("DELETE FROM idempotency_record WHERE credential_id = $1 AND idempotency_key = $2")
        .bind(owner)
        .bind(key);
    if let Err(error) = db.exec().execute(delete).await {
        tracing::error!(%error, "forgetting an idempotency record failed");
    }
}

/// Expired records are deleted by the housekeeping task.
pub async fn prune(db: &Db, now: chrono::DateTime<Utc>) -> Result<u64, DbError> {
    db.exec().execute(Sql::new("DELETE FROM idempotency_record WHERE expires_at < $1").bind(now)).await
}

#[cfg(test)]
mod tests {
    use super::parse_key;

    #[test]
    fn keys_may_be_structured_strings_or_bare() {
        assert_eq!(parse_key("\"8e03978e-40d5\"").unwrap(), "8e03978e-40d5");
        assert_eq!(parse_key("abc").unwrap(), "abc");
        assert!(parse_key("\"\"").is_err());
        assert!(parse_key(&"x".repeat(256)).is_err());
    }
}
