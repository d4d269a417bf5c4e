//! The public account forms: "forgot password", "set password" from a reset link, and "accept
//! invitation". Plain forms posted here (they work without WebAssembly); the outcome comes back as a
//! notice in the session, like the sign-in form's.

use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use app::model::{AccountNotice, ACCOUNT_NOTICE_KEY};
use app::AppError;

use crate::auth::session::{client_ip, peer};
use crate::domain::team::LinkPurpose;
use crate::http::AppState;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn back(session: &Session, notice: AccountNotice, to: &str) -> Response {
    if let Err(e) = session.insert(ACCOUNT_NOTICE_KEY, notice).await {
        tracing::error!(error = %e, "saving the account notice failed");
    }
    Redirect::to(to).into_response()
}

fn message(error: &AppError) -> String {
    match error {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

pub async fn forgot_password(State(state): State<AppState>, session: Session, request: Request) -> Response {
    let ip = client_ip(request.headers(), peer(&request), state.config.trust_forwarded_for);
    let Ok(Form(form)) = Form::<ForgotForm>::from_request(request, &()).await else {
        return back(
            &session,
            AccountNotice { error: Some("The form could not be read.".into()), info: None },
            "/forgot-password",
        )
        .await;
    };
    let notice = match state.team.request_password_reset(&form.email, ip.as_deref()).await {
        // The same answer whether or not the address has an account.
        Ok(()) => AccountNotice {
            error: None,
            info: Some(format!(
                "If {} has an account, we have sent it a link to choose a new password. The link works once, within {} minutes.",
                form.email.trim(),
                crate::domain::team::RESET_TTL.num_minutes()
            )),
        },
        Err(e) => AccountNotice { error: Some(message(&e)), info: None },
    };
    back(&session, notice, "/forgot-password").await
}

async fn set_password(state: AppState, session: Session, request: Request, purpose: LinkPurpose) -> Response {
    let ip = client_ip(request.headers(), peer(&request), state.config.trust_forwarded_for);
    let page = match purpose {
        LinkPurpose::Invitation => "/invitation",
        LinkPurpose::PasswordReset => "/reset-password",
    };
    let Ok(Form(form)) = Form::<SetPasswordForm>::from_request(request, &()).await else {
        return back(
            &session,
            AccountNotice { error: Some("The form could not be read.".into()), info: None },
            "/login",
        )
        .await;
    };
    // Only our own token characters go back into a URL.
    let token: String = form.token.chars().filter(char::is_ascii_alphanumeric).take(128).collect();
    match state.team.set_password_with_link(&token, purpose, form.password, &form.confirm, ip.as_deref()).await {
        Ok(_) => Redirect::to("/login?password_set=1").into_response(),
        Err(e) => {
            back(&session, AccountNotice { error: Some(message(&e)), info: None }, &format!("{page}/{token}")).await
        }
    }
}

pub async fn reset_password(State(state): State<AppState>, session: Session, request: Request) -> Response {
    set_password(state, session, request, LinkPurpose::PasswordReset).await
}

pub async fn accept_invitation(State(state): State<AppState>, session: Session, request: Request) -> Response {
    set_password(state, session, request, LinkPurpose::Invitation).await
}
