//! Odoo's exceptions as they travel over the wire (§3, §4.2, §14).

use serde_json::{json, Value};

use crate::OdooVersion;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OdooError {
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    AccessError(String),
    #[error("{0}")]
    MissingError(String),
    #[error("{0}")]
    UserError(String),
    #[error("{0}")]
    ValidationError(String),
    #[error("{0}")]
    ValueError(String),
    #[error("{0}")]
    TypeError(String),
    #[error("{0}")]
    AttributeError(String),
    #[error("{0}")]
    KeyError(String),
    #[error("{0}")]
    IndexError(String),
    #[error("could not serialize access due to concurrent update\n")]
    SerializationFailure,
    #[error("{0}")]
    OperationalError(String),
}

pub type Result<T, E = OdooError> = std::result::Result<T, E>;

impl OdooError {
    pub fn access_denied() -> Self {
        OdooError::AccessDenied("Access Denied".into())
    }

    /// `Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)`
    pub fn missing(model: &str, ids: &[i64], uid: i64) -> Self {
        OdooError::MissingError(format!(
            "Record does not exist or has been deleted.\n(Record: {model}{}, User: {uid})",
            py_tuple(ids)
        ))
    }

    /// Fully qualified Python class name, as in `data.name`.
    pub fn name(&self) -> &'static str {
        match self {
            OdooError::AccessDenied(_) => "odoo.exceptions.AccessDenied",
            OdooError::AccessError(_) => "odoo.exceptions.AccessError",
            OdooError::MissingError(_) => "odoo.exceptions.MissingError",
            OdooError::UserError(_) => "odoo.exceptions.UserError",
            OdooError::ValidationError(_) => "odoo.exceptions.ValidationError",
            OdooError::ValueError(_) => "builtins.ValueError",
            OdooError::TypeError(_) => "builtins.TypeError",
            OdooError::AttributeError(_) => "builtins.AttributeError",
            OdooError::KeyError(_) => "builtins.KeyError",
            OdooError::IndexError(_) => "builtins.IndexError",
            OdooError::SerializationFailure => "psycopg2.errors.SerializationFailure",
            OdooError::OperationalError(_) => "psycopg2.OperationalError",
        }
    }

    pub fn message(&self) -> String {
        self.to_string()
    }

    /// HTTP status on JSON-2 (`exc.http_status`, SRC-19 `odoo/exceptions.py`).
    pub fn json2_status(&self) -> u16 {
        match self {
            OdooError::AccessDenied(_) | OdooError::AccessError(_) => 403,
            OdooError::MissingError(_) => 404,
            OdooError::UserError(_) | OdooError::ValidationError(_) => 422,
            _ => 500,
        }
    }

    /// `data.debug`: a traceback, except for AccessDenied on 19 whose traceback is suppressed.
    pub fn debug(&self, version: OdooVersion) -> String {
        let last = format!("{}: {}", self.name(), self.message());
        if matches!(self, OdooError::AccessDenied(_)) && version == OdooVersion::V19 {
            return format!("{last}\n");
        }
        let path = "/usr/lib/python3/dist-packages/odoo";
        format!(
            "Traceback (most recent call last):\n  File \"{path}/http.py\", line 2273, in _serve_db\n    \
             return service_model.retrying(self._serve_ir_http, self.env)\n  File \"{path}/service/model.py\", \
             line 156, in retrying\n    result = func()\n  File \"{path}/api.py\", line 533, in call_kw\n    \
             result = getattr(recs, name)(*args, **kwargs)\n{}\n",
            last.trim_end_matches('\n')
        )
    }

    /// `serialize_exception(exc)`: the `data` of JSON-RPC errors and the JSON-2 error body.
    pub fn serialize(&self, version: OdooVersion) -> Value {
        json!({
            "name": self.name(),
            "message": self.message(),
            "arguments": [self.message()],
            "context": {},
            "debug": self.debug(version),
        })
    }
}

/// Python's tuple repr of ids: `(7,)` or `(7, 8)`.
pub fn py_tuple(ids: &[i64]) -> String {
    match ids {
        [one] => format!("({one},)"),
        _ => format!("({})", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_error_text_matches_odoo() {
        let e = OdooError::missing("purchase.order", &[999999], 2);
        assert_eq!(
            e.message(),
            "Record does not exist or has been deleted.\n(Record: purchase.order(999999,), User: 2)"
        );
        assert_eq!(py_tuple(&[1, 2]), "(1, 2)");
    }
}
