//! Wire types of outbound webhooks: endpoints (a supplier's or an internal one), their signing
//! secret (shown once), and the delivery log with every attempt.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Every event type Supplyline emits, in the order the endpoint form lists them. An endpoint may
/// subscribe to some of these; none means all.
pub const WEBHOOK_EVENT_TYPES: &[&str] = &[
    "po.received",
    "po.revised",
    "po.acknowledged",
    "po.ack_reminder",
    "po.change_proposed",
    "po.change_decided",
    "asn.submitted",
    "asn.amended",
    "asn.cancelled",
    "leadtime.proposed",
    "leadtime.decided",
    "quality_hold.raised",
    "quality_hold.responded",
    "quality_hold.attachment_added",
    "quality_hold.closed",
    "quality_hold.reopened",
    "component.delayed",
];

/// The type of the message "Send test event" sends; never emitted by a change, so not subscribable.
pub const WEBHOOK_TEST_EVENT: &str = "webhook.test";

/// Delivery states: `pending` (not tried yet), `delivering` (being sent), `succeeded`, `failed`
/// (waiting for its next attempt), `dead` (no attempts left, or its endpoint was disabled).
pub const WEBHOOK_DELIVERY_STATUSES: [&str; 5] = ["pending", "delivering", "succeeded", "failed", "dead"];

pub fn webhook_status_label(status: &str) -> &'static str {
    match status {
        "pending" => "Queued",
        "delivering" => "Sending",
        "succeeded" => "Delivered",
        "failed" => "Failed: will retry",
        "dead" => "Failed: gave up",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpointView {
    pub id: i64,
    /// `None`: an internal endpoint, managed by administrators.
    pub supplier_id: Option<i64>,
    pub supplier_name: Option<String>,
    pub url: String,
    pub description: String,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Whether the actor may change it (admins see supplier endpoints read-only).
    pub can_manage: bool,
    /// Until then, messages are also signed with the secret in use before the last rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    pub first_failure_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint. Supplier admins create their supplier's; administrators create internal ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpointInput {
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Known event types (see `WEBHOOK_EVENT_TYPES`); empty: every event type.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// A change to an endpoint: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookUpdateInput {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// Re-enabling clears the failure counters and the reason it was disabled.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// The endpoint with its signing secret (`whsec_…`), answered once: on creation and on rotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookSecretView {
    pub endpoint: WebhookEndpointView,
    pub secret: String,
}

/// One try to deliver a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookAttemptView {
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub latency_ms: Option<i64>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryView {
    pub id: i64,
    pub endpoint_id: i64,
    /// The `webhook-id` header: the same on every attempt and replay.
    pub msg_id: String,
    pub event_type: String,
    pub event_id: Option<i64>,
    /// See `WEBHOOK_DELIVERY_STATUSES`.
    pub status: String,
    pub attempts: i64,
    /// When the next attempt is due (pending and failed deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i64>,
    pub latency_ms: Option<i64>,
    pub response_excerpt: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first.
    pub attempt_log: Vec<WebhookAttemptView>,
}

/// A page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryQuery {
    /// Only deliveries older than this id (the previous page's `next_before`).
    #[serde(default)]
    pub before: Option<i64>,
    /// 1–100; default 25.
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDeliveryView>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// Failed and dead deliveries of an endpoint created since `since` go back in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookReplayInput {
    pub since: DateTime<Utc>,
}
