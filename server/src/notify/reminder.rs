//! The reminder before the acknowledgement SLA runs out: once per PO and waiting period, queued as a
//! `po.ack_reminder` event so it reaches people like every other notification.

use chrono::{DateTime, Duration, Utc};

use crate::db::{Db, DbError, Executor, Sql};
use crate::domain::event::{self, NewEvent};

/// When the reminder is due: from `hours_before` the deadline until the deadline itself. Pure.
pub fn due_window(
    received_at: DateTime<Utc>,
    sla_hours: i64,
    hours_before: i64,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let deadline = received_at + Duration::hours(sla_hours);
    (now >= deadline - Duration::hours(hours_before) && now < deadline).then_some(deadline)
}

#[derive(sqlx::FromRow)]
struct Waiting {
    id: i64,
    supplier_id: i64,
    number: String,
    received_at: DateTime<Utc>,
    ack_sla_hours: i64,
}

/// Queues the reminders now due; answers how many. Safe on several nodes: a PO is claimed by the
/// update that marks it reminded.
pub async fn queue_due(db: &Db, hours_before: i64, now: DateTime<Utc>) -> Result<usize, DbError> {
    let waiting: Vec<Waiting> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT po.id, po.supplier_id, po.number, po.received_at, s.ack_sla_hours
                   FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id
                  WHERE po.state = 'purchase' AND po.ack_state IN ('pending', 'reconfirm')
                    AND po.ack_reminder_sent_at IS NULL AND po.received_at >= $1",
            )
            // SLAs are hours or days: a PO older than this is long overdue, not due for a reminder.
            .bind(now - Duration::days(60)),
        )
        .await?;
    let mut queued = 0;
    for po in waiting {
        let Some(deadline) = due_window(po.received_at, po.ack_sla_hours, hours_before, now) else {
            continue;
        };
        let mut tx = db.begin().await?;
        let claimed = tx
            .execute(
                Sql::new(
                    "UPDATE purchase_order SET ack_reminder_sent_at = $1 WHERE id = $2 AND ack_reminder_sent_at IS NULL",
                )
                .bind(now)
                .bind(po.id),
            )
            .await?;
        if claimed == 1 {
            event::emit(
                &mut tx,
                NewEvent {
                    event_type: "po.ack_reminder",
                    aggregate: ("purchase_order", po.id),
                    supplier_id: Some(po.supplier_id),
                    payload: serde_json::json!({
                        "purchase_order_id": po.id, "number": po.number,
                        "due_at": deadline.format("%Y-%m-%d %H:%M").to_string(),
                    }),
                    destinations: &[],
                },
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_reminder_falls_due_in_the_last_hours_before_the_deadline() {
        let received = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        let at = |h: i64, m: i64| received + Duration::hours(h) + Duration::minutes(m);
        // 24 h SLA, 4 h before: due from 04:00 the next day until 08:00.
        assert_eq!(due_window(received, 24, 4, at(19, 59)), None);
        assert_eq!(due_window(received, 24, 4, at(20, 0)), Some(at(24, 0)));
        assert_eq!(due_window(received, 24, 4, at(23, 59)), Some(at(24, 0)));
        assert_eq!(due_window(received, 24, 4, at(24, 0)), None, "overdue is not a reminder");
    }

    #[test]
    fn a_short_sla_is_reminded_at_once() {
        let received = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        assert!(due_window(received, 2, 4, received).is_some());
    }
}
