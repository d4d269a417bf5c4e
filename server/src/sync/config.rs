//! How the sync runs: the worker's timing, retries, and the tier of each flow (README "Configuration", `[sync.tiers]`).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use serde::Deserialize;

/// When a flow's work is done: at once (the worker is woken by the commit), every N seconds, or once
/// a day at a UTC time. Written `realtime`, `interval:30`, `batch:02:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Realtime,
    Interval(Duration),
    Batch(NaiveTime),
}

impl FromStr for Tier {
    type Err = String;
    fn from_str(text: &str) -> Result<Tier, String> {
        let text = text.trim();
        if text == "realtime" {
            return Ok(Tier::Realtime);
        }
        if let Some(secs) = text.strip_prefix("interval:") {
            let secs: u64 =
                secs.parse().map_err(|_| format!("{text:?}: interval needs whole seconds, e.g. interval:30"))?;
            if secs == 0 {
                return Err(format!("{text:?}: the interval must be at least 1 second"));
            }
            return Ok(Tier::Interval(Duration::from_secs(secs)));
        }
        if let Some(at) = text.strip_prefix("batch:") {
            let time = NaiveTime::parse_from_str(at, "%H:%M")
                .map_err(|_| format!("{text:?}: batch needs a UTC time of day, e.g. batch:02:00"))?;
            return Ok(Tier::Batch(time));
        }
        Err(format!("{text:?}: use realtime, interval:<seconds> or batch:<HH:MM>"))
    }
}

impl<'de> Deserialize<'de> for Tier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Tier, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Tier {
    /// Whether work queued for this flow may run at `now`, given when the flow last ran.
    pub fn is_due(&self, last_run: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (self, last_run) {
            (Tier::Realtime, _) | (_, None) => true,
            (Tier::Interval(every), Some(last)) => now - last >= chrono::Duration::from_std(*every).unwrap_or_default(),
            (Tier::Batch(at), Some(last)) => {
                let today = now.date_naive().and_time(*at).and_utc();
                let slot = if today <= now { today } else { today - chrono::Duration::days(1) };
                last < slot
            }
        }
    }
}

/// The flows whose timing is configured separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    Acknowledgement,
    Asn,
    LeadTime,
    Quality,
    PoPull,
    MoPull,
}

impl Flow {
    pub const ALL: [Flow; 6] =
        [Flow::Acknowledgement, Flow::Asn, Flow::LeadTime, Flow::Quality, Flow::PoPull, Flow::MoPull];

    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Acknowledgement => "acknowledgement",
            Flow::Asn => "asn",
            Flow::LeadTime => "lead_time",
            Flow::Quality => "quality",
            Flow::PoPull => "po_pull",
            Flow::MoPull => "mo_pull",
        }
    }

    /// The outbound flow an event belongs to (`None`: the event is not pushed to Odoo).
    pub fn of_event(event_type: &str) -> Option<Flow> {
        match event_type.split('.').next()? {
            "po" => Some(Flow::Acknowledgement),
            "asn" => Some(Flow::Asn),
            "leadtime" => Some(Flow::LeadTime),
            "quality_hold" => Some(Flow::Quality),
            _ => None,
        }
    }

    /// Event-type prefixes of this flow, for the worker's claim filter.
    pub fn event_prefix(self) -> &'static str {
        match self {
            Flow::Acknowledgement => "po.",
            Flow::Asn => "asn.",
            Flow::LeadTime => "leadtime.",
            Flow::Quality => "quality_hold.",
            Flow::PoPull | Flow::MoPull => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierConfig {
    pub acknowledgement: Tier,
    pub asn: Tier,
    pub lead_time: Tier,
    pub quality: Tier,
    /// Pull of POs from Odoo (Tier 2). Odoo's webhooks (Tier 1) trigger targeted reads regardless.
    pub po_pull: Tier,
    /// Pull of manufacturing-order demand under the planning key (the exception queue's MOs).
    pub mo_pull: Tier,
}

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig {
            acknowledgement: Tier::Realtime,
            asn: Tier::Realtime,
            lead_time: Tier::Realtime,
            quality: Tier::Realtime,
            po_pull: Tier::Interval(Duration::from_secs(30)),
            mo_pull: Tier::Interval(Duration::from_secs(300)),
        }
    }
}

impl TierConfig {
    pub fn of(&self, flow: Flow) -> Tier {
        match flow {
            Flow::Acknowledgement => self.acknowledgement,
            Flow::Asn => self.asn,
            Flow::LeadTime => self.lead_time,
            Flow::Quality => self.quality,
            Flow::PoPull => self.po_pull,
            Flow::MoPull => self.mo_pull,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Run the outbox worker and the pullers on this node (every node may; leases keep them apart).
    pub enabled: bool,
    /// The worker also looks for due rows this often, in case a wake-up was missed (another node's commit).
    pub poll_interval_ms: u64,
    /// How long a claimed row stays with its worker; longer than the Odoo request timeout.
    pub lease_secs: u64,
    /// Pushes in flight at once (rows of one PO always go one after another).
    pub concurrency: usize,
    /// Attempts before a retryable failure becomes a dead letter.
    pub max_attempts: i64,
    pub backoff_base_ms: u64,
    pub backoff_cap_secs: u64,
    /// Odoo's `write_date` has whole seconds over RPC: each pull re-reads this far back.
    pub pull_overlap_secs: i64,
    /// Records per page of a pull.
    pub pull_page_size: usize,
    /// The full comparison with Odoo (Tier 3).
    pub reconcile: Tier,
    /// Odoo requests that take longer are abandoned (and retried: the push is idempotent).
    pub request_timeout_secs: u64,
    /// Speak JSON-RPC even to an Odoo that has JSON-2.
    pub force_jsonrpc: bool,
    /// Webhook hints accepted per connection per minute; more answer 429.
    pub webhook_rate_per_minute: u32,
    /// Wait before reading a hinted record: Odoo 17/18 call the webhook before they commit.
    pub hint_delay_ms: u64,
    pub tiers: TierConfig,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            enabled: true,
            poll_interval_ms: 5_000,
            lease_secs: 120,
            concurrency: 4,
            max_attempts: 10,
            backoff_base_ms: 1_000,
            backoff_cap_secs: 600,
            pull_overlap_secs: 2,
            pull_page_size: 200,
            reconcile: Tier::Batch(NaiveTime::from_hms_opt(2, 0, 0).expect("a valid time")),
            request_timeout_secs: 60,
            force_jsonrpc: false,
            webhook_rate_per_minute: 600,
            hint_delay_ms: 1_000,
            tiers: TierConfig::default(),
        }
    }
}

impl SyncConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.concurrency == 0 {
            return Err("sync.concurrency must be at least 1".into());
        }
        if self.max_attempts < 1 {
            return Err("sync.max_attempts must be at least 1".into());
        }
        if self.lease_secs <= self.request_timeout_secs {
            return Err(format!(
                "sync.lease_secs ({}) must exceed sync.request_timeout_secs ({}), or two workers could push one row",
                self.lease_secs, self.request_timeout_secs
            ));
        }
        if self.pull_page_size == 0 {
            return Err("sync.pull_page_size must be at least 1".into());
        }
        Ok(())
    }

    /// Exponential backoff with jitter (half fixed, half random) for the `attempt`-th failure,
    /// never less than what Odoo's proxy asked for, never more than the cap.
    pub fn backoff(&self, attempt: i64, retry_after: Option<Duration>, random: f64) -> Duration {
        let cap = Duration::from_secs(self.backoff_cap_secs);
        let exp = self.backoff_base_ms.saturating_mul(1u64 << attempt.clamp(0, 30) as u32);
        let ceiling = Duration::from_millis(exp).min(cap);
        let jittered = ceiling.mul_f64(0.5 + 0.5 * random.clamp(0.0, 1.0));
        jittered.max(retry_after.unwrap_or_default()).min(cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tiers_parse_from_their_written_form() {
        assert_eq!("realtime".parse::<Tier>(), Ok(Tier::Realtime));
        assert_eq!("interval:30".parse::<Tier>(), Ok(Tier::Interval(Duration::from_secs(30))));
        assert_eq!("batch:02:30".parse::<Tier>(), Ok(Tier::Batch(NaiveTime::from_hms_opt(2, 30, 0).unwrap())));
        assert!("interval:0".parse::<Tier>().unwrap_err().contains("at least 1"));
        assert!("batch:25:00".parse::<Tier>().is_err());
        assert!("hourly".parse::<Tier>().unwrap_err().contains("realtime"));
    }

    #[test]
    fn a_tier_is_due_by_its_schedule() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let ago = |s| Some(now - chrono::Duration::seconds(s));
        assert!(Tier::Realtime.is_due(ago(0), now));
        let every_minute = Tier::Interval(Duration::from_secs(60));
        assert!(!every_minute.is_due(ago(59), now));
        assert!(every_minute.is_due(ago(60), now));
        assert!(every_minute.is_due(None, now));
        let nightly = Tier::Batch(NaiveTime::from_hms_opt(2, 0, 0).unwrap());
        assert!(!nightly.is_due(Some(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 1).unwrap()), now));
        assert!(nightly.is_due(Some(Utc.with_ymd_and_hms(2026, 11, 29, 23, 0, 0).unwrap()), now));
        let before_slot = Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap();
        assert!(!nightly.is_due(Some(Utc.with_ymd_and_hms(2026, 11, 29, 2, 30, 0).unwrap()), before_slot));
    }

    #[test]
    fn backoff_grows_is_jittered_capped_and_honours_retry_after() {
        let config = SyncConfig { backoff_base_ms: 1000, backoff_cap_secs: 60, ..SyncConfig::default() };
        assert_eq!(config.backoff(0, None, 1.0), Duration::from_secs(1));
        assert_eq!(config.backoff(0, None, 0.0), Duration::from_millis(500));
        assert_eq!(config.backoff(3, None, 1.0), Duration::from_secs(8));
        assert_eq!(config.backoff(20, None, 1.0), Duration::from_secs(60));
        assert_eq!(config.backoff(0, Some(Duration::from_secs(7)), 0.0), Duration::from_secs(7));
        assert_eq!(config.backoff(0, Some(Duration::from_secs(3600)), 0.0), Duration::from_secs(60));
    }

    #[test]
    fn a_lease_shorter_than_the_request_timeout_is_refused() {
        let config = SyncConfig { lease_secs: 30, request_timeout_secs: 60, ..SyncConfig::default() };
        assert!(config.validate().unwrap_err().contains("lease_secs"));
        assert!(SyncConfig::default().validate().is_ok());
    }

    #[test]
    fn events_belong_to_flows() {
        assert_eq!(Flow::of_event("po.acknowledged"), Some(Flow::Acknowledgement));
        assert_eq!(Flow::of_event("leadtime.decided"), Some(Flow::LeadTime));
        assert_eq!(Flow::of_event("asn.submitted"), Some(Flow::Asn));
        assert_eq!(Flow::of_event("user.invited"), None);
    }
}
