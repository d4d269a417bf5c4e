//! Managing webhook endpoints: who may (supplier admins their supplier's endpoints, admins internal
//! ones, admins read supplier ones), validation, sealed secrets shown once, rotation with overlap,
//! test messages, the delivery log and replays. Transport-neutral: server functions and REST share it.

use chrono::{DateTime, Utc};
use serde_json::json;

use app::error::FieldError;
use app::model::{
    Role, WebhookAttemptView, WebhookDeliveryPage, WebhookDeliveryQuery, WebhookDeliveryView, WebhookEndpointInput,
    WebhookEndpointView, WebhookReplayInput, WebhookSecretView, WebhookUpdateInput, WEBHOOK_EVENT_TYPES,
    WEBHOOK_TEST_EVENT,
};
use app::ports::{Actor, WebhookPort};
use app::AppError;

use crate::db::{Db, Executor, Sql, Tx};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::internal;
use crate::secret::{MasterKeys, Secret};

use super::config::WebhookConfig;
use super::ssrf::{self, AllowList};
use super::{seal, sign, EndpointRow, ENDPOINT_SELECT};

pub const MAX_DESCRIPTION_CHARS: usize = 500;

pub struct WebhookService {
    pub db: Db,
    pub keys: MasterKeys,
    pub config: WebhookConfig,
    allow: AllowList,
}

/// What an actor may do with an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Manage,
}

/// Only supplier admins and admins reach the webhook console. Pure.
pub fn require_console(actor: &Actor) -> Result<(), AppError> {
    match actor.role {
        Role::SupplierAdmin | Role::Admin => Ok(()),
        Role::SupplierUser | Role::Buyer => Err(AppError::Forbidden),
    }
}

/// The actor's access to an endpoint of `endpoint_supplier` (`None`: internal). Another supplier's
/// endpoint, or an internal one for a supplier admin, is not found. Pure.
pub fn access(actor: &Actor, endpoint_supplier: Option<i64>) -> Result<Access, AppError> {
    require_console(actor)?;
    match (actor.role, endpoint_supplier) {
        (Role::Admin, None) => Ok(Access::Manage),
        (Role::Admin, Some(_)) => Ok(Access::Read),
        (Role::SupplierAdmin, Some(s)) if Some(s) == actor.supplier_scope() => Ok(Access::Manage),
        _ => Err(AppError::NotFound),
    }
}

/// Checks the event types of a filter: known ones only, each once, in the catalogue's order.
pub fn parse_event_types(types: &[String]) -> Result<Vec<String>, String> {
    let mut wanted = Vec::new();
    for t in types.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if !WEBHOOK_EVENT_TYPES.contains(&t) {
            return Err(format!(
                "{t:?} is not an event type Supplyline sends. Choose from: {}.",
                WEBHOOK_EVENT_TYPES.join(", ")
            ));
        }
        wanted.push(t.to_string());
    }
    Ok(WEBHOOK_EVENT_TYPES.iter().filter(|t| wanted.iter().any(|w| w == *t)).map(|t| t.to_string()).collect())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    endpoint_id: i64,
    msg_id: String,
    event_type: String,
    event_id: Option<i64>,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    last_status_code: Option<i64>,
    latency_ms: Option<i64>,
    response_excerpt: Option<String>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const DELIVERY_SELECT: &str = "SELECT id, endpoint_id, msg_id, event_type, event_id, status, attempts, next_attempt_at,
        last_status_code, latency_ms, response_excerpt, last_error, created_at, updated_at FROM webhook_delivery";

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: i64,
    attempt: i64,
    status_code: Option<i64>,
    latency_ms: Option<i64>,
    response_excerpt: Option<String>,
    error: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

fn view(row: EndpointRow, access: Access) -> WebhookEndpointView {
    let event_types = row.event_type_list();
    WebhookEndpointView {
        id: row.id,
        supplier_id: row.supplier_id,
        supplier_name: row.supplier_name,
        url: row.url,
        description: row.description,
        event_types,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        can_manage: access == Access::Manage,
        previous_secret_expires_at: row.previous_secret_expires_at.filter(|at| *at > Utc::now()),
        consecutive_failures: row.consecutive_failures,
        first_failure_at: row.first_failure_at,
        created_by: row.created_by_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn delivery_view(row: DeliveryRow, attempts: Vec<WebhookAttemptView>) -> WebhookDeliveryView {
    let due = matches!(row.status.as_str(), "pending" | "failed");
    WebhookDeliveryView {
        id: row.id,
        endpoint_id: row.endpoint_id,
        msg_id: row.msg_id,
        event_type: row.event_type,
        event_id: row.event_id,
        status: row.status,
        attempts: row.attempts,
        next_attempt_at: due.then_some(row.next_attempt_at),
        last_status_code: row.last_status_code,
        latency_ms: row.latency_ms,
        response_excerpt: row.response_excerpt,
        last_error: row.last_error,
        created_at: row.created_at,
        updated_at: row.updated_at,
        attempt_log: attempts,
    }
}

impl WebhookService {
    pub fn new(db: Db, keys: MasterKeys, config: WebhookConfig) -> WebhookService {
        // Validated at start-up (Config::validate).
        let allow = config.allow_list().unwrap_or_default();
        WebhookService { db, keys, config, allow }
    }

    /// Checks a URL as written, then where it resolves to now (a name that does not resolve yet is
    /// accepted: it is checked again at each delivery).
    async fn check_url(&self, raw: &str) -> Result<String, AppError> {
        let target = ssrf::check_url(raw, &self.allow).map_err(|m| AppError::invalid("url", m))?;
        if let Err(message) = ssrf::resolve(&target, &self.allow).await {
            if !message.starts_with("cannot resolve") {
                return Err(AppError::invalid("url", format!("{message}.")));
            }
        }
        Ok(target.url.to_string())
    }

    async fn load(&self, actor: &Actor, id: i64) -> Result<(EndpointRow, Access), AppError> {
        require_console(actor)?;
        let row: EndpointRow = self
            .db
            .exec()
            .fetch_optional(Sql::new(format!("{ENDPOINT_SELECT} WHERE w.id = $1")).bind(id))
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let access = access(actor, row.supplier_id)?;
        Ok((row, access))
    }

    async fn load_managed(&self, actor: &Actor, id: i64) -> Result<EndpointRow, AppError> {
        match self.load(actor, id).await? {
            (row, Access::Manage) => Ok(row),
            (_, Access::Read) => Err(AppError::Forbidden),
        }
    }

    async fn audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        action: &str,
        endpoint: (i64, Option<i64>),
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let entry = AuditEntry::acting(actor, action, Some(("webhook_endpoint", endpoint.0)), endpoint.1, detail);
        audit::record(tx, entry).await.map_err(internal)
    }

    fn new_sealed_secret(&self, id: i64) -> Result<(Secret, crate::secret::Sealed), AppError> {
        let secret = sign::new_secret();
        let sealed = seal(&self.keys, id, &secret).map_err(|e| {
            AppError::invalid("secret", format!("Webhook secrets cannot be stored on this server: {e}."))
        })?;
        Ok((secret, sealed))
    }

    fn validate_description(description: &str) -> Result<String, FieldError> {
        let d = description.trim();
        if d.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(FieldError {
                field: "description".into(),
                message: format!("Keep the description under {MAX_DESCRIPTION_CHARS} characters."),
            });
        }
        Ok(d.to_string())
    }

    async fn reload(&self, actor: &Actor, id: i64) -> Result<WebhookEndpointView, AppError> {
        let (row, access) = self.load(actor, id).await?;
        Ok(view(row, access))
    }

    async fn delivery_of(&self, actor: &Actor, delivery_id: i64) -> Result<(DeliveryRow, EndpointRow), AppError> {
        require_console(actor)?;
        let row: DeliveryRow = self
            .db
            .exec()
            .fetch_optional(Sql::new(format!("{DELIVERY_SELECT} WHERE id = $1")).bind(delivery_id))
            .await
            .map_err(internal)?
            .ok_or(AppError::NotFound)?;
        let endpoint = self.load_managed(actor, row.endpoint_id).await?;
        Ok((row, endpoint))
    }

    async fn attempts_of(&self, ids: &[i64]) -> Result<Vec<AttemptRow>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT delivery_id, attempt, status_code, latency_ms, response_excerpt, error, created_at
               FROM webhook_attempt WHERE delivery_id IN (",
        );
        for (i, id) in ids.iter().enumerate() {
            sql.push(if i == 0 { "?" } else { ", ?" }, [(*id).into()]);
        }
        sql.push(") ORDER BY id", []);
        self.db.exec().fetch_all(sql).await.map_err(internal)
    }

    async fn delivery_views(&self, rows: Vec<DeliveryRow>) -> Result<Vec<WebhookDeliveryView>, AppError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let attempts = self.attempts_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let log = attempts
                    .iter()
                    .filter(|a| a.delivery_id == row.id)
                    .map(|a| WebhookAttemptView {
                        attempt: a.attempt,
                        status_code: a.status_code,
                        latency_ms: a.latency_ms,
                        response_excerpt: a.response_excerpt.clone(),
                        error: a.error.clone(),
                        created_at: a.created_at,
                    })
                    .collect();
                delivery_view(row, log)
            })
            .collect())
    }

    async fn delivery(&self, id: i64) -> Result<WebhookDeliveryView, AppError> {
        let row: DeliveryRow = self
            .db
            .exec()
            .fetch_one(Sql::new(format!("{DELIVERY_SELECT} WHERE id = $1")).bind(id))
            .await
            .map_err(internal)?;
        Ok(self.delivery_views(vec![row]).await?.remove(0))
    }
}

#[async_trait::async_trait]
impl WebhookPort for WebhookService {
    async fn list(&self, actor: &Actor) -> Result<Vec<WebhookEndpointView>, AppError> {
        require_console(actor)?;
        let mut sql = Sql::new(ENDPOINT_SELECT);
        if let Some(own) = actor.supplier_scope() {
            sql.push(" WHERE w.supplier_id = ?", [own.into()]);
        }
        // Internal endpoints first, then by supplier.
        sql.push(" ORDER BY CASE WHEN w.supplier_id IS NULL THEN 0 ELSE 1 END, s.name, w.id", []);
        let rows: Vec<EndpointRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        rows.into_iter()
            .map(|row| {
                let a = access(actor, row.supplier_id)?;
                Ok(view(row, a))
            })
            .collect()
    }

    async fn get(&self, actor: &Actor, id: i64) -> Result<WebhookEndpointView, AppError> {
        self.reload(actor, id).await
    }

    async fn create(&self, actor: &Actor, input: WebhookEndpointInput) -> Result<WebhookSecretView, AppError> {
        require_console(actor)?;
        // A supplier admin's endpoint is their supplier's; an admin's is internal.
        let supplier_id = actor.supplier_scope();
        let mut errors = Vec::new();
        let url = match self.check_url(&input.url).await {
            Ok(url) => Some(url),
            Err(AppError::Invalid { field, message }) => {
                errors.push(FieldError { field, message });
                None
            }
            Err(other) => return Err(other),
        };
        let description = Self::validate_description(&input.description).map_err(|e| errors.push(e)).ok();
        let event_types = parse_event_types(&input.event_types)
            .map_err(|message| errors.push(FieldError { field: "event_types".into(), message }))
            .ok();
        let (Some(url), Some(description), Some(event_types), true) =
            (url, description, event_types, errors.is_empty())
        else {
            return Err(AppError::Fields(errors));
        };
        let now = Utc::now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        // The secret is sealed to the row's id, so the row comes first (with no secret) and gets it next.
        let row: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO webhook_endpoint (supplier_id, url, description, event_types, enabled, secret_ciphertext,
                                                   secret_nonce, secret_key_id, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, TRUE, $5, $5, '', $6, $7, $7) RETURNING id",
                )
                .bind(supplier_id)
                .bind(url.as_str())
                .bind(description.as_str())
                .bind(serde_json::to_string(&event_types).unwrap_or_else(|_| "[]".into()))
                .bind(Vec::<u8>::new())
                .bind(actor.user_id)
                .bind(now),
            )
            .await
            .map_err(internal)?;
        let (secret, sealed) = self.new_sealed_secret(row.id)?;
        tx.execute(
            Sql::new(
                "UPDATE webhook_endpoint SET secret_ciphertext = $1, secret_nonce = $2, secret_key_id = $3 WHERE id = $4",
            )
            .bind(sealed.ciphertext)
            .bind(sealed.nonce)
            .bind(sealed.key_id)
            .bind(row.id),
        )
        .await
        .map_err(internal)?;
        let detail = json!({"url": url, "event_types": event_types});
        self.audit(&mut tx, actor, "webhook.created", (row.id, supplier_id), detail).await?;
        tx.commit().await.map_err(internal)?;
        let endpoint = self.reload(actor, row.id).await?;
        Ok(WebhookSecretView { endpoint, secret: secret.expose().to_string() })
    }

    async fn update(&self, actor: &Actor, id: i64, input: WebhookUpdateInput) -> Result<WebhookEndpointView, AppError> {
        let row = self.load_managed(actor, id).await?;
        let mut errors = Vec::new();
        let mut url = None;
        if let Some(raw) = &input.url {
            match self.check_url(raw).await {
                Ok(u) => url = Some(u),
                Err(AppError::Invalid { field, message }) => errors.push(FieldError { field, message }),
                Err(other) => return Err(other),
            }
        }
        let description = match &input.description {
            Some(d) => Self::validate_description(d).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        let event_types = match &input.event_types {
            Some(types) => parse_event_types(types)
                .map_err(|message| errors.push(FieldError { field: "event_types".into(), message }))
                .ok(),
            None => None,
        };
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let now = Utc::now();
        let mut sql = Sql::new("UPDATE webhook_endpoint SET updated_at = $1").bind(now);
        let mut detail = serde_json::Map::new();
        if let Some(u) = &url {
            sql.push(", url = ?", [u.as_str().into()]);
            detail.insert("url".into(), json!(u));
        }
        if let Some(d) = &description {
            sql.push(", description = ?", [d.as_str().into()]);
            detail.insert("description".into(), json!(d));
        }
        if let Some(t) = &event_types {
            sql.push(", event_types = ?", [serde_json::to_string(t).unwrap_or_else(|_| "[]".into()).into()]);
            detail.insert("event_types".into(), json!(t));
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        match input.enabled {
            Some(true) if !row.enabled => {
                // A fresh start: the failures that switched it off are history.
                sql.push(
                    ", enabled = TRUE, disabled_reason = NULL, consecutive_failures = 0, first_failure_at = NULL",
                    [],
                );
                detail.insert("enabled".into(), json!(true));
            }
            Some(false) if row.enabled => {
                detail.insert("enabled".into(), json!(false));
            }
            _ => {}
        }
        sql.push(" WHERE id = ?", [id.into()]);
        tx.execute(sql).await.map_err(internal)?;
        if input.enabled == Some(false) && row.enabled {
            let reason = "Disabled by a person.";
            super::worker::disable_endpoint(&mut tx, id, reason, now).await.map_err(internal)?;
        }
        self.audit(&mut tx, actor, "webhook.updated", (id, row.supplier_id), serde_json::Value::Object(detail)).await?;
        tx.commit().await.map_err(internal)?;
        self.reload(actor, id).await
    }

    async fn delete(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let row = self.load_managed(actor, id).await?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        // Attempts go with their deliveries (ON DELETE CASCADE); deleted explicitly for clarity.
        tx.execute(
            Sql::new("DELETE FROM webhook_attempt WHERE delivery_id IN (SELECT id FROM webhook_delivery WHERE endpoint_id = $1)")
                .bind(id),
        )
        .await
        .map_err(internal)?;
        tx.execute(Sql::new("DELETE FROM webhook_delivery WHERE endpoint_id = $1").bind(id)).await.map_err(internal)?;
        tx.execute(Sql::new("DELETE FROM webhook_endpoint WHERE id = $1").bind(id)).await.map_err(internal)?;
        self.audit(&mut tx, actor, "webhook.deleted", (id, row.supplier_id), json!({"url": row.url})).await?;
        tx.commit().await.map_err(internal)
    }

    async fn rotate_secret(&self, actor: &Actor, id: i64) -> Result<WebhookSecretView, AppError> {
        let row = self.load_managed(actor, id).await?;
        let (secret, sealed) = self.new_sealed_secret(id)?;
        let now = Utc::now();
        let until = now + chrono::Duration::seconds(self.config.secret_overlap_secs as i64);
        let mut tx = self.db.begin().await.map_err(internal)?;
        tx.execute(
            Sql::new(
                "UPDATE webhook_endpoint SET previous_secret_ciphertext = secret_ciphertext,
                        previous_secret_nonce = secret_nonce, previous_secret_key_id = secret_key_id,
                        previous_secret_expires_at = $1, secret_ciphertext = $2, secret_nonce = $3, secret_key_id = $4,
                        updated_at = $5
                 WHERE id = $6",
            )
            .bind(until)
            .bind(sealed.ciphertext)
            .bind(sealed.nonce)
            .bind(sealed.key_id)
            .bind(now)
            .bind(id),
        )
        .await
        .map_err(internal)?;
        let detail = json!({"previous_valid_until": until});
        self.audit(&mut tx, actor, "webhook.secret_rotated", (id, row.supplier_id), detail).await?;
        tx.commit().await.map_err(internal)?;
        let endpoint = self.reload(actor, id).await?;
        Ok(WebhookSecretView { endpoint, secret: secret.expose().to_string() })
    }

    async fn send_test(&self, actor: &Actor, id: i64) -> Result<WebhookDeliveryView, AppError> {
        let row = self.load_managed(actor, id).await?;
        if !row.enabled {
            return Err(AppError::invalid("enabled", "Enable the endpoint before sending it a test event."));
        }
        let now = Utc::now();
        let uid = format!("{:032x}", rand::random::<u128>());
        let body = json!({
            "type": WEBHOOK_TEST_EVENT,
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": {"endpoint_id": id, "supplier_id": row.supplier_id, "message": "A test event from Supplyline."},
        })
        .to_string();
        let mut tx = self.db.begin().await.map_err(internal)?;
        let created: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO webhook_delivery (endpoint_id, event_id, msg_id, event_type, status, attempts,
                                                   next_attempt_at, request_body, created_at, updated_at)
                     VALUES ($1, NULL, $2, $3, 'pending', 0, $4, $5, $4, $4) RETURNING id",
                )
                .bind(id)
                .bind(format!("msg_test_{uid}"))
                .bind(WEBHOOK_TEST_EVENT)
                .bind(now)
                .bind(body),
            )
            .await
            .map_err(internal)?;
        tx.ring_outbox_bell_on_commit();
        tx.commit().await.map_err(internal)?;
        self.delivery(created.id).await
    }

    async fn deliveries(
        &self,
        actor: &Actor,
        id: i64,
        query: WebhookDeliveryQuery,
    ) -> Result<WebhookDeliveryPage, AppError> {
        self.load(actor, id).await?;
        let limit = query.limit.unwrap_or(25).clamp(1, 100);
        let mut sql = Sql::new(format!("{DELIVERY_SELECT} WHERE endpoint_id = $1")).bind(id);
        if let Some(before) = query.before {
            sql.push(" AND id < ?", [before.into()]);
        }
        sql.push(" ORDER BY id DESC LIMIT ?", [(limit + 1).into()]);
        let mut rows: Vec<DeliveryRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_before = if more { rows.last().map(|r| r.id) } else { None };
        Ok(WebhookDeliveryPage { items: self.delivery_views(rows).await?, next_before })
    }

    async fn replay(&self, actor: &Actor, delivery_id: i64) -> Result<WebhookDeliveryView, AppError> {
        let (row, endpoint) = self.delivery_of(actor, delivery_id).await?;
        if !endpoint.enabled {
            return Err(AppError::invalid("enabled", "Enable the endpoint before replaying its deliveries."));
        }
        if row.status == "delivering" {
            return Err(AppError::invalid("delivery", "This delivery is being sent right now."));
        }
        let now = Utc::now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        tx.execute(
            Sql::new(
                "UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_owner = NULL,
                        locked_until = NULL, last_error = NULL, updated_at = $1
                 WHERE id = $2 AND status <> 'delivering'",
            )
            .bind(now)
            .bind(delivery_id),
        )
        .await
        .map_err(internal)?;
        self.audit(
            &mut tx,
            actor,
            "webhook.replayed",
            (endpoint.id, endpoint.supplier_id),
            json!({"delivery_id": delivery_id}),
        )
        .await?;
        tx.ring_outbox_bell_on_commit();
        tx.commit().await.map_err(internal)?;
        self.delivery(delivery_id).await
    }

    async fn replay_failed(&self, actor: &Actor, id: i64, input: WebhookReplayInput) -> Result<u64, AppError> {
        let endpoint = self.load_managed(actor, id).await?;
        if !endpoint.enabled {
            return Err(AppError::invalid("enabled", "Enable the endpoint before replaying its deliveries."));
        }
        let now = Utc::now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        let replayed = tx
            .execute(
                Sql::new(
                    "UPDATE webhook_delivery SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_owner = NULL,
                            locked_until = NULL, last_error = NULL, updated_at = $1
                     WHERE endpoint_id = $2 AND status IN ('failed', 'dead') AND created_at >= $3",
                )
                .bind(now)
                .bind(id)
                .bind(input.since),
            )
            .await
            .map_err(internal)?;
        let detail = json!({"since": input.since, "replayed": replayed});
        self.audit(&mut tx, actor, "webhook.replayed", (id, endpoint.supplier_id), detail).await?;
        tx.ring_outbox_bell_on_commit();
        tx.commit().await.map_err(internal)?;
        Ok(replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, supplier: Option<i64>) -> Actor {
        Actor::new(1, role, supplier).unwrap()
    }

    #[test]
    fn who_may_see_and_manage_which_endpoint() {
        type Case = (Role, Option<i64>, Option<i64>, Result<Access, AppError>);
        let cases: &[Case] = &[
            (Role::SupplierAdmin, Some(7), Some(7), Ok(Access::Manage)),
            (Role::SupplierAdmin, Some(7), Some(8), Err(AppError::NotFound)),
            (Role::SupplierAdmin, Some(7), None, Err(AppError::NotFound)),
            (Role::Admin, None, None, Ok(Access::Manage)),
            (Role::Admin, None, Some(8), Ok(Access::Read)),
            (Role::SupplierUser, Some(7), Some(7), Err(AppError::Forbidden)),
            (Role::Buyer, None, None, Err(AppError::Forbidden)),
            (Role::Buyer, None, Some(7), Err(AppError::Forbidden)),
        ];
        for (role, own, endpoint, want) in cases {
            assert_eq!(&access(&actor(*role, *own), *endpoint), want, "{role:?} of {own:?} on {endpoint:?}");
        }
    }

    #[test]
    fn event_filters_take_known_types_once() {
        let ok = parse_event_types(&["asn.submitted".into(), " po.acknowledged ".into(), "asn.submitted".into()]);
        assert_eq!(ok.unwrap(), ["po.acknowledged", "asn.submitted"]);
        assert_eq!(parse_event_types(&[]).unwrap(), Vec::<String>::new());
        let err = parse_event_types(&["po.exploded".into()]).unwrap_err();
        assert!(err.contains("\"po.exploded\" is not an event type"), "{err}");
    }
}
