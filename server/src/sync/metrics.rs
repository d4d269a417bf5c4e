//! Sync counters for Prometheus `/metrics`: pushes, failures by kind and supplier, latency, dead
//! letters, webhook hints, pulls. Queue depth is read from the database when scraped.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Push latency buckets in seconds (Prometheus histogram, cumulative).
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
pub struct SyncMetrics {
    inner: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    pushes: BTreeMap<i64, u64>,
    failures: BTreeMap<(i64, &'static str), u64>,
    dead_letters: BTreeMap<i64, u64>,
    latency_buckets: [u64; BUCKETS.len()],
    latency_sum: f64,
    latency_count: u64,
    webhook_hints: BTreeMap<&'static str, u64>,
    pulled: BTreeMap<&'static str, u64>,
}

impl SyncMetrics {
    pub fn observe_push(&self, supplier: i64, elapsed: Duration, failure: Option<&'static str>) {
        let mut c = self.inner.lock().expect("metrics lock");
        *c.pushes.entry(supplier).or_default() += 1;
        if let Some(kind) = failure {
            *c.failures.entry((supplier, kind)).or_default() += 1;
        }
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                c.latency_buckets[i] += 1;
            }
        }
        c.latency_sum += secs;
        c.latency_count += 1;
    }

    pub fn dead_letter(&self, supplier: i64) {
        *self.inner.lock().expect("metrics lock").dead_letters.entry(supplier).or_default() += 1;
    }

    /// `outcome`: accepted, unknown_secret, rate_limited, bad_payload.
    pub fn webhook_hint(&self, outcome: &'static str) {
        *self.inner.lock().expect("metrics lock").webhook_hints.entry(outcome).or_default() += 1;
    }

    pub fn pulled(&self, model: &'static str, records: u64) {
        *self.inner.lock().expect("metrics lock").pulled.entry(model).or_default() += records;
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let c = self.inner.lock().expect("metrics lock");
        let _ = writeln!(out, "# HELP supplyline_odoo_pushes_total Pushes to Odoo attempted, by supplier.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_pushes_total counter");
        for (supplier, n) in &c.pushes {
            let _ = writeln!(out, "supplyline_odoo_pushes_total{{supplier=\"{supplier}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP supplyline_odoo_push_failures_total Failed pushes, by supplier and kind.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_push_failures_total counter");
        for ((supplier, kind), n) in &c.failures {
            let _ = writeln!(out, "supplyline_odoo_push_failures_total{{supplier=\"{supplier}\",kind=\"{kind}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP supplyline_odoo_dead_letters_total Pushes parked as dead letters, by supplier.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_dead_letters_total counter");
        for (supplier, n) in &c.dead_letters {
            let _ = writeln!(out, "supplyline_odoo_dead_letters_total{{supplier=\"{supplier}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP supplyline_odoo_push_seconds Time to push one outbox row to Odoo.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_push_seconds histogram");
        for (bound, n) in BUCKETS.iter().zip(c.latency_buckets.iter()) {
            let _ = writeln!(out, "supplyline_odoo_push_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "supplyline_odoo_push_seconds_bucket{{le=\"+Inf\"}} {}", c.latency_count);
        let _ = writeln!(out, "supplyline_odoo_push_seconds_sum {}", c.latency_sum);
        let _ = writeln!(out, "supplyline_odoo_push_seconds_count {}", c.latency_count);
        let _ = writeln!(out, "# HELP supplyline_odoo_webhook_hints_total Odoo webhook calls received, by outcome.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_webhook_hints_total counter");
        for (outcome, n) in &c.webhook_hints {
            let _ = writeln!(out, "supplyline_odoo_webhook_hints_total{{outcome=\"{outcome}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP supplyline_odoo_pulled_records_total Records read from Odoo by pulls, by model.");
        let _ = writeln!(out, "# TYPE supplyline_odoo_pulled_records_total counter");
        for (model, n) in &c.pulled {
            let _ = writeln!(out, "supplyline_odoo_pulled_records_total{{model=\"{model}\"}} {n}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = SyncMetrics::default();
        m.observe_push(3, Duration::from_millis(20), None);
        m.observe_push(3, Duration::from_millis(700), Some("timeout"));
        m.dead_letter(3);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("supplyline_odoo_pushes_total{supplier=\"3\"} 2"));
        assert!(out.contains("supplyline_odoo_push_failures_total{supplier=\"3\",kind=\"timeout\"} 1"));
        assert!(out.contains("supplyline_odoo_dead_letters_total{supplier=\"3\"} 1"));
        assert!(out.contains("supplyline_odoo_push_seconds_bucket{le=\"0.025\"} 1"));
        assert!(out.contains("supplyline_odoo_push_seconds_bucket{le=\"1\"} 2"));
        assert!(out.contains("supplyline_odoo_push_seconds_count 2"));
    }
}
