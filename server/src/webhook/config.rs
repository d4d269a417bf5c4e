//! `[webhooks]`: the retry schedule, timeouts, which private networks may be reached, when a failing
//! endpoint is switched off, how long a rotated secret keeps signing.

use std::time::Duration;

use serde::Deserialize;

use super::ssrf::AllowList;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Run the dispatcher and the delivery worker in `serve`. Tests drain them themselves.
    pub enabled: bool,
    /// Wait before each retry, in seconds: the n-th entry follows the n-th failed attempt (±10% jitter).
    /// After the last one fails, the delivery is dead: `1 + len` attempts in all.
    pub retry_schedule_secs: Vec<u64>,
    /// Per request: connecting, sending and reading the answer.
    pub timeout_secs: u64,
    /// Hosts, addresses or CIDRs (`10.0.0.0/8`, `::1/128`, `hooks.internal`) that may be reached although
    /// private or loopback, and over plain `http`. Empty in production unless a receiver is in-house.
    pub allow_private_networks: Vec<String>,
    /// An endpoint whose deliveries have failed without a success for this long is disabled.
    pub disable_after_failing_secs: u64,
    /// … or after this many failed attempts in a row.
    pub disable_after_consecutive_failures: i64,
    /// Poll for due retries this often (a commit that queued an event wakes the worker at once).
    pub poll_interval_ms: u64,
    /// How long a claimed delivery stays ours; must outlast `timeout_secs`.
    pub lease_secs: u64,
    /// How long the secret in use before a rotation keeps signing messages.
    pub secret_overlap_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            enabled: true,
            retry_schedule_secs: vec![5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600],
            timeout_secs: 10,
            allow_private_networks: Vec::new(),
            disable_after_failing_secs: 5 * 24 * 3600,
            disable_after_consecutive_failures: 100,
            poll_interval_ms: 5000,
            lease_secs: 60,
            secret_overlap_secs: 24 * 3600,
        }
    }
}

/// The longest wait between two attempts, whatever a receiver's `Retry-After` asks for.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(10 * 3600);

impl WebhookConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.retry_schedule_secs.iter().any(|s| *s > MAX_RETRY_DELAY.as_secs()) {
            return Err("retry_schedule_secs: no wait may exceed 36000 seconds (10 hours)".into());
        }
        if self.retry_schedule_secs.len() > 20 {
            return Err("retry_schedule_secs: at most 20 retries".into());
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err("timeout_secs must be between 1 and 300".into());
        }
        if self.lease_secs <= self.timeout_secs {
            return Err(format!(
                "lease_secs ({}) must exceed timeout_secs ({}): a delivery in flight must not be claimed twice",
                self.lease_secs, self.timeout_secs
            ));
        }
        if self.disable_after_failing_secs == 0 || self.disable_after_consecutive_failures < 1 {
            return Err("disable_after_failing_secs and disable_after_consecutive_failures must be at least 1".into());
        }
        if self.poll_interval_ms < 10 {
            return Err("poll_interval_ms must be at least 10".into());
        }
        self.allow_list().map(|_| ())
    }

    pub fn allow_list(&self) -> Result<AllowList, String> {
        AllowList::parse(&self.allow_private_networks)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    pub fn max_attempts(&self) -> i64 {
        1 + self.retry_schedule_secs.len() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(WebhookConfig::default().validate().is_ok());
        assert_eq!(WebhookConfig::default().max_attempts(), 8);
        let long = WebhookConfig { retry_schedule_secs: vec![40_000], ..Default::default() };
        assert!(long.validate().unwrap_err().contains("retry_schedule_secs"));
        let lease = WebhookConfig { lease_secs: 10, ..Default::default() };
        assert!(lease.validate().unwrap_err().contains("lease_secs"));
        let allow = WebhookConfig { allow_private_networks: vec!["10.0.0.0/33".into()], ..Default::default() };
        assert!(allow.validate().unwrap_err().contains("10.0.0.0/33"));
    }
}
