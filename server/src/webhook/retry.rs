//! When to try a failed delivery again: the configured schedule with ±10% jitter, and a receiver's
//! `Retry-After` (on 429, 502, 503, 504) honoured but kept within [the scheduled wait, 10 hours].

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::config::MAX_RETRY_DELAY;

/// The scheduled wait after failed attempt number `attempt` (1-based), jittered by `random` in [0, 1]
/// (±10%); `None` when the schedule is spent (the delivery is dead).
pub fn scheduled_delay(schedule_secs: &[u64], attempt: i64, random: f64) -> Option<Duration> {
    let index = usize::try_from(attempt - 1).ok()?;
    let base = Duration::from_secs(*schedule_secs.get(index)?);
    let factor = 0.9 + 0.2 * random.clamp(0.0, 1.0);
    Some(base.mul_f64(factor).min(MAX_RETRY_DELAY))
}

/// Statuses whose `Retry-After` we honour.
pub fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// A `Retry-After` value: delay seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before the next attempt: the scheduled one, lengthened to what the receiver asked for, at
/// most 10 hours (and never shorter than scheduled).
pub fn retry_delay(scheduled: Duration, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(asked) => asked.min(MAX_RETRY_DELAY).max(scheduled),
        None => scheduled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_schedule_is_followed_with_ten_percent_jitter_then_ends() {
        let schedule = [5, 300, 1800];
        assert_eq!(scheduled_delay(&schedule, 1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(scheduled_delay(&schedule, 1, 0.0), Some(Duration::from_millis(4500)));
        assert_eq!(scheduled_delay(&schedule, 1, 1.0), Some(Duration::from_millis(5500)));
        assert_eq!(scheduled_delay(&schedule, 2, 0.5), Some(Duration::from_secs(300)));
        assert_eq!(scheduled_delay(&schedule, 3, 1.0), Some(Duration::from_secs(1980)));
        assert_eq!(scheduled_delay(&schedule, 4, 0.5), None, "after the last retry: dead");
        assert_eq!(scheduled_delay(&schedule, 0, 0.5), None);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date() {
        let now = Utc.with_ymd_and_hms(2015, 10, 21, 7, 0, 0).unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(28 * 60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 06:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert!(honours_retry_after(429) && honours_retry_after(503) && !honours_retry_after(500));
    }

    #[test]
    fn retry_after_is_clamped_between_the_schedule_and_ten_hours() {
        let scheduled = Duration::from_secs(300);
        assert_eq!(retry_delay(scheduled, None), scheduled);
        assert_eq!(retry_delay(scheduled, Some(Duration::from_secs(10))), scheduled, "never sooner");
        assert_eq!(retry_delay(scheduled, Some(Duration::from_secs(900))), Duration::from_secs(900));
        assert_eq!(retry_delay(scheduled, Some(Duration::from_secs(86_400))), Duration::from_secs(36_000));
    }
}
