//! Supplier scorecards over a window: how fast and how reliably each supplier acknowledges, how
//! often it confirms lines as ordered, whether receipts come by the confirmed date, and whether its
//! shipment notices match what is received. Each figure is a pure function over rows, `None` (n/a)
//! where there is nothing to count.

use chrono::{DateTime, Duration, Utc};

use app::model::{Rate, ScorecardsView, SupplierScorecard};
use app::AppError;

use crate::db::{Db, Executor, Sql};
use crate::domain::internal;

pub const DEFAULT_WINDOW_DAYS: i64 = 90;
pub const MAX_WINDOW_DAYS: i64 = 730;

/// A received and shipped quantity closer than this are the same.
const QTY_EPSILON: f64 = 1e-6;

/// The window in days: 90 when not given, otherwise 1 to two years.
pub fn window_days(days: Option<i64>) -> Result<i64, AppError> {
    match days {
        None => Ok(DEFAULT_WINDOW_DAYS),
        Some(d) if (1..=MAX_WINDOW_DAYS).contains(&d) => Ok(d),
        Some(_) => Err(AppError::invalid("days", format!("Choose a window of 1 to {MAX_WINDOW_DAYS} days."))),
    }
}

fn rate(outcomes: impl Iterator<Item = bool>) -> Option<Rate> {
    let (hits, of) = outcomes.fold((0, 0), |(h, n), hit| (h + i64::from(hit), n + 1));
    (of > 0).then_some(Rate { hits, of })
}

/// A confirmed PO that reached the portal in the window, and its first acknowledgement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AckTiming {
    pub supplier_id: i64,
    pub received_at: DateTime<Utc>,
    pub first_ack_at: Option<DateTime<Utc>>,
    pub ack_sla_hours: i64,
}

/// Median hours from arrival to first acknowledgement, over the acknowledged POs.
pub fn median_ack_hours(rows: &[AckTiming]) -> Option<f64> {
    let mut hours: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.first_ack_at.map(|at| (at - r.received_at).num_seconds() as f64 / 3600.0))
        .collect();
    if hours.is_empty() {
        return None;
    }
    hours.sort_by(f64::total_cmp);
    let mid = hours.len() / 2;
    Some(if hours.len() % 2 == 1 { hours[mid] } else { (hours[mid - 1] + hours[mid]) / 2.0 })
}

/// Acknowledged within the SLA, of the POs acknowledged or already past their deadline (a PO still
/// inside its SLA and unanswered has not failed yet).
pub fn on_time_ack(rows: &[AckTiming], now: DateTime<Utc>) -> Option<Rate> {
    rate(rows.iter().filter_map(|r| {
        let deadline = r.received_at + Duration::hours(r.ack_sla_hours);
        match r.first_ack_at {
            Some(at) => Some(at <= deadline),
            None if now > deadline => Some(false),
            None => None,
        }
    }))
}

/// A PO line as the supplier's first acknowledgement of its PO answered it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineAnswer {
    pub supplier_id: i64,
    /// `accept`, `reject` or `per_line`.
    pub po_decision: String,
    /// With `per_line`: `accept`, `reject` or `propose`; none when that acknowledgement did not name the line.
    pub line_decision: Option<String>,
}

/// Lines accepted without change, of the lines answered.
pub fn confirmed_as_ordered(rows: &[LineAnswer]) -> Option<Rate> {
    rate(rows.iter().filter_map(|r| match r.po_decision.as_str() {
        "per_line" => r.line_decision.as_deref().map(|d| d == "accept"),
        whole => Some(whole == "accept"),
    }))
}

/// A line received in full, its confirmed date and its latest receipt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Receipt {
    pub supplier_id: i64,
    pub confirmed_date: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

/// Received in full on or before the confirmed day, of the lines received in full.
pub fn lead_time_adherence(rows: &[Receipt]) -> Option<Rate> {
    rate(rows.iter().map(|r| r.received_at.date_naive() <= r.confirmed_date.date_naive()))
}

/// A line shipped by (not cancelled) ASNs: what they announced, what Odoo received.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShippedLine {
    pub supplier_id: i64,
    pub shipped: f64,
    pub received: f64,
    pub ordered: f64,
    pub po_state: String,
    /// Its ASNs not yet marked received.
    pub unreceived_asns: i64,
}

/// Lines whose announced quantity is what was received, over the lines whose receiving is over:
/// every ASN received, the line received in full, or the PO done. A line still being received
/// (part arrived, more on the way) is not judged yet.
pub fn asn_accuracy(rows: &[ShippedLine]) -> Option<Rate> {
    rate(
        rows.iter()
            .filter(|r| r.unreceived_asns == 0 || r.received + QTY_EPSILON >= r.ordered || r.po_state == "done")
            .map(|r| (r.shipped - r.received).abs() < QTY_EPSILON),
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct SupplierRow {
    id: i64,
    name: String,
    ack_sla_hours: i64,
}

pub async fn scorecards(db: &Db, days: Option<i64>, now: DateTime<Utc>) -> Result<ScorecardsView, AppError> {
    let window = window_days(days)?;
    let since = now - Duration::days(window);
    let suppliers: Vec<SupplierRow> = db
        .exec()
        .fetch_all(Sql::new("SELECT id, name, ack_sla_hours FROM supplier ORDER BY name"))
        .await
        .map_err(internal)?;
    let timings: Vec<AckTiming> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT po.supplier_id, po.received_at, s.ack_sla_hours,
                        (SELECT MIN(a.created_at) FROM acknowledgement a WHERE a.purchase_order_id = po.id) AS first_ack_at
                   FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id
                  WHERE po.state IN ('purchase', 'done') AND po.received_at >= $1",
            )
            .bind(since),
        )
        .await
        .map_err(internal)?;
    let answers: Vec<LineAnswer> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT po.supplier_id, a.decision AS po_decision, al.decision AS line_decision
                   FROM acknowledgement a
                   JOIN purchase_order po ON po.id = a.purchase_order_id
                   JOIN purchase_order_line l ON l.purchase_order_id = po.id
                   LEFT JOIN acknowledgement_line al ON al.acknowledgement_id = a.id AND al.purchase_order_line_id = l.id
                  WHERE a.id = (SELECT MIN(a2.id) FROM acknowledgement a2 WHERE a2.purchase_order_id = po.id)
                    AND po.received_at >= $1",
            )
            .bind(since),
        )
        .await
        .map_err(internal)?;
    let receipts: Vec<Receipt> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT po.supplier_id, l.requested_date AS confirmed_date, l.last_receipt_at AS received_at
                   FROM purchase_order_line l JOIN purchase_order po ON po.id = l.purchase_order_id
                  WHERE l.last_receipt_at IS NOT NULL AND l.last_receipt_at >= $1 AND l.quantity > 0
                    AND l.qty_received >= l.quantity - 0.000001",
            )
            .bind(since),
        )
        .await
        .map_err(internal)?;
    let shipped: Vec<ShippedLine> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT po.supplier_id, SUM(al.quantity) AS shipped, l.qty_received AS received, l.quantity AS ordered,
                        po.state AS po_state, SUM(CASE WHEN a.status = 'received' THEN 0 ELSE 1 END) AS unreceived_asns
                   FROM asn_line al
                   JOIN asn a ON a.id = al.asn_id
                   JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
                   JOIN purchase_order po ON po.id = l.purchase_order_id
                  WHERE a.status <> 'cancelled' AND a.created_at >= $1
                  GROUP BY po.supplier_id, l.id, l.qty_received, l.quantity, po.state",
            )
            .bind(since),
        )
        .await
        .map_err(internal)?;
    let cards = suppliers
        .into_iter()
        .map(|s| {
            let timing: Vec<AckTiming> = timings.iter().filter(|r| r.supplier_id == s.id).cloned().collect();
            let answered: Vec<LineAnswer> = answers.iter().filter(|r| r.supplier_id == s.id).cloned().collect();
            let received: Vec<Receipt> = receipts.iter().filter(|r| r.supplier_id == s.id).cloned().collect();
            let shipments: Vec<ShippedLine> = shipped.iter().filter(|r| r.supplier_id == s.id).cloned().collect();
            SupplierScorecard {
                supplier_id: s.id,
                supplier_name: s.name,
                ack_sla_hours: s.ack_sla_hours,
                pos_received: timing.len() as i64,
                median_ack_hours: median_ack_hours(&timing),
                on_time_ack: on_time_ack(&timing, now),
                confirmed_as_ordered: confirmed_as_ordered(&answered),
                lead_time_adherence: lead_time_adherence(&received),
                asn_accuracy: asn_accuracy(&shipments),
            }
        })
        .collect();
    Ok(ScorecardsView { window_days: window, since: since.date_naive(), suppliers: cards })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t(h: i64) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::hours(h)
    }

    fn timing(received: i64, ack: Option<i64>, sla: i64) -> AckTiming {
        AckTiming { supplier_id: 1, received_at: t(received), first_ack_at: ack.map(t), ack_sla_hours: sla }
    }

    #[test]
    fn median_time_to_acknowledge() {
        let cases: Vec<(Vec<AckTiming>, Option<f64>)> = vec![
            (vec![], None),
            (vec![timing(0, None, 24)], None),
            (vec![timing(0, Some(5), 24), timing(0, Some(1), 24), timing(10, Some(40), 24)], Some(5.0)),
            (vec![timing(0, Some(2), 24), timing(0, Some(4), 24)], Some(3.0)),
        ];
        for (rows, want) in cases {
            assert_eq!(median_ack_hours(&rows), want);
        }
    }

    #[test]
    fn on_time_acknowledgement_counts_answers_and_missed_deadlines_only() {
        let now = t(100);
        let rows = [
            timing(0, Some(20), 24), // on time
            timing(0, Some(30), 24), // late
            timing(0, None, 24),     // never answered, deadline passed: late
            timing(90, None, 24),    // still inside its SLA: not counted
            timing(0, Some(47), 48), // a 48-hour SLA: on time
        ];
        assert_eq!(on_time_ack(&rows, now), Some(Rate { hits: 2, of: 4 }));
        assert_eq!(on_time_ack(&[timing(90, None, 24)], now), None);
    }

    #[test]
    fn lines_confirmed_as_ordered() {
        let answer = |po: &str, line: Option<&str>| LineAnswer {
            supplier_id: 1,
            po_decision: po.into(),
            line_decision: line.map(str::to_string),
        };
        let rows = [
            answer("accept", None),
            answer("accept", None),
            answer("reject", None),
            answer("per_line", Some("accept")),
            answer("per_line", Some("propose")),
            answer("per_line", None), // a line the acknowledgement did not name (added later): not counted
        ];
        assert_eq!(confirmed_as_ordered(&rows), Some(Rate { hits: 3, of: 5 }));
        assert_eq!(confirmed_as_ordered(&[]), None);
    }

    #[test]
    fn receipts_by_the_confirmed_day_adhere() {
        let receipt = |confirmed: i64, received: i64| Receipt {
            supplier_id: 1,
            confirmed_date: t(confirmed),
            received_at: t(received),
        };
        // Same day later in the day still counts; the next day does not.
        let rows = [receipt(0, 0), receipt(0, 20), receipt(0, 30), receipt(48, 10)];
        assert_eq!(lead_time_adherence(&rows), Some(Rate { hits: 3, of: 4 }));
        assert_eq!(lead_time_adherence(&[]), None);
    }

    #[test]
    fn asn_accuracy_judges_lines_whose_receiving_is_over() {
        let line = |shipped: f64, received: f64, ordered: f64, state: &str, unreceived: i64| ShippedLine {
            supplier_id: 1,
            shipped,
            received,
            ordered,
            po_state: state.into(),
            unreceived_asns: unreceived,
        };
        let rows = [
            line(100.0, 100.0, 100.0, "purchase", 1), // received in full, as announced
            line(100.0, 90.0, 100.0, "purchase", 0),  // ASN received, 10 short
            line(50.0, 50.0, 100.0, "purchase", 0),   // ASN received, matches (rest not shipped yet)
            line(100.0, 40.0, 100.0, "purchase", 1),  // still arriving: not judged
            line(100.0, 80.0, 100.0, "done", 1),      // PO closed short
        ];
        assert_eq!(asn_accuracy(&rows), Some(Rate { hits: 2, of: 4 }));
        assert_eq!(asn_accuracy(&rows[3..4]), None);
    }

    #[test]
    fn the_window_defaults_to_90_days_and_is_bounded() {
        assert_eq!(window_days(None).unwrap(), 90);
        assert_eq!(window_days(Some(30)).unwrap(), 30);
        assert!(matches!(window_days(Some(0)), Err(AppError::Invalid { field, .. }) if field == "days"));
        assert!(window_days(Some(MAX_WINDOW_DAYS + 1)).is_err());
    }
}
