//! Server functions of notifications, team administration and the public account-link pages.

use leptos::prelude::*;

use crate::model::{
    AccountLinkView, AccountNotice, InviteInput, MemberStatusInput, NotificationList, PreferenceView, PreferencesInput,
    TeamView,
};
use crate::AppError;

#[server(prefix = "/rpc", endpoint = "notifications")]
pub async fn notifications() -> Result<NotificationList, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.notifications.list(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.notifications.unread_count(&actor).await }).await
}

/// Marks one notification read, or all of them when `id` is absent.
#[server(prefix = "/rpc", endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(id: Option<i64>) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.notifications.mark_read(&actor, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "notification_preferences")]
pub async fn notification_preferences() -> Result<Vec<PreferenceView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.notifications.preferences(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "save_notification_preferences")]
pub async fn save_notification_preferences(input: PreferencesInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.notifications.set_preferences(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "team")]
pub async fn team() -> Result<TeamView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.team.team(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "invite_member")]
pub async fn invite_member(input: InviteInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.team.invite(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "set_member_active")]
pub async fn set_member_active(input: MemberStatusInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.team.set_active(&actor, input).await }).await
}

/// Whether an invitation or password-reset link still works. Public: the visitor is not signed in.
#[server(prefix = "/rpc", endpoint = "account_link")]
pub async fn account_link(token: String, invitation: bool) -> Result<AccountLinkView, AppError> {
    let services = leptos::prelude::use_context::<crate::ports::Services>()
        .ok_or_else(|| AppError::Internal { reference: "services-missing".into() })?;
    services.team.link_status(&token, invitation).await
}

/// The notice the public account forms left in the session before redirecting here (read once).
#[server(prefix = "/rpc", endpoint = "take_account_notice")]
pub async fn take_account_notice() -> Result<AccountNotice, AppError> {
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(|e| AppError::Transport(e.to_string()))?;
    let notice = session.remove::<AccountNotice>(crate::model::ACCOUNT_NOTICE_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "reading the account notice from the session failed");
        AppError::Internal { reference: "session-read".into() }
    })?;
    Ok(notice.unwrap_or_default())
}
