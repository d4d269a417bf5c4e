//! Sign-in throttling per account and per client address, kept in the database so every node
//! behind a load balancer counts the same failures.

use chrono::{DateTime, Duration, Utc};

use crate::config::ThrottleConfig;
use crate::db::{Db, Executor, Result, Sql};

#[derive(Debug, sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    window_started_at: DateTime<Utc>,
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

/// The next state of a key after one more failure: pure, so the policy is tested without a database.
fn after_failure(row: Option<&ThrottleRow>, max: i64, config: &ThrottleConfig, now: DateTime<Utc>) -> ThrottleRow {
    let window = Duration::minutes(config.window_minutes);
    let failures = match row {
        Some(r) if now - r.window_started_at < window => r.failures + 1,
        _ => 1,
    };
    let window_started_at = match row {
        Some(r) if now - r.window_started_at < window => r.window_started_at,
        _ => now,
    };
    if failures >= max {
        // Locked: the count starts again once the lock has run out.
        ThrottleRow {
            failures: 0,
            window_started_at: now,
            locked_until: Some(now + Duration::minutes(config.lockout_minutes)),
        }
    } else {
        ThrottleRow { failures, window_started_at, locked_until: row.and_then(|r| r.locked_until) }
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
            .fetch_optional(
                Sql::new("SELECT failures, window_started_at, locked_until FROM login_throttle WHERE key = $1")
                    .bind(key.as_key()),
            )
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

    pub async fn record_failure(&self, key: &ThrottleKey, now: DateTime<Utc>) -> Result<()> {
        let next = after_failure(self.row(key).await?.as_ref(), self.max_for(key), &self.config, now);
        self.db
            .exec()
            .execute(
                Sql::new(
                    "INSERT INTO login_throttle (key, failures, window_started_at, locked_until) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                       window_started_at = excluded.window_started_at, locked_until = excluded.locked_until",
                )
                .bind(key.as_key())
                .bind(next.failures)
                .bind(next.window_started_at)
                .bind(next.locked_until),
            )
            .await?;
        Ok(())
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

    fn cfg() -> ThrottleConfig {
        ThrottleConfig { account_max_failures: 3, ip_max_failures: 10, window_minutes: 15, lockout_minutes: 15 }
    }

    #[test]
    fn locks_after_the_maximum_within_the_window() {
        let now = Utc::now();
        let c = cfg();
        let one = after_failure(None, 3, &c, now);
        let two = after_failure(Some(&one), 3, &c, now + Duration::minutes(1));
        assert_eq!((two.failures, two.locked_until), (2, None));
        let three = after_failure(Some(&two), 3, &c, now + Duration::minutes(2));
        assert_eq!(three.locked_until, Some(now + Duration::minutes(17)));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let now = Utc::now();
        let c = cfg();
        let two = after_failure(Some(&after_failure(None, 3, &c, now)), 3, &c, now);
        let later = after_failure(Some(&two), 3, &c, now + Duration::minutes(16));
        assert_eq!((later.failures, later.locked_until), (1, None));
    }

    #[test]
    fn wait_message_rounds_up_to_whole_minutes() {
        assert_eq!(wait_message(Duration::seconds(61)), "Too many failed sign-in attempts. Try again in 2 minutes.");
        assert_eq!(wait_message(Duration::seconds(1)), "Too many failed sign-in attempts. Try again in 1 minute.");
    }
}
