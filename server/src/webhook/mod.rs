//! Outbound webhooks, signed per Standard Webhooks. Every canonical event gets a `webhook` outbox row
//! ([`crate::domain::event::emit`]); the dispatcher turns it into one delivery per subscribed endpoint,
//! and the delivery worker sends them with retries, an SSRF guard and auto-disable of failing
//! endpoints ([`worker`]). [`WebhookService`] is how people manage endpoints (both transports).

pub mod config;
pub mod retry;
pub mod service;
pub mod sign;
pub mod ssrf;
pub mod worker;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub use app::model::WEBHOOK_EVENT_TYPES as EVENT_TYPES;
pub use config::WebhookConfig;
pub use service::WebhookService;
pub use worker::WebhookWorker;

use crate::secret::{MasterKeys, Sealed, Secret, SecretError};

/// At most this much of a receiver's answer is kept (the delivery log shows it).
pub const RESPONSE_EXCERPT_BYTES: usize = 1024;

/// An endpoint as stored, with its supplier's and creator's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct EndpointRow {
    pub id: i64,
    pub supplier_id: Option<i64>,
    pub supplier_name: Option<String>,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub secret_key_id: String,
    pub previous_secret_ciphertext: Option<Vec<u8>>,
    pub previous_secret_nonce: Option<Vec<u8>>,
    pub previous_secret_key_id: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub consecutive_failures: i64,
    pub first_failure_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const ENDPOINT_SELECT: &str = "SELECT w.id, w.supplier_id, s.name AS supplier_name, w.url, w.description,
        w.event_types, w.enabled, w.disabled_reason, w.secret_ciphertext, w.secret_nonce, w.secret_key_id,
        w.previous_secret_ciphertext, w.previous_secret_nonce, w.previous_secret_key_id,
        w.previous_secret_expires_at, w.created_by, u.display_name AS created_by_name, w.consecutive_failures,
        w.first_failure_at, w.created_at, w.updated_at
   FROM webhook_endpoint w LEFT JOIN supplier s ON s.id = w.supplier_id LEFT JOIN app_user u ON u.id = w.created_by";

/// The AAD a signing secret is sealed with: a sealed secret copied onto another endpoint does not open.
pub(crate) fn secret_context(endpoint_id: i64) -> String {
    format!("webhook_endpoint:{endpoint_id}")
}

impl EndpointRow {
    pub fn event_type_list(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// Whether this endpoint wants an event of `event_type` that concerns `supplier_id`: a supplier's
    /// endpoint hears only of that supplier's events, an internal one of all; an empty filter takes all.
    pub fn wants(&self, event_type: &str, supplier_id: Option<i64>) -> bool {
        let types = self.event_type_list();
        let scoped = self.supplier_id.is_none() || self.supplier_id == supplier_id;
        scoped && (types.is_empty() || types.iter().any(|t| t == event_type))
    }

    /// The HMAC keys to sign with now: the current secret, and the previous one while its overlap lasts.
    pub fn signing_keys(&self, keys: &MasterKeys, now: DateTime<Utc>) -> Result<Vec<Vec<u8>>, String> {
        let context = secret_context(self.id);
        let open = |sealed: Sealed| -> Result<Vec<u8>, String> {
            let secret = keys.open(&sealed, &context).map_err(|e: SecretError| e.to_string())?;
            sign::key_of(&secret)
        };
        let mut out = vec![open(Sealed {
            ciphertext: self.secret_ciphertext.clone(),
            nonce: self.secret_nonce.clone(),
            key_id: self.secret_key_id.clone(),
        })?];
        if let (Some(ciphertext), Some(nonce), Some(key_id), Some(until)) = (
            &self.previous_secret_ciphertext,
            &self.previous_secret_nonce,
            &self.previous_secret_key_id,
            self.previous_secret_expires_at,
        ) {
            if until > now {
                out.push(open(Sealed {
                    ciphertext: ciphertext.clone(),
                    nonce: nonce.clone(),
                    key_id: key_id.clone(),
                })?);
            }
        }
        Ok(out)
    }
}

/// Seals a signing secret for endpoint `id`.
pub(crate) fn seal(keys: &MasterKeys, id: i64, secret: &Secret) -> Result<Sealed, SecretError> {
    keys.seal(secret, &secret_context(id))
}

/// The `webhook-id` of an event's message: derived from the event, so every attempt and replay of it
/// carries the same id and a receiver can drop duplicates.
pub fn msg_id_of(event_uid: &str) -> String {
    format!("msg_{}", event_uid.strip_prefix("evt_").unwrap_or(event_uid))
}

/// The message body: `{"type", "timestamp", "data"}`, the data being the event's payload plus its ids.
pub fn message_body(
    event_type: &str,
    at: DateTime<Utc>,
    event_uid: &str,
    aggregate: (&str, i64),
    supplier_id: Option<i64>,
    payload: &Value,
) -> String {
    let mut data = match payload {
        Value::Object(map) => map.clone(),
        Value::Null => serde_json::Map::new(),
        other => {
            let mut map = serde_json::Map::new();
            map.insert("payload".into(), other.clone());
            map
        }
    };
    data.insert("event_id".into(), json!(event_uid));
    data.insert("aggregate_type".into(), json!(aggregate.0));
    data.insert("aggregate_id".into(), json!(aggregate.1));
    data.insert("supplier_id".into(), json!(supplier_id));
    json!({
        "type": event_type,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": Value::Object(data),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_type_timestamp_payload_and_ids() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 12, 0, 0).unwrap();
        let body = message_body("po.acknowledged", at, "evt_ab", ("purchase_order", 7), Some(3), &json!({"x": 1}));
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "po.acknowledged");
        assert_eq!(v["timestamp"], "2026-11-30T12:00:00.000Z");
        assert_eq!(v["data"]["x"], 1);
        assert_eq!(v["data"]["event_id"], "evt_ab");
        assert_eq!(v["data"]["aggregate_id"], 7);
        assert_eq!(v["data"]["supplier_id"], 3);
        assert_eq!(msg_id_of("evt_ab"), "msg_ab");
    }
}
