//! Files on quality holds, as plain HTTP: the upload is a multipart form that works without
//! WebAssembly (it redirects back to the hold, with the error in the URL when it failed); the
//! download is always an attachment, never rendered inline. Both are scoped by the actor: another
//! supplier's hold or file answers 404. The CSRF layer covers the upload like every other POST.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

use app::ports::Actor;
use app::AppError;

use crate::domain::quality::attachment;
use crate::http::AppState;

/// Room for the multipart framing around the largest file.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;

fn refused(error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, format!("{error}\n")).into_response()
}

fn back_to(hold_id: i64, error: Option<&str>) -> Response {
    match error {
        None => Redirect::to(&format!("/quality/{hold_id}#attachments")).into_response(),
        Some(message) => Redirect::to(&format!(
            "/quality/{hold_id}?upload_error={}#attachments",
            app::format::url_component(message)
        ))
        .into_response(),
    }
}

/// `POST /quality/{id}/attachments`, field `file`.
pub async fn upload(
    State(state): State<AppState>,
    actor: Option<Extension<Actor>>,
    Path(hold_id): Path<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(Extension(actor)) = actor else {
        return refused(&AppError::Unauthenticated);
    };
    let limit = state.quality.max_attachment_bytes;
    let too_large = || format!("The file is too large: at most {} per file.", attachment::human_size(limit));
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => return back_to(hold_id, Some("Choose a file to attach.")),
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let message = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    format!("The upload failed: {e}")
                };
                // A foreign or missing hold must not learn anything either.
                return match state.quality.visible(&actor, hold_id).await {
                    Ok(()) => back_to(hold_id, Some(&message)),
                    Err(error) => refused(&error),
                };
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        return match state.quality.visible(&actor, hold_id).await {
                            Ok(()) => back_to(hold_id, Some(&too_large())),
                            Err(error) => refused(&error),
                        };
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let message = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        format!("The upload failed: {e}")
                    };
                    return match state.quality.visible(&actor, hold_id).await {
                        Ok(()) => back_to(hold_id, Some(&message)),
                        Err(error) => refused(&error),
                    };
                }
            }
        }
        file = Some((name, bytes));
    }
    let (name, bytes) = file.unwrap_or_default();
    match state.quality.upload(&actor, hold_id, &name, bytes).await {
        Ok(_) => back_to(hold_id, None),
        Err(error @ (AppError::Invalid { .. } | AppError::Fields(_))) => back_to(hold_id, Some(&error.to_string())),
        Err(error) => refused(&error),
    }
}

/// `GET /quality/{id}/attachments/{attachment_id}`.
pub async fn download(
    State(state): State<AppState>,
    actor: Option<Extension<Actor>>,
    Path((hold_id, attachment_id)): Path<(i64, i64)>,
) -> Response {
    let Some(Extension(actor)) = actor else {
        return refused(&AppError::Unauthenticated);
    };
    match state.quality.download(&actor, hold_id, attachment_id).await {
        Ok(file) => {
            let content_type = HeaderValue::from_str(&file.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
            let disposition = HeaderValue::from_str(&attachment::content_disposition(&file.filename))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            let mut response = Response::new(Body::from(file.content));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, content_type);
            headers.insert(header::CONTENT_DISPOSITION, disposition);
            headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
            response
        }
        Err(error) => refused(&error),
    }
}
