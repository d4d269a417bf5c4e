//! A person's notifications (the bell and its list) and their e-mail preferences. Everything here is
//! the actor's own: another person's notification answers 404.

use chrono::{DateTime, Utc};

use app::model::{NotificationList, NotificationTopic, NotificationView, PreferenceView, PreferencesInput};
use app::ports::{Actor, NotificationPort};
use app::AppError;

use crate::db::{Db, Executor, Sql};
use crate::domain::internal;

/// The list shows this many; older ones stay in the database.
pub const LIST_LIMIT: i64 = 50;

pub struct NotificationService {
    pub db: Db,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    topic: String,
    title: String,
    body: String,
    link: String,
    read_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Checks the chosen topics against the role's own. Pure.
pub fn parse_preferences(
    input: &PreferencesInput,
    allowed: &[NotificationTopic],
) -> Result<Vec<(NotificationTopic, bool)>, AppError> {
    let mut chosen = Vec::new();
    for raw in &input.email {
        match NotificationTopic::parse(raw).filter(|t| allowed.contains(t)) {
            Some(topic) => chosen.push(topic),
            None => return Err(AppError::invalid("email", format!("{raw:?} is not a notification you receive."))),
        }
    }
    Ok(allowed.iter().map(|t| (*t, chosen.contains(t))).collect())
}

#[async_trait::async_trait]
impl NotificationPort for NotificationService {
    async fn list(&self, actor: &Actor) -> Result<NotificationList, AppError> {
        let rows: Vec<Row> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT id, topic, title, body, link, read_at, created_at FROM notification
                      WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(actor.user_id)
                .bind(LIST_LIMIT + 1),
            )
            .await
            .map_err(internal)?;
        let truncated = rows.len() as i64 > LIST_LIMIT;
        let items = rows
            .into_iter()
            .take(LIST_LIMIT as usize)
            .filter_map(|r| {
                Some(NotificationView {
                    topic: NotificationTopic::parse(&r.topic)?,
                    id: r.id,
                    title: r.title,
                    body: r.body,
                    link: r.link,
                    read: r.read_at.is_some(),
                    created_at: r.created_at,
                })
            })
            .collect();
        Ok(NotificationList { items, unread: self.unread_count(actor).await?, truncated })
    }

    async fn unread_count(&self, actor: &Actor) -> Result<i64, AppError> {
        #[derive(sqlx::FromRow)]
        struct Count {
            n: i64,
        }
        let count: Count = self
            .db
            .exec()
            .fetch_one(
                Sql::new("SELECT COUNT(*) AS n FROM notification WHERE user_id = $1 AND read_at IS NULL")
                    .bind(actor.user_id),
            )
            .await
            .map_err(internal)?;
        Ok(count.n)
    }

    async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> Result<(), AppError> {
        let mut sql =
            Sql::new("UPDATE notification SET read_at = $1 WHERE user_id = $2").bind(Utc::now()).bind(actor.user_id);
        if let Some(id) = id {
            // Already read stays read (and keeps its time); only someone else's is not found.
            let mine: Option<Row> = self
                .db
                .exec()
                .fetch_optional(
                    Sql::new(
                        "SELECT id, topic, title, body, link, read_at, created_at FROM notification WHERE id = $1 AND user_id = $2",
                    )
                    .bind(id)
                    .bind(actor.user_id),
                )
                .await
                .map_err(internal)?;
            if mine.is_none() {
                return Err(AppError::NotFound);
            }
            sql.push(" AND id = ?", [id.into()]);
        }
        sql.push(" AND read_at IS NULL", []);
        self.db.exec().execute(sql).await.map_err(internal)?;
        Ok(())
    }

    async fn preferences(&self, actor: &Actor) -> Result<Vec<PreferenceView>, AppError> {
        #[derive(sqlx::FromRow)]
        struct Pref {
            topic: String,
            email: bool,
        }
        let saved: Vec<Pref> = self
            .db
            .exec()
            .fetch_all(
                Sql::new("SELECT topic, email FROM notification_preference WHERE user_id = $1").bind(actor.user_id),
            )
            .await
            .map_err(internal)?;
        Ok(NotificationTopic::for_role(actor.role)
            .into_iter()
            .map(|topic| PreferenceView {
                topic,
                label: topic.label().to_string(),
                email: saved.iter().find(|p| p.topic == topic.as_str()).map_or(topic.email_by_default(), |p| p.email),
            })
            .collect())
    }

    async fn set_preferences(&self, actor: &Actor, input: PreferencesInput) -> Result<(), AppError> {
        let choices = parse_preferences(&input, &NotificationTopic::for_role(actor.role))?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        tx.execute(Sql::new("DELETE FROM notification_preference WHERE user_id = $1").bind(actor.user_id))
            .await
            .map_err(internal)?;
        for (topic, email) in choices {
            tx.execute(
                Sql::new("INSERT INTO notification_preference (user_id, topic, email) VALUES ($1, $2, $3)")
                    .bind(actor.user_id)
                    .bind(topic.as_str())
                    .bind(email),
            )
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Role;

    #[test]
    fn unchecked_topics_are_switched_off() {
        let allowed = NotificationTopic::for_role(Role::SupplierUser);
        let input = PreferencesInput { email: vec!["new_po".into()], form: None };
        let choices = parse_preferences(&input, &allowed).unwrap();
        assert_eq!(choices.len(), allowed.len());
        assert!(choices.contains(&(NotificationTopic::NewPo, true)));
        assert!(choices.contains(&(NotificationTopic::PoRevised, false)));
    }

    #[test]
    fn a_topic_of_the_other_side_or_unknown_is_refused() {
        let allowed = NotificationTopic::for_role(Role::SupplierUser);
        for bad in ["asn_received", "everything"] {
            let err =
                parse_preferences(&PreferencesInput { email: vec![bad.into()], form: None }, &allowed).unwrap_err();
            assert!(err.field_message("email").unwrap().contains(bad), "{bad}");
        }
    }
}
