//! RFC 9457 problem details: every API error is `application/problem+json` with a stable `type`,
//! a `title`, the `status`, a `detail` for this occurrence and, for bad input, one entry per field.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use app::model::Scope;
use app::AppError;

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI that identifies the kind of problem; stable across releases.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// What is wrong with each field of the request, when the request was the problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The scope the credential lacks (403 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_scope: Option<String>,
    /// Quote it to support: the details are in our logs (500 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as a JSON pointer into the request body (e.g. `/lines/0/quantity`) or a parameter name.
    pub pointer: String,
    pub detail: String,
}

/// The kinds of problem, each with its stable type URI and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NotFound,
    Unauthenticated,
    MissingScope,
    Forbidden,
    Invalid,
    MalformedRequest,
    IdempotencyKeyReused,
    IdempotencyConflict,
    RateLimited,
    Internal,
    Unavailable,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::NotFound => "not-found",
            Kind::Unauthenticated => "unauthenticated",
            Kind::MissingScope => "missing-scope",
            Kind::Forbidden => "forbidden",
            Kind::Invalid => "validation",
            Kind::MalformedRequest => "malformed-request",
            Kind::IdempotencyKeyReused => "idempotency-key-reused",
            Kind::IdempotencyConflict => "idempotency-conflict",
            Kind::RateLimited => "rate-limited",
            Kind::Internal => "internal",
            Kind::Unavailable => "unavailable",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::NotFound => "Not found",
            Kind::Unauthenticated => "Authentication required",
            Kind::MissingScope => "Missing scope",
            Kind::Forbidden => "Forbidden",
            Kind::Invalid => "Invalid request",
            Kind::MalformedRequest => "Malformed request",
            Kind::IdempotencyKeyReused => "Idempotency key reused",
            Kind::IdempotencyConflict => "Request in progress",
            Kind::RateLimited => "Too many requests",
            Kind::Internal => "Internal error",
            Kind::Unavailable => "Service unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
            Kind::MissingScope | Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Invalid | Kind::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::MalformedRequest => StatusCode::BAD_REQUEST,
            Kind::IdempotencyConflict => StatusCode::CONFLICT,
            Kind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        Problem {
            problem_type: format!("urn:supplyline:problem:{}", kind.slug()),
            title: kind.title().into(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            required_scope: None,
            reference: None,
        }
    }

    pub fn missing_scope(scope: Scope) -> Problem {
        Problem {
            required_scope: Some(scope.as_str().into()),
            ..Problem::new(Kind::MissingScope, format!("This request needs the scope {}.", scope.as_str()))
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Problem {
        Problem::new(Kind::MalformedRequest, detail)
    }

    pub fn invalid_field(pointer: &str, detail: impl Into<String>) -> Problem {
        let detail = detail.into();
        Problem {
            errors: vec![FieldProblem { pointer: pointer.into(), detail: detail.clone() }],
            ..Problem::new(Kind::Invalid, detail)
        }
    }
}

/// The domain's errors, said the API's way. Field names of the shared forms are mapped by the
/// caller where they differ from the API's (see [`Problem::with_pointers`]).
impl From<AppError> for Problem {
    fn from(err: AppError) -> Problem {
        match err {
            AppError::NotFound => Problem::new(Kind::NotFound, "There is no such resource, or it is not yours."),
            AppError::Unauthenticated => Problem::new(Kind::Unauthenticated, "Send a valid bearer token."),
            AppError::Forbidden => Problem::new(Kind::Forbidden, "Your role may not do this."),
            AppError::Invalid { field, message } => Problem::invalid_field(&pointer(&field), message),
            AppError::Fields(fields) => {
                let detail = AppError::Fields(fields.clone()).to_string();
                Problem {
                    errors: fields
                        .into_iter()
                        .map(|f| FieldProblem { pointer: pointer(&f.field), detail: f.message })
                        .collect(),
                    ..Problem::new(Kind::Invalid, detail)
                }
            }
            AppError::Internal { reference } => Problem {
                reference: Some(reference.clone()),
                ..Problem::new(Kind::Internal, format!("Something went wrong on our side (reference {reference})."))
            },
            AppError::Transport(message) => Problem::new(Kind::Unavailable, message),
        }
    }
}

impl Problem {
    /// Renames the form's field names to the API's JSON pointers.
    pub fn with_pointers(mut self, rename: impl Fn(&str) -> Option<String>) -> Problem {
        for error in &mut self.errors {
            if let Some(renamed) = rename(&error.pointer) {
                error.pointer = renamed;
            }
        }
        self
    }
}

/// `lines.0.quantity` or `lines[0].quantity` → `/lines/0/quantity`.
fn pointer(field: &str) -> String {
    let path: String = field.replace(['[', '.'], "/").replace(']', "");
    format!("/{}", path.trim_start_matches('/'))
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            let challenge = format!(
                "Bearer realm=\"supplyline\", error=\"invalid_token\", error_description=\"{}\"",
                // A header value is ASCII; quotes would end the parameter.
                self.detail.chars().filter(|c| c.is_ascii() && *c != '"' && *c != '\\').collect::<String>()
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

impl From<axum::extract::rejection::JsonRejection> for Problem {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Problem {
        use axum::extract::rejection::JsonRejection;
        match rejection {
            JsonRejection::JsonDataError(e) => Problem::new(Kind::Invalid, e.body_text()),
            other => Problem::malformed(other.body_text()),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for Problem {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Problem {
        Problem::new(Kind::Invalid, rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for Problem {
    fn from(_: axum::extract::rejection::PathRejection) -> Problem {
        Problem::new(Kind::NotFound, "There is no such resource, or it is not yours.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_become_json_pointers() {
        assert_eq!(pointer("lines.0.quantity"), "/lines/0/quantity");
        assert_eq!(pointer("lines[2].date"), "/lines/2/date");
        assert_eq!(pointer("eta"), "/eta");
    }

    #[test]
    fn a_missing_scope_is_named() {
        let p = Problem::missing_scope(Scope::PoAck);
        assert_eq!(p.status, 403);
        assert_eq!(p.required_scope.as_deref(), Some("po:ack"));
        assert!(p.detail.contains("po:ack"));
        assert_eq!(p.problem_type, "urn:supplyline:problem:missing-scope");
    }

    #[test]
    fn domain_errors_keep_their_status() {
        for (err, status) in [
            (AppError::NotFound, 404),
            (AppError::Forbidden, 403),
            (AppError::invalid("eta", "bad"), 422),
            (AppError::Internal { reference: "abc".into() }, 500),
        ] {
            assert_eq!(Problem::from(err).status, status);
        }
    }
}
