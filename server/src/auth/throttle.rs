//! Sign-in throttling per account and per client address, kept in the database so every node
//! behind a load balancer counts the same failures.

use chrono::{DateTime, Duration, Utc};

use crate::config::ThrottleConfig;
use crate::db::{Db, Executor, Result, Sql};

#[derive(Debug, sqlx::FromRow)]
struct ThrottleRow {
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct Throttle {
    db: Db,
    config: ThrottleConfig,
}

/// What is counted: one e-mail address (whether or not it has an account), or one client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleKey {
    Account(String),
    Address(String),
}

impl ThrottleKey {
    fn as_key(&self) -> String {
        match self {
            ThrottleKey::Account(email) => format!("account:{email}"),
            ThrottleKey::Address(ip) => format!("ip:{ip}"),
        }
    }
}

impl Throttle {
    pub fn new(db: Db, config: ThrottleConfig) -> Self {
        Throttle { db, config }
    }

    fn max_for(&self, key: &ThrottleKey) -> i64 {
        match key {
            ThrottleKey::Account(_) => self.config.account_max_failures,
            ThrottleKey::Address(_) => self.config.ip_max_failures,
        }
    }

    async fn row(&self, key: &ThrottleKey) -> Result<Option<ThrottleRow>> {
        self.db
            .exec()
            .fetch_optional(Sql::new("SELECT locked_until FROM login_throttle WHERE key = $1").bind(key.as_key()))
            .await
    }

    /// How long until any of `keys` may try again, if one is locked now.
    pub async fn locked_for(&self, keys: &[ThrottleKey], now: DateTime<Utc>) -> Result<Option<Duration>> {
        let mut longest: Option<Duration> = None;
        for key in keys {
            if let Some(until) = self.row(key).await?.and_then(|r| r.locked_until).filter(|u| *u > now) {
                let left = until - now;
                longest = Some(longest.map_or(left, |l| l.max(left)));
            }
        }
        Ok(longest)
    }

    /// Counts one failure, atomically: concurrent failures each count. Locks the key once it
    /// reaches its maximum within the window.
    pub async fn record_failure(&self, key: &ThrottleKey, now: DateTime<Utc>) -> Result<()> {
        #[derive(sqlx::FromRow)]
        struct Count {
            failures: i64,
        }
        let window_start = now - Duration::minutes(self.config.window_minutes);
        let count: Count = self
            .db
            .exec()
            .fetch_one(
                Sql::new(
                    "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) VALUES ($1, 1, $2, NULL)
                     ON CONFLICT (key) DO UPDATE SET
                       failures = CASE WHEN login_throttle.window_started_at > $3 THEN login_throttle.failures + 1 ELSE 1 END,
                       window_started_at = CASE WHEN login_throttle.window_started_at > $3
                                                THEN login_throttle.window_started_at ELSE excluded.window_started_at END
                     RETURNING failures",
                )
                .bind(key.as_key())
                .bind(now)
                .bind(window_start),
            )
            .await?;
        if count.failures >= self.max_for(key) {
            // Locked: the count starts again once the lock has run out.
            self.db
                .exec()
                .execute(
                    Sql::new("UPDATE login_throttle SET failures = 0, window_started_at = $1, locked_until = $2 WHERE key = $3")
                        .bind(now)
                        .bind(now + Duration::minutes(self.config.lockout_minutes))
                        .bind(key.as_key()),
                )
                .await?;
        }
        Ok(())
    }

    /// Forgets keys whose window and lock have both run out, so made-up addresses do not pile up.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<u64> {
        let window_start = now - Duration::minutes(self.config.window_minutes);
        self.db
            .exec()
            .execute(
                Sql::new(
                    "DELETE FROM login_throttle WHERE window_started_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
                )
                .bind(window_start)
                .bind(now),
            )
            .await
    }

    /// A successful sign-in forgets the account's failures (the address keeps its count).
    pub async fn clear(&self, key: &ThrottleKey) -> Result<()> {
        self.db.exec().execute(Sql::new("DELETE FROM login_throttle WHERE key = $1").bind(key.as_key())).await?;
        Ok(())
    }
}

/// "Try again in 3 minutes": rounded up, never "0 minutes".
pub fn wait_message(left: Duration) -> String {
    let minutes = ((left.num_seconds() + 59) / 60).max(1);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Too many failed sign-in attempts. Try again in {minutes} {unit}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_message_rounds_up_to_whole_minutes() {
        assert_eq!(wait_message(Duration::seconds(61)), "Too many failed sign-in attempts. Try again in 2 minutes.");
        assert_eq!(wait_message(Duration::seconds(1)), "Too many failed sign-in attempts. Try again in 1 minute.");
    }
}
