//! Server functions of quality holds: actor, service, result. A plain form (before hydration) that
//! fails leaves what it typed in the session, so the page it returns to shows it again.

use leptos::prelude::*;

use crate::model::{
    HoldDecisionInput, QualityDraft, QualityHoldSummary, QualityHoldView, QualityRaiseOption, RaiseHoldInput,
    RespondHoldInput,
};
use crate::AppError;

/// Both filters optional (absent from the request when not set).
#[server(prefix = "/rpc", endpoint = "quality_holds")]
pub async fn quality_holds(status: Option<String>, supplier: Option<i64>) -> Result<Vec<QualityHoldSummary>, AppError> {
    let query = crate::model::QualityQuery { status, supplier };
    crate::ports::as_actor(|actor, s| async move { s.quality.list(&actor, query).await }).await
}

#[server(prefix = "/rpc", endpoint = "quality_hold")]
pub async fn quality_hold(id: i64) -> Result<QualityHoldView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.quality.get(&actor, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "quality_raise_options")]
pub async fn quality_raise_options() -> Result<Vec<QualityRaiseOption>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.quality.raise_options(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "raise_quality_hold")]
pub async fn raise_quality_hold(input: RaiseHoldInput) -> Result<i64, AppError> {
    let typed = input.clone();
    let result = crate::ports::as_actor(|actor, s| async move { s.quality.raise(&actor, input).await }).await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/quality/{id}"));
            Ok(id)
        }
        Err(e) => {
            keep_draft(move |d| d.raise = Some(typed)).await;
            Err(e)
        }
    }
}

#[server(prefix = "/rpc", endpoint = "respond_quality_hold")]
pub async fn respond_quality_hold(input: RespondHoldInput) -> Result<(), AppError> {
    let typed = input.clone();
    let result = crate::ports::as_actor(|actor, s| async move { s.quality.respond(&actor, input).await }).await;
    if result.is_err() {
        keep_draft(move |d| d.respond = Some(typed)).await;
    }
    result
}

#[server(prefix = "/rpc", endpoint = "close_quality_hold")]
pub async fn close_quality_hold(input: HoldDecisionInput) -> Result<(), AppError> {
    let typed = input.clone();
    let result = crate::ports::as_actor(|actor, s| async move { s.quality.close(&actor, input).await }).await;
    if result.is_err() {
        keep_draft(move |d| d.close = Some(typed)).await;
    }
    result
}

#[server(prefix = "/rpc", endpoint = "reopen_quality_hold")]
pub async fn reopen_quality_hold(input: HoldDecisionInput) -> Result<(), AppError> {
    let typed = input.clone();
    let result = crate::ports::as_actor(|actor, s| async move { s.quality.reopen(&actor, input).await }).await;
    if result.is_err() {
        keep_draft(move |d| d.reopen = Some(typed)).await;
    }
    result
}

/// What the last failed plain form typed, read once.
#[server(prefix = "/rpc", endpoint = "quality_draft")]
pub async fn take_quality_draft() -> Result<QualityDraft, AppError> {
    let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await else {
        return Ok(QualityDraft::default());
    };
    let draft = session.remove::<QualityDraft>(crate::model::QUALITY_DRAFT_KEY).await.unwrap_or_default();
    Ok(draft.unwrap_or_default())
}

/// After a failed submission from a plain HTML form: keeps what was typed (the page is rendered
/// anew after the redirect back) and makes the answer the redirect the browser must follow (the
/// error's own status, set by `as_actor`, would otherwise replace it and the browser would show a
/// bare error body). A hydrated page keeps its fields itself, so nothing is stored then.
#[cfg(feature = "ssr")]
async fn keep_draft(update: impl FnOnce(&mut QualityDraft)) {
    let Ok(headers) = leptos_axum::extract::<http::HeaderMap>().await else { return };
    let plain_form = headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if !plain_form {
        return;
    }
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FOUND);
    }
    let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await else { return };
    let mut draft = QualityDraft::default();
    update(&mut draft);
    if let Err(e) = session.insert(crate::model::QUALITY_DRAFT_KEY, draft).await {
        tracing::warn!(error = %e, "keeping a quality form's input in the session failed");
    }
}
