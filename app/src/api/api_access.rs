//! Server functions of the integration console: API tokens and OAuth clients.

use leptos::prelude::*;

use crate::model::{ConsoleView, NewCredentialInput};
use crate::AppError;

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract().await.map_err(|e| AppError::Transport(e.to_string()))
}

#[cfg(feature = "ssr")]
fn session_failed(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "the session could not hold the issued credential");
    AppError::Internal { reference: "session".into() }
}

/// The credentials this person manages, and the secret just issued (once: it leaves the session).
#[server(prefix = "/rpc", endpoint = "integration_console")]
pub async fn integration_console() -> Result<ConsoleView, AppError> {
    let credentials = crate::ports::as_actor(|actor, s| async move { s.api_access.list(&actor).await }).await?;
    let just_issued = session().await?.remove(crate::model::ISSUED_CREDENTIAL_KEY).await.map_err(session_failed)?;
    Ok(ConsoleView { credentials, just_issued })
}

/// Issues a token or an OAuth client. Its secret is kept in the session until the console shows it,
/// so a form posted without WebAssembly shows it too after the redirect.
#[server(prefix = "/rpc", endpoint = "create_credential")]
pub async fn create_credential(input: NewCredentialInput) -> Result<(), AppError> {
    let issued = crate::ports::as_actor(|actor, s| async move { s.api_access.create(&actor, input).await }).await?;
    session().await?.insert(crate::model::ISSUED_CREDENTIAL_KEY, issued).await.map_err(session_failed)
}

#[server(prefix = "/rpc", endpoint = "revoke_credential")]
pub async fn revoke_credential(id: i64) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.api_access.revoke(&actor, id).await }).await
}
