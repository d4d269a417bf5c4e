//! Notifications: every canonical event that tells someone something (see [`topic::topic_of`]) gets
//! an outbox row for this consumer, which writes one in-app notification per person of its audience
//! and e-mails those who want it. Rows are claimed under a lease like the Odoo pushes, so several
//! nodes share the work and a crash re-delivers; a person is written and e-mailed at most once per
//! event (`notification (user_id, event_id)` is unique and remembers `emailed_at`).

pub mod reminder;
pub mod render;
pub mod topic;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;

use app::model::NotificationTopic;

use crate::db::{Db, DbError, Executor, Sql};
use crate::mail::{template, MailError, Mailer, OutgoingEmail};
use crate::sync::config::SyncConfig;
use crate::sync::outbox::{self, Claimed, Failure, NOTIFY};

#[derive(Debug, thiserror::Error)]
enum NotifyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

pub struct Notifier {
    db: Db,
    mailer: Arc<Mailer>,
    /// Where e-mailed links point: the portal's public URL.
    base_url: String,
    owner: String,
    /// Lease, retries and backoff: the same policy as the Odoo pushes.
    retry: SyncConfig,
    reminder_hours_before: i64,
}

impl Notifier {
    pub fn new(db: Db, mailer: Arc<Mailer>, base_url: String, retry: SyncConfig, reminder_hours_before: i64) -> Self {
        let owner = format!("notifier-{:08x}", rand::random::<u32>());
        Notifier { db, mailer, base_url, owner, retry, reminder_hours_before }
    }

    /// Runs until `shutdown` resolves: woken by each commit that queued a notification, polls as a
    /// safety net, and looks for acknowledgement reminders once a minute.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        let mut bell = self.db.outbox_bell().subscribe();
        let poll = Duration::from_millis(self.retry.poll_interval_ms.max(1000));
        let mut reminders = tokio::time::interval(Duration::from_secs(60));
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.drain().await {
                tracing::warn!(%error, "notifier could not read the queue");
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = bell.changed() => {}
                _ = reminders.tick() => {
                    if let Err(error) = reminder::queue_due(&self.db, self.reminder_hours_before, Utc::now()).await {
                        tracing::warn!(%error, "looking for due acknowledgement reminders failed");
                    }
                }
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Delivers until nothing is due; answers how many events it handled. Tests call this directly.
    pub async fn drain(&self) -> Result<usize, DbError> {
        let lease = chrono::Duration::seconds(self.retry.lease_secs as i64);
        let mut handled = 0;
        loop {
            let rows = outbox::claim(&self.db, NOTIFY, &self.owner, &[""], 16, lease, Utc::now()).await?;
            if rows.is_empty() {
                return Ok(handled);
            }
            for row in rows {
                self.handle(row).await?;
                handled += 1;
            }
        }
    }

    async fn handle(&self, row: Claimed) -> Result<(), DbError> {
        match self.deliver(&row).await {
            Ok(()) => {
                outbox::complete(&self.db, row.id, &self.owner, None).await?;
            }
            Err(error) => {
                let retryable = match &error {
                    NotifyError::Db(_) => true,
                    NotifyError::Mail(e) => e.is_retryable(),
                };
                let failure = if retryable && row.attempts < self.retry.max_attempts {
                    let wait = self.retry.backoff(row.attempts - 1, None, rand::random::<f64>());
                    Failure::RetryAt(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
                } else {
                    Failure::Dead
                };
                let kind = if matches!(error, NotifyError::Mail(_)) { "mail" } else { "database" };
                tracing::warn!(event = %row.event_type, outbox = row.id, %error, ?failure, "notification delivery failed");
                outbox::fail(&self.db, row.id, &self.owner, failure, kind, &error.to_string()).await?;
            }
        }
        Ok(())
    }

    async fn deliver(&self, row: &Claimed) -> Result<(), NotifyError> {
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        let Some(topic) = topic::topic_of(&row.event_type, &payload) else {
            return Ok(());
        };
        let subject = render::subject(&self.db, &row.aggregate_type, row.aggregate_id).await?;
        let words = render::render(&row.event_type, (&row.aggregate_type, row.aggregate_id), &payload, &subject);
        write_notifications(&self.db, row, topic, &words).await?;
        self.send_pending(row.event_id, topic).await
    }

    /// E-mails everyone of this event who wants it and has not had it yet.
    async fn send_pending(&self, event_id: i64, topic: NotificationTopic) -> Result<(), NotifyError> {
        #[derive(sqlx::FromRow)]
        struct Pending {
            id: i64,
            email: String,
            display_name: String,
            title: String,
            body: String,
            link: String,
        }
        let pending: Vec<Pending> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT n.id, u.email, u.display_name, n.title, n.body, n.link
                       FROM notification n JOIN app_user u ON u.id = n.user_id
                      WHERE n.event_id = $1 AND n.email_wanted = TRUE AND n.emailed_at IS NULL ORDER BY n.id",
                )
                .bind(event_id),
            )
            .await?;
        for p in pending {
            let url = format!("{}{}", self.base_url, p.link);
            let settings = format!("{}/notifications", self.base_url);
            let footer = format!(
                "You receive this because e-mail for \u{201c}{}\u{201d} is on. Change it under Notifications in Supplyline: {settings}",
                topic.label()
            );
            let paragraphs = [p.body.clone()];
            let content = template::Content {
                greeting: &format!("Hello {},", p.display_name),
                paragraphs: &paragraphs,
                action: Some(("Open in Supplyline", &url)),
                footer: &footer,
            };
            let email = OutgoingEmail {
                to_name: p.display_name.clone(),
                to_address: p.email.clone(),
                subject: p.title.clone(),
                text: template::text(&content),
                html: template::html(&p.title, &content),
            };
            match self.mailer.send(&email).await {
                Ok(()) => {}
                // An address the server will never take: recorded as done so the others are not held up.
                Err(e) if !e.is_retryable() => {
                    tracing::warn!(notification = p.id, error = %e, "e-mail refused for good; the in-app notification stays")
                }
                Err(e) => return Err(e.into()),
            }
            self.db
                .exec()
                .execute(Sql::new("UPDATE notification SET emailed_at = $1 WHERE id = $2").bind(Utc::now()).bind(p.id))
                .await?;
        }
        Ok(())
    }
}

/// One notification per person of the topic's audience (active users who have set a password),
/// with e-mail as each prefers. Written once: a re-delivery finds them there.
async fn write_notifications(
    db: &Db,
    row: &Claimed,
    topic: NotificationTopic,
    words: &render::Rendered,
) -> Result<(), DbError> {
    let mut sql = Sql::new(
        "INSERT INTO notification (user_id, event_id, topic, title, body, link, email_wanted, created_at)
         SELECT u.id, $1, $2, $3, $4, $5, COALESCE(np.email, $6), $7
           FROM app_user u LEFT JOIN notification_preference np ON np.user_id = u.id AND np.topic = $2
          WHERE u.active = TRUE AND u.password_hash IS NOT NULL AND ",
    )
    .bind(row.event_id)
    .bind(topic.as_str())
    .bind(words.title.as_str())
    .bind(words.body.as_str())
    .bind(words.link.as_str())
    .bind(topic.email_by_default())
    .bind(Utc::now());
    if topic.for_supplier_side() {
        // No supplier on the event: nobody on the supplier side to tell.
        sql.push("u.supplier_id = ?", [row.supplier_id.unwrap_or(-1).into()]);
    } else {
        sql.push("u.role = 'buyer'", []);
    }
    sql.push(" ON CONFLICT (user_id, event_id) DO NOTHING", []);
    db.exec().execute(sql).await?;
    Ok(())
}
