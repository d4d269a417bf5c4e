//! The buyer's exception queue: open PO lines that will arrive after they are required, the
//! manufacturing orders that need them sooner, and who else supplies the product. The rules are pure
//! functions over rows; the service only loads the rows.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use app::model::{AlternativeSupplierView, EndangeredMoView, ExceptionQueueView, LateComponentView, ScorecardsView};
use app::ports::{Actor, ExceptionPort};
use app::AppError;

use crate::db::{Db, DbError, Executor, Sql};
use crate::domain::event::{self, NewEvent};
use crate::domain::{internal, require_buyer};

/// Quantities within this of each other are equal (floating-point sums of ASN lines).
const QTY_EPSILON: f64 = 1e-6;

/// An open line of a confirmed PO (not fully received).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenLine {
    pub line_id: i64,
    pub po_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub product_id: i64,
    pub product_code: Option<String>,
    pub product_name: String,
    pub uom: String,
    pub quantity: f64,
    pub qty_received: f64,
    /// The confirmed date: an accepted proposal's date once there is one.
    pub requested_date: DateTime<Utc>,
    /// The date the buyer asked for, when an accepted proposal moved `requested_date`.
    pub required_date: Option<DateTime<Utc>>,
}

/// What one open (not cancelled, not received) ASN ships of a line.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Shipment {
    pub line_id: i64,
    pub asn_number: String,
    pub eta: DateTime<Utc>,
    pub quantity: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Asn,
    AcceptedDate,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Asn => "asn",
            Cause::AcceptedDate => "accepted_date",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    pub required: NaiveDate,
    pub expected: NaiveDate,
    pub days_late: i64,
    pub cause: Cause,
    pub asn_number: Option<String>,
}

/// When the line will arrive and whether that is after it is required. The expected date is the
/// latest of the open shipments' ETAs and the confirmed date — except that the confirmed date no
/// longer counts once shipments announce the whole open quantity (what ships is what arrives).
pub fn lateness(line: &OpenLine, shipments: &[Shipment]) -> Option<Lateness> {
    let required = line.required_date.unwrap_or(line.requested_date).date_naive();
    let confirmed = line.requested_date.date_naive();
    let own: Vec<&Shipment> = shipments.iter().filter(|s| s.line_id == line.line_id).collect();
    let announced: f64 = own.iter().map(|s| s.quantity).sum();
    let latest = own.iter().max_by_key(|s| (s.eta.date_naive(), s.asn_number.clone()));
    let covered = latest.is_some() && announced + QTY_EPSILON >= line.quantity - line.qty_received;
    let by_asn = latest.map(|s| s.eta.date_naive());
    let expected = match (by_asn, covered) {
        (Some(eta), true) => eta,
        (Some(eta), false) => eta.max(confirmed),
        (None, _) => confirmed,
    };
    if expected <= required {
        return None;
    }
    // The shipment is named when its ETA is what makes the line late.
    let cause = if by_asn == Some(expected) { Cause::Asn } else { Cause::AcceptedDate };
    Some(Lateness {
        required,
        expected,
        days_late: (expected - required).num_days(),
        cause,
        asn_number: (cause == Cause::Asn).then(|| latest.map(|s| s.asn_number.clone())).flatten(),
    })
}

/// One MO's need for one of our products.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoDemand {
    pub product_id: i64,
    pub name: String,
    pub product_name: String,
    pub date_start: DateTime<Utc>,
    pub quantity: f64,
    pub availability: Option<String>,
}

/// The MOs consuming `product_id` that start before `expected` (the day the component arrives),
/// earliest first. An MO starting on the day of arrival or later is not endangered.
pub fn endangered(product_id: i64, expected: NaiveDate, demand: &[MoDemand]) -> Vec<EndangeredMoView> {
    let mut mos: Vec<&MoDemand> =
        demand.iter().filter(|d| d.product_id == product_id && d.date_start.date_naive() < expected).collect();
    mos.sort_by(|a, b| a.date_start.cmp(&b.date_start).then_with(|| a.name.cmp(&b.name)));
    mos.into_iter()
        .map(|d| EndangeredMoView {
            name: d.name.clone(),
            product_name: d.product_name.clone(),
            date_start: d.date_start,
            quantity: d.quantity,
            availability: d.availability.clone(),
        })
        .collect()
}

/// A supplier's price-list entry for a product.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Offer {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub product_id: i64,
    pub supplier_code: Option<String>,
    pub lead_time_days: i64,
    pub price: Option<f64>,
}

/// The other suppliers of the product, soonest first: each could deliver `today` + its lead time.
pub fn alternatives(
    product_id: i64,
    current_supplier: i64,
    expected: NaiveDate,
    offers: &[Offer],
    today: NaiveDate,
) -> Vec<AlternativeSupplierView> {
    let mut out: Vec<AlternativeSupplierView> = offers
        .iter()
        .filter(|o| o.product_id == product_id && o.supplier_id != current_supplier)
        .map(|o| {
            let earliest_date = today + Duration::days(o.lead_time_days);
            AlternativeSupplierView {
                supplier_id: o.supplier_id,
                supplier_name: o.supplier_name.clone(),
                supplier_code: o.supplier_code.clone(),
                lead_time_days: o.lead_time_days,
                price: o.price,
                earliest_date,
                sooner: earliest_date < expected,
            }
        })
        .collect();
    out.sort_by(|a, b| a.earliest_date.cmp(&b.earliest_date).then_with(|| a.supplier_name.cmp(&b.supplier_name)));
    out
}

/// What endangers production first comes first: the earliest endangered MO start (lines that
/// endanger none last), then the most days late.
pub fn order_queue(items: &mut [LateComponentView]) {
    items.sort_by(|a, b| {
        let start = |i: &LateComponentView| i.endangered_mos.first().map(|m| m.date_start);
        match (start(a), start(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| b.days_late.cmp(&a.days_late))
        .then_with(|| a.po_number.cmp(&b.po_number))
        .then_with(|| a.line_no.cmp(&b.line_no))
    });
}

/// Builds the queue from its rows. Pure.
pub fn build_queue(
    lines: &[OpenLine],
    shipments: &[Shipment],
    demand: &[MoDemand],
    offers: &[Offer],
    today: NaiveDate,
) -> Vec<LateComponentView> {
    let mut items: Vec<LateComponentView> = lines
        .iter()
        .filter_map(|line| {
            let late = lateness(line, shipments)?;
            Some(LateComponentView {
                line_id: line.line_id,
                po_id: line.po_id,
                po_number: line.po_number.clone(),
                line_no: line.line_no,
                supplier_id: line.supplier_id,
                supplier_name: line.supplier_name.clone(),
                product_code: line.product_code.clone(),
                product_name: line.product_name.clone(),
                uom: line.uom.clone(),
                open_quantity: line.quantity - line.qty_received,
                required_date: late.required,
                expected_date: late.expected,
                days_late: late.days_late,
                cause: late.cause.as_str().to_string(),
                asn_number: late.asn_number,
                endangered_mos: endangered(line.product_id, late.expected, demand),
                alternatives: alternatives(line.product_id, line.supplier_id, late.expected, offers, today),
            })
        })
        .collect();
    order_queue(&mut items);
    items
}

/// Every row the queue needs, scoped by nothing: callers check the actor first.
async fn load_queue(db: &Db, today: NaiveDate) -> Result<Vec<LateComponentView>, DbError> {
    let lines: Vec<OpenLine> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT l.id AS line_id, po.id AS po_id, po.number AS po_number, l.line_no, po.supplier_id, s.name AS supplier_name,
                    l.product_id, p.default_code AS product_code, p.name AS product_name, u.name AS uom, l.quantity, l.qty_received,
                    l.requested_date, l.required_date
               FROM purchase_order_line l
               JOIN purchase_order po ON po.id = l.purchase_order_id
               JOIN supplier s ON s.id = po.supplier_id
               JOIN product p ON p.id = l.product_id
               JOIN uom u ON u.id = l.uom_id
              WHERE po.state = 'purchase' AND l.qty_received < l.quantity AND l.ack_state <> 'rejected'
              ORDER BY l.id",
        ))
        .await?;
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let shipments: Vec<Shipment> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT al.purchase_order_line_id AS line_id, a.number AS asn_number, a.eta, SUM(al.quantity) AS quantity
               FROM asn_line al
               JOIN asn a ON a.id = al.asn_id
               JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
               JOIN purchase_order po ON po.id = l.purchase_order_id
              WHERE a.status IN ('draft', 'submitted') AND a.eta IS NOT NULL AND po.state = 'purchase'
              GROUP BY al.purchase_order_line_id, a.id, a.number, a.eta",
        ))
        .await?;
    let demand: Vec<MoDemand> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT c.product_id, mo.name, mo.product_name, mo.date_start, SUM(c.quantity_needed) AS quantity,
                    mo.components_availability_state AS availability
               FROM mo_component c JOIN manufacturing_order mo ON mo.id = c.manufacturing_order_id
              GROUP BY c.product_id, mo.id, mo.name, mo.product_name, mo.date_start, mo.components_availability_state",
        ))
        .await?;
    let offers: Vec<Offer> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT sp.supplier_id, s.name AS supplier_name, sp.product_id, sp.supplier_code, sp.lead_time_days, sp.price
               FROM supplier_product sp JOIN supplier s ON s.id = sp.supplier_id",
        ))
        .await?;
    Ok(build_queue(&lines, &shipments, &demand, &offers, today))
}

/// Emits `component.delayed` for every late line not yet announced at its current expected date
/// (once per line and date); answers how many were emitted. Run after the pulls.
pub async fn announce_delays(db: &Db) -> Result<usize, DbError> {
    let queue = load_queue(db, Utc::now().date_naive()).await?;
    let mut emitted = 0;
    for item in queue {
        let mut tx = db.begin().await?;
        let new = tx
            .execute(
                Sql::new(
                    "INSERT INTO component_delay_notice (purchase_order_line_id, expected_date, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (purchase_order_line_id, expected_date) DO NOTHING",
                )
                .bind(item.line_id)
                .bind(item.expected_date)
                .bind(Utc::now()),
            )
            .await?;
        if new == 0 {
            continue;
        }
        // What the supplier may see of it: no MO names (our production plan stays ours).
        let payload = serde_json::json!({
            "purchase_order_id": item.po_id, "number": item.po_number, "line_id": item.line_id, "line_no": item.line_no,
            "product": item.product_name, "required_date": item.required_date, "expected_date": item.expected_date,
            "days_late": item.days_late, "cause": item.cause, "endangered_mos": item.endangered_mos.len(),
        });
        let event = NewEvent {
            event_type: "component.delayed",
            aggregate: ("purchase_order_line", item.line_id),
            supplier_id: Some(item.supplier_id),
            payload,
            destinations: &[],
        };
        event::emit(&mut tx, event).await?;
        tx.commit().await?;
        emitted += 1;
    }
    Ok(emitted)
}

pub struct ExceptionService {
    pub db: Db,
}

#[async_trait::async_trait]
impl ExceptionPort for ExceptionService {
    async fn queue(&self, actor: &Actor) -> Result<ExceptionQueueView, AppError> {
        require_buyer(actor)?;
        let today = Utc::now().date_naive();
        let items = load_queue(&self.db, today).await.map_err(internal)?;
        Ok(ExceptionQueueView { today, items })
    }

    async fn scorecards(&self, actor: &Actor, days: Option<i64>) -> Result<ScorecardsView, AppError> {
        require_buyer(actor)?;
        crate::domain::scorecard::scorecards(&self.db, days, Utc::now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn at(m: u32, d: u32) -> DateTime<Utc> {
        day(m, d).and_hms_opt(9, 0, 0).unwrap().and_utc()
    }

    fn line(id: i64, requested: DateTime<Utc>, required: Option<DateTime<Utc>>) -> OpenLine {
        OpenLine {
            line_id: id,
            po_id: 1,
            po_number: format!("P{id}"),
            line_no: 1,
            supplier_id: 1,
            supplier_name: "Alpine".into(),
            product_id: 7,
            product_code: Some("SEAL".into()),
            product_name: "Seal".into(),
            uom: "Units".into(),
            quantity: 100.0,
            qty_received: 0.0,
            requested_date: requested,
            required_date: required,
        }
    }

    fn ship(line_id: i64, number: &str, eta: DateTime<Utc>, quantity: f64) -> Shipment {
        Shipment { line_id, asn_number: number.into(), eta, quantity }
    }

    #[test]
    fn lateness_follows_asn_etas_and_accepted_dates() {
        // (case, line, shipments, expected outcome: None or (expected date, days late, cause, asn))
        type Case = (&'static str, OpenLine, Vec<Shipment>, Option<(NaiveDate, i64, Cause, Option<&'static str>)>);
        let cases: Vec<Case> = vec![
            ("on time, nothing shipped", line(1, at(12, 10), None), vec![], None),
            (
                "an accepted later date",
                line(1, at(12, 20), Some(at(12, 10))),
                vec![],
                Some((day(12, 20), 10, Cause::AcceptedDate, None)),
            ),
            ("an accepted earlier date is not late", line(1, at(12, 5), Some(at(12, 10))), vec![], None),
            (
                "an ASN arriving after the required date",
                line(1, at(12, 10), None),
                vec![ship(1, "ASN-1", at(12, 13), 100.0)],
                Some((day(12, 13), 3, Cause::Asn, Some("ASN-1"))),
            ),
            (
                "an ASN on the day is on time",
                line(1, at(12, 10), None),
                vec![ship(1, "ASN-1", at(12, 10), 100.0)],
                None,
            ),
            (
                "a full early shipment makes a later accepted date moot",
                line(1, at(12, 20), Some(at(12, 10))),
                vec![ship(1, "ASN-1", at(12, 8), 100.0)],
                None,
            ),
            (
                "a partial early shipment leaves the rest at the accepted date",
                line(1, at(12, 20), Some(at(12, 10))),
                vec![ship(1, "ASN-1", at(12, 8), 60.0)],
                Some((day(12, 20), 10, Cause::AcceptedDate, None)),
            ),
            (
                "the latest of several shipments counts",
                line(1, at(12, 10), None),
                vec![ship(1, "ASN-1", at(12, 9), 50.0), ship(1, "ASN-2", at(12, 15), 50.0)],
                Some((day(12, 15), 5, Cause::Asn, Some("ASN-2"))),
            ),
            (
                "another line's shipment does not count",
                line(1, at(12, 10), None),
                vec![ship(2, "ASN-9", at(12, 30), 100.0)],
                None,
            ),
        ];
        for (case, line, shipments, want) in cases {
            let got = lateness(&line, &shipments).map(|l| (l.expected, l.days_late, l.cause, l.asn_number));
            let want = want.map(|(d, n, c, a)| (d, n, c, a.map(str::to_string)));
            assert_eq!(got, want, "{case}");
        }
    }

    #[test]
    fn the_received_part_needs_no_shipment() {
        let mut l = line(1, at(12, 20), Some(at(12, 10)));
        l.qty_received = 40.0;
        // 60 open, all shipped, arriving on time.
        assert_eq!(lateness(&l, &[ship(1, "A", at(12, 9), 60.0)]), None);
    }

    fn mo(name: &str, product_id: i64, start: DateTime<Utc>) -> MoDemand {
        MoDemand {
            product_id,
            name: name.into(),
            product_name: "Gearbox".into(),
            date_start: start,
            quantity: 10.0,
            availability: None,
        }
    }

    #[test]
    fn mos_starting_before_the_arrival_are_endangered() {
        let demand = [
            mo("MO-3", 7, at(12, 14)),
            mo("MO-1", 7, at(12, 11)),
            mo("MO-ON-THE-DAY", 7, at(12, 15)),
            mo("MO-AFTER", 7, at(12, 20)),
            mo("MO-OTHER-PRODUCT", 8, at(12, 11)),
        ];
        let names: Vec<String> = endangered(7, day(12, 15), &demand).into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["MO-1", "MO-3"]);
    }

    #[test]
    fn alternatives_are_other_suppliers_soonest_first() {
        let offer = |supplier_id, name: &str, product_id, days| Offer {
            supplier_id,
            supplier_name: name.into(),
            product_id,
            supplier_code: None,
            lead_time_days: days,
            price: Some(1.0),
        };
        let offers =
            [offer(1, "Current", 7, 3), offer(2, "Slow", 7, 30), offer(3, "Fast", 7, 5), offer(4, "Elsewhere", 8, 1)];
        let alts = alternatives(7, 1, day(12, 15), &offers, day(12, 1));
        let got: Vec<(&str, NaiveDate, bool)> =
            alts.iter().map(|a| (a.supplier_name.as_str(), a.earliest_date, a.sooner)).collect();
        assert_eq!(got, [("Fast", day(12, 6), true), ("Slow", day(12, 31), false)]);
    }

    #[test]
    fn the_queue_puts_the_earliest_endangered_production_first() {
        let mut a = line(1, at(12, 30), Some(at(12, 10))); // 20 days late, no MO
        a.product_id = 1;
        let mut b = line(2, at(12, 15), Some(at(12, 10))); // 5 days late, MO on 12-12
        b.product_id = 2;
        let mut c = line(3, at(12, 20), Some(at(12, 10))); // 10 days late, MO on 12-11
        c.product_id = 3;
        let on_time = line(4, at(12, 10), None);
        let demand = [mo("MO-B", 2, at(12, 12)), mo("MO-C", 3, at(12, 11))];
        let queue = build_queue(&[a, b, c, on_time], &[], &demand, &[], day(12, 1));
        assert_eq!(queue.iter().map(|i| i.line_id).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(queue[0].endangered_mos[0].name, "MO-C");
        assert_eq!((queue[2].days_late, queue[2].cause.as_str()), (20, "accepted_date"));
    }
}
