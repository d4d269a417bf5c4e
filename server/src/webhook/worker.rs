//! The dispatcher (a `webhook` outbox row → one delivery per subscribed endpoint, in one transaction)
//! and the delivery worker (claims due deliveries under a lease, sends them with no transaction open,
//! records the outcome). Both run in `serve`; tests call [`WebhookWorker::drain`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;

use crate::db::{Backend, Db, DbError, Executor, Sql};
use crate::mail::{template, Mailer, OutgoingEmail};
use crate::secret::MasterKeys;
use crate::sync::outbox::{self, WEBHOOK};

use super::config::WebhookConfig;
use super::retry::{honours_retry_after, parse_retry_after, retry_delay, scheduled_delay};
use super::ssrf::{self, AllowList};
use super::{message_body, msg_id_of, sign, EndpointRow, ENDPOINT_SELECT, RESPONSE_EXCERPT_BYTES};

const BATCH: usize = 16;

pub struct WebhookWorker {
    db: Db,
    keys: MasterKeys,
    config: WebhookConfig,
    allow: AllowList,
    mailer: Arc<Mailer>,
    base_url: String,
    owner: String,
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Claimed {
    id: i64,
    endpoint_id: i64,
    msg_id: String,
    attempts: i64,
    request_body: String,
}

/// What the receiver made of one attempt.
#[derive(Debug, Clone, Default)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub excerpt: Option<String>,
    pub retry_after: Option<Duration>,
    pub error: Option<String>,
}

impl AttemptOutcome {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

impl WebhookWorker {
    pub fn new(db: Db, keys: MasterKeys, config: WebhookConfig, mailer: Arc<Mailer>, base_url: String) -> Self {
        // Validated at start-up (Config::validate).
        let allow = config.allow_list().unwrap_or_default();
        let owner = format!("webhooks-{:08x}", rand::random::<u32>());
        WebhookWorker { db, keys, config, allow, mailer, base_url, owner }
    }

    /// Runs until `shutdown` resolves: woken by each commit that queued outbox rows, polling for due retries.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut bell = self.db.outbox_bell().subscribe();
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.drain().await {
                tracing::warn!(%error, "webhook worker could not read its queue");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = bell.changed() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Fans out every queued event, then sends every due delivery until none is due; answers how many
    /// attempts were made. Tests call this directly.
    pub async fn drain(&self) -> Result<usize, DbError> {
        self.dispatch().await?;
        let mut attempts = 0;
        loop {
            let claimed = self.claim().await?;
            if claimed.is_empty() {
                return Ok(attempts);
            }
            attempts += claimed.len();
            futures::future::join_all(claimed.into_iter().map(|c| self.attempt(c)))
                .await
                .into_iter()
                .collect::<Result<Vec<()>, _>>()?;
        }
    }

    /// Turns `webhook` outbox rows into deliveries; answers how many events it handled.
    pub async fn dispatch(&self) -> Result<usize, DbError> {
        let lease = chrono::Duration::seconds(self.config.lease_secs as i64);
        let mut handled = 0;
        loop {
            let rows = outbox::claim(&self.db, WEBHOOK, &self.owner, &[""], BATCH, lease, Utc::now()).await?;
            if rows.is_empty() {
                return Ok(handled);
            }
            for row in rows {
                self.fan_out(&row).await?;
                handled += 1;
            }
        }
    }

    async fn fan_out(&self, row: &outbox::Claimed) -> Result<(), DbError> {
        #[derive(sqlx::FromRow)]
        struct At {
            created_at: chrono::DateTime<Utc>,
        }
        let mut tx = self.db.begin().await?;
        let at: At = tx.fetch_one(Sql::new("SELECT created_at FROM event WHERE id = $1").bind(row.event_id)).await?;
        let endpoints: Vec<EndpointRow> =
            tx.fetch_all(Sql::new(format!("{ENDPOINT_SELECT} WHERE w.enabled = TRUE ORDER BY w.id"))).await?;
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        let body = message_body(
            &row.event_type,
            at.created_at,
            &row.event_uid,
            (&row.aggregate_type, row.aggregate_id),
            row.supplier_id,
            &payload,
        );
        let now = Utc::now();
        let mut queued = 0;
        for endpoint in endpoints.iter().filter(|e| e.wants(&row.event_type, row.supplier_id)) {
            queued += tx
                .execute(
                    Sql::new(
                        "INSERT INTO webhook_delivery (endpoint_id, event_id, msg_id, event_type, status, attempts,
                                                       next_attempt_at, request_body, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $5, $5)
                         ON CONFLICT (endpoint_id, event_id) DO NOTHING",
                    )
                    .bind(endpoint.id)
                    .bind(row.event_id)
                    .bind(msg_id_of(&row.event_uid))
                    .bind(row.event_type.as_str())
                    .bind(now)
                    .bind(body.as_str()),
                )
                .await?;
        }
        let done = tx
            .execute(
                Sql::new(
                    "UPDATE outbox SET status = 'done', locked_until = NULL, completed_at = $1, last_error = NULL
                     WHERE id = $2 AND lease_owner = $3 AND status = 'pending'",
                )
                .bind(now)
                .bind(row.id)
                .bind(self.owner.as_str()),
            )
            .await?;
        if done == 1 {
            tx.commit().await?;
            tracing::debug!(event = %row.event_type, event_id = row.event_id, queued, "webhook deliveries queued");
        }
        // Otherwise the lease was lost: another worker owns the row and will queue the same deliveries.
        Ok(())
    }

    async fn claim(&self) -> Result<Vec<Claimed>, DbError> {
        let now = Utc::now();
        let mut find = Sql::new(
            "SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id
             WHERE w.enabled = TRUE
               AND ((d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1)
                    OR (d.status = 'delivering' AND d.locked_until <= $1))
             ORDER BY d.next_attempt_at, d.id LIMIT $2",
        )
        .bind(now)
        .bind(BATCH as i64);
        if self.db.backend() == Backend::Postgres {
            find.push(" FOR UPDATE OF d SKIP LOCKED", []);
        }
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        let mut tx = self.db.begin().await?;
        let ids: Vec<Id> = tx.fetch_all(find).await?;
        let until = now + chrono::Duration::seconds(self.config.lease_secs as i64);
        let mut claimed = Vec::with_capacity(ids.len());
        for Id { id } in ids {
            let taken = tx
                .execute(
                    Sql::new(
                        "UPDATE webhook_delivery SET status = 'delivering', lease_owner = $1, locked_until = $2,
                                attempts = attempts + 1, updated_at = $3
                         WHERE id = $4 AND ((status IN ('pending', 'failed') AND next_attempt_at <= $3)
                                            OR (status = 'delivering' AND locked_until <= $3))",
                    )
                    .bind(self.owner.as_str())
                    .bind(until)
                    .bind(now)
                    .bind(id),
                )
                .await?;
            if taken == 1 {
                claimed.push(
                    tx.fetch_one::<Claimed>(
                        Sql::new(
                            "SELECT id, endpoint_id, msg_id, attempts, request_body FROM webhook_delivery WHERE id = $1",
                        )
                        .bind(id),
                    )
                    .await?,
                );
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// One attempt: no transaction is open while the receiver answers.
    async fn attempt(&self, delivery: Claimed) -> Result<(), DbError> {
        let endpoint: Option<EndpointRow> = self
            .db
            .exec()
            .fetch_optional(Sql::new(format!("{ENDPOINT_SELECT} WHERE w.id = $1")).bind(delivery.endpoint_id))
            .await?;
        let Some(endpoint) = endpoint else { return Ok(()) };
        let outcome = self.send(&endpoint, &delivery).await;
        self.record(&endpoint, &delivery, &outcome).await
    }

    async fn send(&self, endpoint: &EndpointRow, delivery: &Claimed) -> AttemptOutcome {
        let started = Instant::now();
        let failed = |error: String| AttemptOutcome { error: Some(error), ..AttemptOutcome::default() };
        let target = match ssrf::check_url(&endpoint.url, &self.allow) {
            Ok(t) => t,
            Err(e) => return failed(format!("refused: {e}")),
        };
        let addr = match ssrf::resolve(&target, &self.allow).await {
            Ok(a) => a,
            Err(e) => return failed(format!("refused: {e}")),
        };
        let keys = match endpoint.signing_keys(&self.keys, Utc::now()) {
            Ok(k) => k,
            Err(e) => return failed(format!("cannot open the signing secret: {e}")),
        };
        let mut client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.config.timeout())
            .connect_timeout(self.config.timeout())
            .no_proxy()
            .user_agent(concat!("Supplyline-Webhooks/", env!("CARGO_PKG_VERSION")));
        if target.ip.is_none() {
            // Connect to the address we checked, not to whatever a second lookup answers.
            client = client.resolve(&target.host, addr);
        }
        let client = match client.build() {
            Ok(c) => c,
            Err(e) => return failed(format!("cannot build the HTTP client: {e}")),
        };
        let timestamp = Utc::now().timestamp();
        let signature = sign::header(&keys, &delivery.msg_id, timestamp, &delivery.request_body);
        let sent = client
            .post(target.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", delivery.msg_id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.request_body.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() { "timed out" } else { "request failed" };
                return AttemptOutcome {
                    latency_ms: started.elapsed().as_millis() as i64,
                    error: Some(format!("{what}: {}", error_chain(&e))),
                    ..AttemptOutcome::default()
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let mut bytes = Vec::new();
        while bytes.len() < RESPONSE_EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let latency_ms = started.elapsed().as_millis() as i64;
        let error = (!(200..300).contains(&status)).then(|| format!("the endpoint answered HTTP {status}"));
        AttemptOutcome { status: Some(status), latency_ms, excerpt: Some(excerpt(&bytes)), retry_after, error }
    }

    async fn record(
        &self,
        endpoint: &EndpointRow,
        delivery: &Claimed,
        outcome: &AttemptOutcome,
    ) -> Result<(), DbError> {
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            Sql::new(
                "INSERT INTO webhook_attempt (delivery_id, attempt, status_code, latency_ms, response_excerpt, error, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(delivery.id)
            .bind(delivery.attempts)
            .bind(outcome.status.map(i64::from))
            .bind(outcome.latency_ms)
            .bind(outcome.excerpt.clone())
            .bind(outcome.error.clone())
            .bind(now),
        )
        .await?;
        let gone = outcome.status == Some(410);
        let (status, next) = if outcome.succeeded() {
            ("succeeded", None)
        } else if gone {
            ("dead", None)
        } else {
            match scheduled_delay(&self.config.retry_schedule_secs, delivery.attempts, rand::random::<f64>()) {
                None => ("dead", None),
                Some(scheduled) => {
                    let asked = outcome.retry_after.filter(|_| outcome.status.is_some_and(honours_retry_after));
                    let wait = retry_delay(scheduled, asked);
                    ("failed", Some(now + chrono::Duration::from_std(wait).unwrap_or_default()))
                }
            }
        };
        let mut update = Sql::new(
            "UPDATE webhook_delivery SET status = $1, lease_owner = NULL, locked_until = NULL, last_status_code = $2,
                    response_excerpt = $3, latency_ms = $4, last_error = $5, updated_at = $6",
        )
        .bind(status)
        .bind(outcome.status.map(i64::from))
        .bind(outcome.excerpt.clone())
        .bind(outcome.latency_ms)
        .bind(outcome.error.clone())
        .bind(now);
        if let Some(at) = next {
            update.push(", next_attempt_at = ?", [at.into()]);
        }
        update.push(
            " WHERE id = ? AND lease_owner = ? AND status = 'delivering'",
            [delivery.id.into(), self.owner.as_str().into()],
        );
        if tx.execute(update).await? == 0 {
            // The lease ran out and another worker took the delivery over: its outcome counts.
            return Ok(());
        }
        let disable = if outcome.succeeded() {
            tx.execute(
                Sql::new("UPDATE webhook_endpoint SET consecutive_failures = 0, first_failure_at = NULL WHERE id = $1")
                    .bind(endpoint.id),
            )
            .await?;
            None
        } else if gone {
            Some("The endpoint answered 410 Gone: it asked not to receive webhooks any more.".to_string())
        } else {
            #[derive(sqlx::FromRow)]
            struct Failing {
                consecutive_failures: i64,
                first_failure_at: Option<chrono::DateTime<Utc>>,
            }
            tx.execute(
                Sql::new(
                    "UPDATE webhook_endpoint SET consecutive_failures = consecutive_failures + 1,
                            first_failure_at = COALESCE(first_failure_at, $1) WHERE id = $2",
                )
                .bind(now)
                .bind(endpoint.id),
            )
            .await?;
            let f: Failing = tx
                .fetch_one(
                    Sql::new("SELECT consecutive_failures, first_failure_at FROM webhook_endpoint WHERE id = $1")
                        .bind(endpoint.id),
                )
                .await?;
            let failing_for = f.first_failure_at.map(|at| now - at).unwrap_or_default();
            if f.consecutive_failures >= self.config.disable_after_consecutive_failures {
                Some(format!("{} deliveries in a row failed.", f.consecutive_failures))
            } else if failing_for >= chrono::Duration::seconds(self.config.disable_after_failing_secs as i64) {
                Some(format!("Every delivery failed for {} hours.", failing_for.num_hours()))
            } else {
                None
            }
        };
        let disabled = match &disable {
            Some(reason) => disable_endpoint(&mut tx, endpoint.id, reason, now).await?,
            None => false,
        };
        tx.commit().await?;
        tracing::info!(
            endpoint = endpoint.id, delivery = delivery.id, attempt = delivery.attempts, status,
            http_status = ?outcome.status, error = ?outcome.error, "webhook attempt"
        );
        if let (true, Some(reason)) = (disabled, disable) {
            tracing::warn!(endpoint = endpoint.id, %reason, "webhook endpoint disabled");
            if let Err(error) = self.tell_owners(endpoint, &reason).await {
                tracing::warn!(endpoint = endpoint.id, %error, "e-mailing the owners of a disabled webhook endpoint failed");
            }
        }
        Ok(())
    }

    /// E-mails the endpoint's creator and (for a supplier's endpoint) the supplier's admins.
    async fn tell_owners(&self, endpoint: &EndpointRow, reason: &str) -> Result<(), String> {
        #[derive(sqlx::FromRow)]
        struct Owner {
            email: String,
            display_name: String,
        }
        let owners: Vec<Owner> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT email, display_name FROM app_user
                      WHERE active = TRUE AND (id = $1 OR (role = 'supplier_admin' AND supplier_id = $2))
                      ORDER BY id",
                )
                .bind(endpoint.created_by.unwrap_or(-1))
                .bind(endpoint.supplier_id.unwrap_or(-1)),
            )
            .await
            .map_err(|e| e.to_string())?;
        let subject = "A webhook endpoint was disabled".to_string();
        let link = format!("{}/integrations/webhooks/{}", self.base_url, endpoint.id);
        let paragraphs = [
            format!("Supplyline stopped sending webhooks to {}.", endpoint.url),
            format!("Reason: {reason}"),
            "Fix the receiver, then enable the endpoint again and replay the failed deliveries from its page.".into(),
        ];
        for owner in owners {
            let content = template::Content {
                greeting: &format!("Hello {},", owner.display_name),
                paragraphs: &paragraphs,
                action: Some(("Open the endpoint", &link)),
                footer: "You receive this because you manage this webhook endpoint in Supplyline.",
            };
            let email = OutgoingEmail {
                to_name: owner.display_name.clone(),
                to_address: owner.email.clone(),
                subject: subject.clone(),
                text: template::text(&content),
                html: template::html(&subject, &content),
            };
            self.mailer.send(&email).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Switches an endpoint off and gives up on its queued deliveries (a replay can bring them back).
/// False when it was already off.
pub(crate) async fn disable_endpoint(
    tx: &mut impl Executor,
    endpoint_id: i64,
    reason: &str,
    now: chrono::DateTime<Utc>,
) -> Result<bool, DbError> {
    let changed = tx
        .execute(
            Sql::new(
                "UPDATE webhook_endpoint SET enabled = FALSE, disabled_reason = $1, updated_at = $2
                 WHERE id = $3 AND enabled = TRUE",
            )
            .bind(reason)
            .bind(now)
            .bind(endpoint_id),
        )
        .await?;
    tx.execute(
        Sql::new(
            "UPDATE webhook_delivery SET status = 'dead', last_error = $1, updated_at = $2, lease_owner = NULL, locked_until = NULL
             WHERE endpoint_id = $3 AND status IN ('pending', 'failed')",
        )
        .bind("not sent: the endpoint was disabled")
        .bind(now)
        .bind(endpoint_id),
    )
    .await?;
    Ok(changed == 1)
}

/// The first KiB of an answer as text (cut on a character boundary).
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(RESPONSE_EXCERPT_BYTES)]).into_owned();
    let mut cut = text.len().min(RESPONSE_EXCERPT_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_string()
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_one_kib_on_a_character_boundary() {
        assert_eq!(excerpt(b"ok"), "ok");
        let long = "é".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= RESPONSE_EXCERPT_BYTES && cut.chars().all(|c| c == 'é' || c == '\u{fffd}'));
    }
}
