//! Request rate limits per credential and per client address: a token bucket per key that refills
//! evenly over the window. Limits are per node (each node keeps its own buckets in memory).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};

/// The verdict for one request, with what the RateLimit headers report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds until the next request would be allowed (when refused).
    pub retry_after_secs: u64,
    pub window_secs: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Clone)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

/// Above this many keys, buckets that have refilled completely are dropped.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter { limit: limit.max(1), window, buckets: Arc::new(Mutex::new(HashMap::new())) }
    }

    pub fn check(&self, key: &str) -> Decision {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Decision {
        let capacity = f64::from(self.limit);
        let per_sec = capacity / self.window.as_secs_f64().max(0.001);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            let window = self.window;
            buckets.retain(|_, b| now.duration_since(b.updated) < window);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { tokens: capacity, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_sec).min(capacity);
        bucket.updated = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let retry_after = if allowed { 0.0 } else { (1.0 - bucket.tokens) / per_sec };
        Decision {
            allowed,
            limit: self.limit,
            remaining: bucket.tokens.floor().max(0.0) as u32,
            reset_secs: ((capacity - bucket.tokens) / per_sec).ceil() as u64,
            retry_after_secs: retry_after.ceil().max(if allowed { 0.0 } else { 1.0 }) as u64,
            window_secs: self.window.as_secs(),
        }
    }
}

impl Decision {
    /// The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers), plus the older
    /// `RateLimit-Limit/-Remaining/-Reset` trio many clients still read, and `Retry-After` on a 429.
    pub fn write_headers(&self, policy: &str, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: String| {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        };
        set("ratelimit-policy", format!("\"{policy}\";q={};w={}", self.limit, self.window_secs));
        set("ratelimit", format!("\"{policy}\";r={};t={}", self.remaining, self.reset_secs));
        set("ratelimit-limit", self.limit.to_string());
        set("ratelimit-remaining", self.remaining.to_string());
        set("ratelimit-reset", self.reset_secs.to_string());
        if !self.allowed {
            set("retry-after", self.retry_after_secs.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_empties_then_refills_over_the_window() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let verdicts: Vec<bool> = (0..4).map(|_| limiter.check_at("k", start).allowed).collect();
        assert_eq!(verdicts, [true, true, true, false]);
        let refused = limiter.check_at("k", start);
        assert_eq!(refused.retry_after_secs, 20, "one request per 20 s refills");
        assert!(!limiter.check_at("k", start + Duration::from_secs(19)).allowed);
        assert!(limiter.check_at("k", start + Duration::from_secs(21)).allowed);
    }

    #[test]
    fn keys_do_not_share_buckets() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let now = Instant::now();
        assert!(limiter.check_at("a", now).allowed);
        assert!(!limiter.check_at("a", now).allowed);
        assert!(limiter.check_at("b", now).allowed);
    }

    #[test]
    fn headers_report_the_policy_and_what_is_left() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let now = Instant::now();
        let d = limiter.check_at("k", now);
        let mut headers = HeaderMap::new();
        d.write_headers("token", &mut headers);
        assert_eq!(headers["ratelimit-policy"], "\"token\";q=2;w=60");
        assert_eq!(headers["ratelimit-remaining"], "1");
        assert!(headers.get("retry-after").is_none());
        limiter.check_at("k", now);
        let refused = limiter.check_at("k", now);
        let mut headers = HeaderMap::new();
        refused.write_headers("token", &mut headers);
        assert_eq!(headers["retry-after"], "30");
        assert_eq!(headers["ratelimit"], "\"token\";r=0;t=60");
    }
}
