//! Fault injection, switchable at run time through [`Faults`] or `POST /__sim/faults`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Every one of Odoo's 5 tries hits a serialization failure: JSON-2 500 / JSON-RPC
    /// `psycopg2.errors.SerializationFailure`. On 17/18 each try re-sends the webhooks.
    SerializationFailure,
    /// The first try fails and the retry succeeds (the call is applied once; 17/18 webhooks are duplicated).
    TransientSerializationFailure,
    /// A front proxy's `429 Too Many Requests` with `Retry-After`; nothing applied.
    TooManyRequests,
    /// A front proxy's `502 Bad Gateway` HTML page; nothing applied.
    BadGateway,
    /// A front proxy's `504 Gateway Time-out` HTML page; nothing applied.
    GatewayTimeout,
    /// Sleep `timeout_ms` (longer than any client timeout), then answer 504; nothing applied.
    Timeout,
    /// Applied and committed, then the connection is dropped without a response.
    LostResponse,
    /// Applied and committed, then a proxy 504 is returned instead of the answer.
    LostResponse504,
}

impl FaultKind {
    /// Faults decided before the call reaches Odoo (nothing is applied).
    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            FaultKind::TooManyRequests | FaultKind::BadGateway | FaultKind::GatewayTimeout | FaultKind::Timeout
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownMode {
    /// Connections are closed without any response.
    Closed,
    /// `503 Service Unavailable` from the proxy.
    Unavailable,
}

/// "Fail the next `count` calls" (optionally only calls to `model` / `method`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DownSpec {
    pub mode: DownMode,
    /// None: until switched back (`{"up": true}` or [`Faults::set_up`]).
    #[serde(default)]
    pub seconds: Option<u64>,
}

/// Body of `POST /__sim/faults`: every key optional; `clear` resets everything first.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FaultUpdate {
    #[serde(default)]
    pub clear: bool,
    pub latency_ms: Option<u64>,
    pub seed: Option<u64>,
    pub rates: Option<BTreeMap<FaultKind, f64>>,
    pub fail_next: Option<Vec<FaultRule>>,
    pub down: Option<DownSpec>,
    #[serde(default)]
    pub up: bool,
    pub timeout_ms: Option<u64>,
    pub retry_after_secs: Option<u64>,
}

struct State {
    latency_ms: u64,
    seed: Option<u64>,
    rng: StdRng,
    rates: BTreeMap<FaultKind, f64>,
    queue: VecDeque<FaultRule>,
    down: Option<(DownMode, Option<Instant>)>,
    timeout_ms: u64,
    retry_after_secs: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            latency_ms: 0,
            seed: None,
            rng: StdRng::from_entropy(),
            rates: BTreeMap::new(),
            queue: VecDeque::new(),
            down: None,
            timeout_ms: 120_000,
            retry_after_secs: 5,
        }
    }
}

/// Handle on the simulator's fault settings (cheap to clone; shared with `/__sim/faults`).
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_latency(&self, ms: u64) {
        self.lock().latency_ms = ms;
    }

    /// Make rate-based faults reproducible.
    pub fn set_seed(&self, seed: u64) {
        let mut s = self.lock();
        s.seed = Some(seed);
        s.rng = StdRng::seed_from_u64(seed);
    }

    /// Probability (0..=1) that a call meets `kind`.
    pub fn set_rate(&self, kind: FaultKind, rate: f64) {
        let mut s = self.lock();
        if rate <= 0.0 {
            s.rates.remove(&kind);
        } else {
            s.rates.insert(kind, rate.min(1.0));
        }
    }

    /// The next `count` RPC calls meet `kind`.
    pub fn fail_next(&self, kind: FaultKind, count: u32) {
        self.fail_next_matching(kind, count, None, None);
    }

    /// The next `count` calls to `model`/`method` (None = any) meet `kind`.
    pub fn fail_next_matching(&self, kind: FaultKind, count: u32, model: Option<&str>, method: Option<&str>) {
        self.lock().queue.push_back(FaultRule {
            kind,
            count,
            model: model.map(str::to_string),
            method: method.map(str::to_string),
        });
    }

    /// Go down for `duration` (None: until [`Faults::set_up`]).
    pub fn set_down(&self, mode: DownMode, duration: Option<Duration>) {
        self.lock().down = Some((mode, duration.map(|d| Instant::now() + d)));
    }

    pub fn set_up(&self) {
        self.lock().down = None;
    }

    /// How long a `Timeout` fault sleeps before answering.
    pub fn set_timeout_sleep(&self, d: Duration) {
        self.lock().timeout_ms = d.as_millis() as u64;
    }

    pub fn set_retry_after(&self, secs: u64) {
        self.lock().retry_after_secs = secs;
    }

    pub fn clear(&self) {
        *self.lock() = State::default();
    }

    pub fn apply(&self, u: FaultUpdate) {
        if u.clear {
            self.clear();
        }
        if let Some(ms) = u.latency_ms {
            self.set_latency(ms);
        }
        if let Some(seed) = u.seed {
            self.set_seed(seed);
        }
        if let Some(rates) = u.rates {
            for (k, r) in rates {
                self.set_rate(k, r);
            }
        }
        for r in u.fail_next.unwrap_or_default() {
            self.lock().queue.push_back(r);
        }
        if let Some(d) = u.down {
            self.set_down(d.mode, d.seconds.map(Duration::from_secs));
        }
        if u.up {
            self.set_up();
        }
        if let Some(ms) = u.timeout_ms {
            self.lock().timeout_ms = ms;
        }
        if let Some(s) = u.retry_after_secs {
            self.set_retry_after(s);
        }
    }

    pub fn snapshot(&self) -> Value {
        let s = self.lock();
        let down = s.down.map(|(mode, until)| {
            json!({"mode": mode, "remaining_secs": until.map(|u| u.saturating_duration_since(Instant::now()).as_secs_f64())})
        });
        json!({
            "latency_ms": s.latency_ms,
            "seed": s.seed,
            "rates": s.rates,
            "fail_next": s.queue,
            "down": down,
            "timeout_ms": s.timeout_ms,
            "retry_after_secs": s.retry_after_secs,
        })
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.lock().latency_ms)
    }

    pub fn timeout_sleep(&self) -> Duration {
        Duration::from_millis(self.lock().timeout_ms)
    }

    pub fn retry_after(&self) -> u64 {
        self.lock().retry_after_secs
    }

    /// Current down window, expiring it when its time has passed.
    pub fn down_mode(&self) -> Option<DownMode> {
        let mut s = self.lock();
        match s.down {
            Some((_, Some(until))) if Instant::now() >= until => {
                s.down = None;
                None
            }
            Some((mode, _)) => Some(mode),
            None => None,
        }
    }

    /// Decide the fault (if any) for one call: queued rules first, then rates in a fixed order.
    /// Model-level faults (serialization, lost response) only apply to `object_call`s (ORM calls).
    pub fn decide(&self, model: &str, method: &str, object_call: bool) -> Option<FaultKind> {
        let mut s = self.lock();
        let pos = s.queue.iter().position(|r| {
            (object_call || r.kind.is_proxy())
                && r.model.as_deref().is_none_or(|m| m == model)
                && r.method.as_deref().is_none_or(|m| m == method)
        });
        if let Some(i) = pos {
            let kind = s.queue[i].kind;
            s.queue[i].count = s.queue[i].count.saturating_sub(1);
            if s.queue[i].count == 0 {
                s.queue.remove(i);
            }
            return Some(kind);
        }
        let rates: Vec<(FaultKind, f64)> = s.rates.iter().map(|(k, r)| (*k, *r)).collect();
        for (kind, rate) in rates.into_iter().filter(|(k, _)| object_call || k.is_proxy()) {
            if s.rng.gen_bool(rate) {
                return Some(kind);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_rules_apply_in_order_and_by_target() {
        let f = Faults::default();
        f.fail_next_matching(FaultKind::BadGateway, 1, Some("purchase.order"), Some("write"));
        f.fail_next(FaultKind::TooManyRequests, 2);
        assert_eq!(f.decide("purchase.order", "write", true), Some(FaultKind::BadGateway));
        assert_eq!(f.decide("stock.picking", "read", true), Some(FaultKind::TooManyRequests));
        assert_eq!(f.decide("stock.picking", "read", true), Some(FaultKind::TooManyRequests));
        assert_eq!(f.decide("stock.picking", "read", true), None);
    }

    #[test]
    fn seeded_rates_are_reproducible() {
        let run = || {
            let f = Faults::default();
            f.set_seed(42);
            f.set_rate(FaultKind::BadGateway, 0.5);
            (0..32).map(|_| f.decide("m", "x", true).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }
}
