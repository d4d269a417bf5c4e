//! Odoo's failures, typed from its own payloads (JSON-RPC `error.data`, JSON-2 error bodies, proxy statuses) and classified once: a
//! retryable failure may succeed if the same call is made again later; a permanent one will not
//! until a person changes something (a key, a rule, the record).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// ACL or record rule refused the call (`odoo.exceptions.AccessError`, JSON-2 403).
    Access,
    /// The key or password is wrong, expired or revoked (`AccessDenied`, JSON-2 401).
    AccessDenied,
    /// The record does not exist or was deleted (`MissingError`).
    Missing,
    /// Odoo refused the values (`ValidationError`, `UserError`: a business rule).
    Validation,
    /// Odoo 19 `LockError` (409): the record is locked by another transaction.
    Locked,
    UnknownModel,
    UnknownMethod,
    /// A call Odoo could not bind (bad keyword argument, `ids` to a model method, bad body).
    BadRequest,
    /// `psycopg2…SerializationFailure` after Odoo's own retries.
    Serialization,
    /// 429 from a proxy in front of Odoo.
    RateLimited {
        retry_after: Option<Duration>,
    },
    /// 502 / 503 / 504 from a proxy, or Odoo not answering at the HTTP level.
    Unavailable {
        status: u16,
    },
    /// No answer in time: the call may or may not have been applied.
    Timeout,
    /// The connection could not be made, or broke before a response.
    Connect,
    /// Any other server error (a Python exception Odoo did not classify).
    Server,
    /// A response we cannot read as Odoo's protocol.
    Protocol,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind_label}: {message}")]
pub struct OdooError {
    pub kind: ErrorKind,
    /// Odoo's exception class when it sent one, e.g. `odoo.exceptions.MissingError`.
    pub name: Option<String>,
    pub message: String,
    kind_label: &'static str,
}

impl OdooError {
    pub fn new(kind: ErrorKind, name: Option<String>, message: impl Into<String>) -> OdooError {
        let kind_label = kind.label();
        OdooError { kind, name, message: message.into(), kind_label }
    }

    /// Whether the same call may succeed later without anyone changing anything.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }

    /// Maps Odoo's exception class (`data.name` / JSON-2 `name`) to a kind.
    pub fn from_exception(name: &str, message: String) -> OdooError {
        let class = name.rsplit('.').next().unwrap_or(name);
        let kind = match class {
            // JSON-RPC reports an unknown model as a plain UserError (odoo/service/model.py).
            _ if message.starts_with("Object ") && message.ends_with(" doesn't exist") => ErrorKind::UnknownModel,
            "AccessError" => ErrorKind::Access,
            "AccessDenied" | "Unauthorized" | "SessionExpiredException" => ErrorKind::AccessDenied,
            "MissingError" => ErrorKind::Missing,
            "ValidationError" | "UserError" | "RedirectWarning" => ErrorKind::Validation,
            "LockError" => ErrorKind::Locked,
            "SerializationFailure" | "TransactionRollbackError" | "LockNotAvailable" | "DeadlockDetected" => {
                ErrorKind::Serialization
            }
            "UnprocessableEntity" | "BadRequest" => ErrorKind::BadRequest,
            "NotFound" if message.contains("the model") && message.contains("does not exist") => {
                ErrorKind::UnknownModel
            }
            "NotFound" if message.starts_with("The method") => ErrorKind::UnknownMethod,
            _ => ErrorKind::Server,
        };
        OdooError::new(kind, Some(name.to_string()), message)
    }
}

impl ErrorKind {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ErrorKind::Locked
                | ErrorKind::Serialization
                | ErrorKind::RateLimited { .. }
                | ErrorKind::Unavailable { .. }
                | ErrorKind::Timeout
                | ErrorKind::Connect
        )
    }

    /// A stable, short name for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            ErrorKind::Access => "access_error",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::Missing => "missing_error",
            ErrorKind::Validation => "validation_error",
            ErrorKind::Locked => "lock_error",
            ErrorKind::UnknownModel => "unknown_model",
            ErrorKind::UnknownMethod => "unknown_method",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Serialization => "serialization_failure",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::Unavailable { .. } => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Server => "server_error",
            ErrorKind::Protocol => "protocol",
        }
    }

    /// How long a proxy asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ErrorKind::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odoo_exception_classes_map_to_kinds() {
        let cases = [
            ("odoo.exceptions.AccessError", "x", ErrorKind::Access),
            ("odoo.exceptions.AccessDenied", "Access Denied", ErrorKind::AccessDenied),
            ("werkzeug.exceptions.Unauthorized", "Invalid apikey", ErrorKind::AccessDenied),
            ("odoo.exceptions.MissingError", "Record does not exist", ErrorKind::Missing),
            ("odoo.exceptions.ValidationError", "x", ErrorKind::Validation),
            ("odoo.exceptions.UserError", "x", ErrorKind::Validation),
            ("odoo.exceptions.LockError", "x", ErrorKind::Locked),
            ("psycopg2.errors.SerializationFailure", "could not serialize", ErrorKind::Serialization),
            ("werkzeug.exceptions.UnprocessableEntity", "got an unexpected keyword", ErrorKind::BadRequest),
            ("werkzeug.exceptions.NotFound", "the model 'no.such' does not exist", ErrorKind::UnknownModel),
            (
                "werkzeug.exceptions.NotFound",
                "The method 'purchase.order.foo' does not exist",
                ErrorKind::UnknownMethod,
            ),
            ("odoo.exceptions.UserError", "Object no.such.model doesn't exist", ErrorKind::UnknownModel),
            ("builtins.TypeError", "boom", ErrorKind::Server),
        ];
        for (name, message, kind) in cases {
            assert_eq!(OdooError::from_exception(name, message.into()).kind, kind, "{name}: {message}");
        }
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(ErrorKind::Serialization.is_retryable());
        assert!(ErrorKind::Timeout.is_retryable());
        assert!(ErrorKind::Unavailable { status: 502 }.is_retryable());
        assert!(ErrorKind::RateLimited { retry_after: None }.is_retryable());
        assert!(!ErrorKind::Access.is_retryable());
        assert!(!ErrorKind::Validation.is_retryable());
        assert!(!ErrorKind::Missing.is_retryable());
        assert!(!ErrorKind::AccessDenied.is_retryable());
    }
}
