//! Server functions of the webhook console. A new or rotated signing secret is handed to the next
//! render of the endpoint's page through the session (read once), so the plain-form path (no
//! WebAssembly: a redirect) shows it as well as the hydrated one.

use leptos::prelude::*;

use crate::model::{WebhookDeliveryPage, WebhookEndpointView};
use crate::AppError;

/// Where a new secret waits for the endpoint page: `(endpoint id, secret)`.
pub const WEBHOOK_SECRET_KEY: &str = "webhook_secret";

/// Event types as a form sends them: separated by commas or white space.
pub fn split_event_types(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).map(String::from).collect()
}

#[cfg(feature = "ssr")]
async fn stash_secret(id: i64, secret: String) -> Result<(), AppError> {
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(|e| AppError::Transport(e.to_string()))?;
    session.insert(WEBHOOK_SECRET_KEY, (id, secret)).await.map_err(|e| {
        tracing::error!(error = %e, "keeping the new webhook secret in the session failed");
        AppError::Internal { reference: "session-write".into() }
    })
}

#[server(prefix = "/rpc", endpoint = "webhooks")]
pub async fn webhooks() -> Result<Vec<WebhookEndpointView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.webhooks.list(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "webhook")]
pub async fn webhook(id: i64) -> Result<WebhookEndpointView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.webhooks.get(&actor, id).await }).await
}

/// Creates the endpoint and opens its page, which shows the secret once.
#[server(prefix = "/rpc", endpoint = "create_webhook")]
pub async fn create_webhook(url: String, description: String, event_types: String) -> Result<(), AppError> {
    let input = crate::model::WebhookEndpointInput { url, description, event_types: split_event_types(&event_types) };
    let created = crate::ports::as_actor(|actor, s| async move { s.webhooks.create(&actor, input).await }).await?;
    stash_secret(created.endpoint.id, created.secret).await?;
    leptos_axum::redirect(&format!("/integrations/webhooks/{}", created.endpoint.id));
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "update_webhook")]
pub async fn update_webhook(id: i64, url: String, description: String, event_types: String) -> Result<(), AppError> {
    let input = crate::model::WebhookUpdateInput {
        url: Some(url),
        description: Some(description),
        event_types: Some(split_event_types(&event_types)),
        enabled: None,
    };
    crate::ports::as_actor(|actor, s| async move { s.webhooks.update(&actor, id, input).await.map(|_| ()) }).await
}

#[server(prefix = "/rpc", endpoint = "set_webhook_enabled")]
pub async fn set_webhook_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    let input = crate::model::WebhookUpdateInput { enabled: Some(enabled), ..Default::default() };
    crate::ports::as_actor(|actor, s| async move { s.webhooks.update(&actor, id, input).await.map(|_| ()) }).await
}

#[server(prefix = "/rpc", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.webhooks.delete(&actor, id).await }).await?;
    leptos_axum::redirect("/integrations/webhooks");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: i64) -> Result<(), AppError> {
    let rotated = crate::ports::as_actor(|actor, s| async move { s.webhooks.rotate_secret(&actor, id).await }).await?;
    stash_secret(id, rotated.secret).await?;
    leptos_axum::redirect(&format!("/integrations/webhooks/{id}"));
    Ok(())
}

/// The secret created or rotated just before, for this endpoint; read once.
#[server(prefix = "/rpc", endpoint = "take_webhook_secret")]
pub async fn take_webhook_secret(id: i64) -> Result<Option<String>, AppError> {
    let Ok(session) = leptos_axum::extract::<tower_sessions::Session>().await else { return Ok(None) };
    let kept = session.get::<(i64, String)>(WEBHOOK_SECRET_KEY).await.ok().flatten();
    match kept {
        Some((of, secret)) if of == id => {
            let _ = session.remove::<(i64, String)>(WEBHOOK_SECRET_KEY).await;
            Ok(Some(secret))
        }
        _ => Ok(None),
    }
}

#[server(prefix = "/rpc", endpoint = "send_webhook_test")]
pub async fn send_webhook_test(id: i64) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.webhooks.send_test(&actor, id).await.map(|_| ()) }).await
}

#[server(prefix = "/rpc", endpoint = "webhook_deliveries")]
pub async fn webhook_deliveries(id: i64, before: Option<i64>) -> Result<WebhookDeliveryPage, AppError> {
    let query = crate::model::WebhookDeliveryQuery { before, limit: None };
    crate::ports::as_actor(|actor, s| async move { s.webhooks.deliveries(&actor, id, query).await }).await
}

#[server(prefix = "/rpc", endpoint = "replay_webhook_delivery")]
pub async fn replay_webhook_delivery(delivery_id: i64) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.webhooks.replay(&actor, delivery_id).await.map(|_| ()) }).await
}

/// Replays the endpoint's failed deliveries of the last `hours` hours; answers how many.
#[server(prefix = "/rpc", endpoint = "replay_failed_webhooks")]
pub async fn replay_failed_webhooks(id: i64, hours: i64) -> Result<u64, AppError> {
    let since = chrono::Utc::now() - chrono::Duration::hours(hours.clamp(1, 24 * 90));
    let input = crate::model::WebhookReplayInput { since };
    crate::ports::as_actor(|actor, s| async move { s.webhooks.replay_failed(&actor, id, input).await }).await
}
