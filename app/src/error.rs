//! The one error type the UI and the server functions speak.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not there, or not this actor's: the two are indistinguishable on purpose.
    #[error("Not found")]
    NotFound,
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("You do not have access to this page.")]
    Forbidden,
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Several fields of a form are wrong; each message says what is wrong with its field.
    #[error("{}", fields_summary(.0))]
    Fields(Vec<FieldError>),
    /// Details are logged on the server under `reference`; never sent to the browser.
    #[error("Something went wrong on our side (reference {reference}).")]
    Internal { reference: String },
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn fields_summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.message.clone(),
        _ => format!("{} fields need attention.", errors.len()),
    }
}

impl AppError {
    /// The message for `field`, when this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            AppError::Fields(errors) => errors.iter().find(|e| e.field == field).map(|e| e.message.clone()),
            _ => None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid { field: field.into(), message: message.into() }
    }

    /// The HTTP status this error answers with, on pages and server functions alike.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::Invalid { .. } | AppError::Fields(_) => 422,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Response(msg) => AppError::Transport(msg),
            // Bad arguments from a caller (a hand-made request): say so, without internals.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::invalid("request", format!("The request could not be read: {msg}"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}
