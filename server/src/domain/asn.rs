//! Advance shipping notices: the supplier announces what ships, in which packages, with which lots
//! or serial numbers, when it leaves and when it arrives. Everything is checked before anything is
//! written (quantities against what is open plus the tolerance, lot and serial rules, the package
//! tree); the ASN, its SSCCs, its event and its outbox row commit together.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use app::error::FieldError;
use app::model::{AsnInput, AsnLineView, AsnLotView, AsnPackageView, AsnSummaryView, AsnView, ShippableLineView};
use app::ports::{Actor, AsnPort};
use app::AppError;

use super::audit::{self, AuditEntry};
use super::event::{self, NewEvent};
use super::sscc;
use super::{internal, require_supplier};
use crate::db::{is_unique_violation, Db, DbError, Executor, Sql, Tx};

pub const MAX_NUMBER_CHARS: usize = 40;
const PACKAGE_KINDS: [&str; 3] = ["pallet", "carton", "other"];

/// Shipping rules from configuration.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsnConfig {
    /// How far past the open quantity a line may ship, in percent of the ordered quantity.
    pub tolerance_percent: f64,
    /// Your GS1 company prefix (7–10 digits): the SSCCs on package labels are built from it.
    pub gs1_company_prefix: String,
}

impl Default for AsnConfig {
    fn default() -> Self {
        // GS1's own example prefix: fine for a demo, to be replaced by the company's.
        AsnConfig { tolerance_percent: 0.0, gs1_company_prefix: "0614141".into() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidLine {
    pub line_id: i64,
    pub quantity: f64,
    pub lots: Vec<(String, f64)>,
    pub expiry: Option<NaiveDate>,
    /// Row number (1-based) of the package on the form.
    pub package: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidPackage {
    pub number: i64,
    pub kind: String,
    pub parent: Option<i64>,
    pub weight_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidAsn {
    pub number: String,
    pub carrier: Option<String>,
    pub tracking_ref: Option<String>,
    pub ship_date: NaiveDate,
    pub eta: DateTime<Utc>,
    pub lines: Vec<ValidLine>,
    pub packages: Vec<ValidPackage>,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn parse_quantity(raw: &str) -> Result<f64, String> {
    super::acknowledgement::parse_quantity(raw)
}

/// `2026-12-20` (arrival that day) or `2026-12-20T14:30` (a browser's date-time field).
fn parse_eta(raw: &str) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(|d| d.and_hms_opt(12, 0, 0).expect("noon exists")))
        .map(|t| t.and_utc())
        .map_err(|_| format!("{raw:?} is not a date (YYYY-MM-DD) or date and time."))
}

/// Lots as `LOT-A: 6; LOT-B: 4` (one lot alone may omit its quantity: it takes the line's).
pub fn parse_lots(raw: &str, quantity: f64) -> Result<Vec<(String, f64)>, String> {
    let entries: Vec<&str> = raw.split([';', '\n']).map(str::trim).filter(|e| !e.is_empty()).collect();
    if entries.is_empty() {
        return Err("This product is lot-tracked: give each lot and its quantity, e.g. LOT-A: 6; LOT-B: 4.".into());
    }
    let mut lots = Vec::new();
    for entry in &entries {
        let (name, qty) = match entry.rsplit_once(':') {
            Some((name, qty)) => (name.trim(), parse_quantity(qty).map_err(|e| format!("Lot {}: {e}", name.trim()))?),
            None if entries.len() == 1 => (*entry, quantity),
            None => return Err(format!("{entry:?} has no quantity: write it as {entry}: 5.")),
        };
        if name.is_empty() || name.len() > 64 {
            return Err("A lot name must have 1 to 64 characters.".into());
        }
        if lots.iter().any(|(n, _): &(String, f64)| n == name) {
            return Err(format!("Lot {name} is listed twice."));
        }
        lots.push((name.to_string(), qty));
    }
    let total: f64 = lots.iter().map(|(_, q)| q).sum();
    if (total - quantity).abs() > 1e-6 {
        return Err(format!("The lots add up to {total}, but the line ships {quantity}."));
    }
    Ok(lots)
}

/// Serial numbers separated by commas, spaces or new lines: exactly one per unit, none twice.
pub fn parse_serials(raw: &str, quantity: f64) -> Result<Vec<(String, f64)>, String> {
    if quantity.fract() != 0.0 {
        return Err(format!("Serial-tracked products ship in whole units, not {quantity}."));
    }
    let serials: Vec<&str> =
        raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|s| !s.is_empty()).collect();
    if serials.len() as f64 != quantity {
        return Err(format!("{} serial number(s) for {quantity} unit(s): give exactly one per unit.", serials.len()));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = serials.iter().find(|s| !seen.insert(**s)) {
        return Err(format!("Serial number {twice} is listed twice."));
    }
    Ok(serials.into_iter().map(|s| (s.to_string(), 1.0)).collect())
}

fn push(errors: &mut Vec<FieldError>, field: String, message: String) {
    errors.push(FieldError { field, message });
}

/// Checks an ASN against the lines the supplier may ship. Unknown lines are the caller's concern
/// (they answer 404); here every other mistake becomes a field error.
pub fn validate(
    input: &AsnInput,
    shippable: &[ShippableLineView],
    today: NaiveDate,
) -> Result<ValidAsn, Vec<FieldError>> {
    let mut errors = Vec::new();
    let number = input.number.trim().to_string();
    if number.is_empty() {
        push(&mut errors, "number".into(), "Give the shipment a number (your delivery note number).".into());
    } else if number.chars().count() > MAX_NUMBER_CHARS {
        push(&mut errors, "number".into(), format!("At most {MAX_NUMBER_CHARS} characters."));
    }
    let ship_date = match NaiveDate::parse_from_str(input.ship_date.trim(), "%Y-%m-%d") {
        Ok(d) if d < today - chrono::Duration::days(30) => {
            push(&mut errors, "ship_date".into(), format!("{d} is more than 30 days ago."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            push(&mut errors, "ship_date".into(), format!("{:?} is not a date (YYYY-MM-DD).", input.ship_date.trim()));
            None
        }
    };
    let eta = match parse_eta(&input.eta) {
        Ok(eta) if ship_date.is_some_and(|s| eta.date_naive() < s) => {
            push(&mut errors, "eta".into(), "The shipment cannot arrive before it ships.".into());
            None
        }
        Ok(eta) => Some(eta),
        Err(e) => {
            push(&mut errors, "eta".into(), e);
            None
        }
    };
    let packages: Vec<ValidPackage> = input
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.kind.trim().is_empty())
        .map(|(i, p)| ValidPackage {
            number: i as i64 + 1,
            kind: p.kind.trim().to_string(),
            parent: None,
            weight_kg: None,
        })
        .collect();
    let package_kind = |n: i64| packages.iter().find(|p| p.number == n).map(|p| p.kind.clone());
    let mut checked_packages = Vec::new();
    for package in &packages {
        let raw = &input.packages[package.number as usize - 1];
        let field = |name: &str| format!("packages[{}].{name}", package.number - 1);
        let mut valid = package.clone();
        if !PACKAGE_KINDS.contains(&package.kind.as_str()) {
            push(&mut errors, field("kind"), "Choose pallet, carton or other.".into());
        }
        if let Some(parent) = optional(&raw.parent) {
            match parent
                .parse::<i64>()
                .ok()
                .filter(|n| *n != package.number)
                .and_then(|n| package_kind(n).map(|k| (n, k)))
            {
                Some((n, kind)) if kind == "pallet" && package.kind != "pallet" => valid.parent = Some(n),
                Some(_) => {
                    push(&mut errors, field("parent"), "Only cartons and other packages sit on a pallet.".into())
                }
                None => push(&mut errors, field("parent"), format!("There is no package {parent} on this ASN.")),
            }
        }
        if let Some(weight) = optional(&raw.weight_kg) {
            match parse_quantity(&weight) {
                Ok(w) => valid.weight_kg = Some(w),
                Err(e) => push(&mut errors, field("weight_kg"), e),
            }
        }
        checked_packages.push(valid);
    }
    let mut lines = Vec::new();
    for (i, raw) in input.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let Some(quantity_text) = optional(&raw.quantity) else { continue };
        let Some(line) = shippable.iter().find(|l| l.line_id == raw.line_id) else { continue };
        let quantity = match parse_quantity(&quantity_text) {
            Ok(q) if q > line.max_shippable + 1e-9 => {
                push(
                    &mut errors,
                    field("quantity"),
                    format!(
                        "At most {} {} can ship on this line now.",
                        app::format::quantity(line.max_shippable),
                        line.uom
                    ),
                );
                continue;
            }
            Ok(q) => q,
            Err(e) => {
                push(&mut errors, field("quantity"), e);
                continue;
            }
        };
        let lots = match line.tracking.as_str() {
            "lot" => parse_lots(&raw.lots, quantity),
            "serial" => parse_serials(&raw.lots, quantity),
            _ if raw.lots.trim().is_empty() => Ok(Vec::new()),
            _ => Err("This product is neither lot- nor serial-tracked: leave lots empty.".into()),
        };
        let lots = match lots {
            Ok(lots) => lots,
            Err(e) => {
                push(&mut errors, field("lots"), e);
                continue;
            }
        };
        let expiry = match optional(&raw.expiry).map(|e| NaiveDate::parse_from_str(&e, "%Y-%m-%d")) {
            None => None,
            Some(Ok(d)) if line.tracking != "none" => Some(d),
            Some(Ok(_)) => {
                push(&mut errors, field("expiry"), "An expiry date needs lots or serial numbers.".into());
                continue;
            }
            Some(Err(_)) => {
                push(&mut errors, field("expiry"), format!("{:?} is not a date (YYYY-MM-DD).", raw.expiry.trim()));
                continue;
            }
        };
        let package = match optional(&raw.package) {
            None if !packages.is_empty() => {
                push(&mut errors, field("package"), "Say which package this line travels in.".into());
                continue;
            }
            None => None,
            Some(p) => match p.parse::<i64>().ok().filter(|n| package_kind(*n).is_some()) {
                Some(n) => Some(n),
                None => {
                    push(&mut errors, field("package"), format!("There is no package {p} on this ASN."));
                    continue;
                }
            },
        };
        lines.push(ValidLine { line_id: line.line_id, quantity, lots, expiry, package });
    }
    if lines.is_empty() && !errors.iter().any(|e| e.field.starts_with("lines")) {
        push(&mut errors, "lines".into(), "Enter the quantity shipped on at least one line.".into());
    }
    for package in &checked_packages {
        let holds_line = lines.iter().any(|l| l.package == Some(package.number));
        let holds_package = checked_packages.iter().any(|p| p.parent == Some(package.number));
        if !holds_line && !holds_package {
            push(
                &mut errors,
                format!("packages[{}].kind", package.number - 1),
                format!("Package {} is empty: put a line or a carton in it.", package.number),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidAsn {
        number,
        carrier: optional(&input.carrier),
        tracking_ref: optional(&input.tracking_ref),
        ship_date: ship_date.expect("checked"),
        eta: eta.expect("checked"),
        lines,
        packages: checked_packages,
    })
}

pub struct AsnService {
    pub db: Db,
    pub config: AsnConfig,
}

#[derive(sqlx::FromRow)]
struct ShippableRow {
    line_id: i64,
    po_id: i64,
    po_number: String,
    line_no: i64,
    product_code: Option<String>,
    product_name: String,
    supplier_product_code: Option<String>,
    tracking: String,
    uom: String,
    ordered: f64,
    received: f64,
    announced: f64,
    requested_date: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AsnRow {
    id: i64,
    supplier_id: i64,
    number: String,
    supplier_name: String,
    status: String,
    ship_date: Option<NaiveDate>,
    eta: Option<DateTime<Utc>>,
    carrier: Option<String>,
    tracking_ref: Option<String>,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

impl AsnService {
    /// The supplier's lines that can still ship; `amending` an ASN frees what that ASN announced.
    /// With `only`, just those lines (a submission checks its own lines, not the supplier's thousands).
    async fn shippable_for(
        &self,
        supplier_id: i64,
        amending: Option<i64>,
        only: Option<&[i64]>,
    ) -> Result<Vec<ShippableLineView>, AppError> {
        let mut sql = Sql::new(
                    "SELECT l.id AS line_id, po.id AS po_id, po.number AS po_number, l.line_no, p.default_code AS product_code,
                            p.name AS product_name, sp.supplier_code AS supplier_product_code, p.tracking, u.name AS uom,
                            l.quantity AS ordered, l.qty_received AS received,
                            COALESCE((SELECT SUM(al.quantity) FROM asn_line al JOIN asn a ON a.id = al.asn_id
                                       WHERE al.purchase_order_line_id = l.id AND a.status = 'submitted' AND a.id <> $2), 0.0) AS announced,
                            l.requested_date
                       FROM purchase_order_line l
                       JOIN purchase_order po ON po.id = l.purchase_order_id
                       JOIN product p ON p.id = l.product_id
                       JOIN uom u ON u.id = l.uom_id
                       LEFT JOIN supplier_product sp ON sp.product_id = l.product_id AND sp.supplier_id = po.supplier_id
                      WHERE po.supplier_id = $1 AND po.state = 'purchase' AND l.ack_state <> 'rejected' AND l.quantity > 0",
        )
        .bind(supplier_id)
        .bind(amending.unwrap_or(-1));
        if let Some(ids) = only {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let marks = vec!["?"; ids.len()].join(", ");
            sql.push(&format!(" AND l.id IN ({marks})"), ids.iter().map(|id| (*id).into()));
        }
        sql.push(" ORDER BY po.number, l.line_no", []);
        let rows: Vec<ShippableRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let tolerance = self.config.tolerance_percent / 100.0;
        Ok(rows
            .into_iter()
            .map(|r| {
                let open = (r.ordered - r.received - r.announced).max(0.0);
                let max_shippable = (r.ordered * (1.0 + tolerance) - r.received - r.announced).max(0.0);
                ShippableLineView {
                    line_id: r.line_id,
                    po_id: r.po_id,
                    po_number: r.po_number,
                    line_no: r.line_no,
                    product_code: r.product_code,
                    product_name: r.product_name,
                    supplier_product_code: r.supplier_product_code,
                    tracking: r.tracking,
                    uom: r.uom,
                    ordered: r.ordered,
                    received: r.received,
                    announced: r.announced,
                    open,
                    max_shippable,
                    requested_date: r.requested_date,
                }
            })
            .filter(|l| l.max_shippable > 0.0)
            .collect())
    }

    async fn load(&self, actor: &Actor, id: i64) -> Result<AsnRow, AppError> {
        let row: Option<AsnRow> = self
            .db
            .exec()
            .fetch_optional(
                Sql::new(
                    "SELECT a.id, a.supplier_id, a.number, s.name AS supplier_name, a.status, a.ship_date, a.eta, a.carrier, a.tracking_ref
                       FROM asn a JOIN supplier s ON s.id = a.supplier_id WHERE a.id = $1",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        // Another supplier's ASN is indistinguishable from a missing one.
        row.filter(|r| actor.supplier_scope().is_none_or(|s| s == r.supplier_id)).ok_or(AppError::NotFound)
    }

    async fn summaries(&self, rows: Vec<AsnRow>) -> Result<Vec<AsnSummaryView>, AppError> {
        #[derive(sqlx::FromRow)]
        struct PoOf {
            asn_id: i64,
            number: String,
        }
        #[derive(sqlx::FromRow)]
        struct Count {
            asn_id: i64,
            n: i64,
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let mut pos = Sql::new(
            "SELECT DISTINCT al.asn_id, po.number FROM asn_line al JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
               JOIN purchase_order po ON po.id = l.purchase_order_id WHERE ",
        );
        pos.push(&format!("al.asn_id IN ({marks}) ORDER BY po.number"), ids.iter().map(|i| (*i).into()));
        let pos: Vec<PoOf> = self.db.exec().fetch_all(pos).await.map_err(internal)?;
        let mut counts = Sql::new("SELECT asn_id, COUNT(*) AS n FROM asn_package WHERE ");
        counts.push(&format!("asn_id IN ({marks}) GROUP BY asn_id"), ids.iter().map(|i| (*i).into()));
        let counts: Vec<Count> = self.db.exec().fetch_all(counts).await.map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| AsnSummaryView {
                po_numbers: pos.iter().filter(|p| p.asn_id == r.id).map(|p| p.number.clone()).collect(),
                packages: counts.iter().find(|c| c.asn_id == r.id).map(|c| c.n).unwrap_or(0),
                id: r.id,
                number: r.number,
                supplier_name: r.supplier_name,
                status: r.status,
                ship_date: r.ship_date,
                eta: r.eta,
                carrier: r.carrier,
                tracking_ref: r.tracking_ref,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl AsnPort for AsnService {
    async fn shippable(&self, actor: &Actor, amending: Option<i64>) -> Result<Vec<ShippableLineView>, AppError> {
        let supplier_id = require_supplier(actor)?;
        if let Some(id) = amending {
            self.amendable(actor, id).await?;
        }
        self.shippable_for(supplier_id, amending, None).await
    }

    async fn submit(&self, actor: &Actor, input: AsnInput) -> Result<i64, AppError> {
        let supplier_id = require_supplier(actor)?;
        let amending = match input.amends {
            Some(id) => Some(self.amendable(actor, id).await?),
            None => None,
        };
        let submitted: Vec<i64> = input.lines.iter().map(|l| l.line_id).collect();
        let shippable = self.shippable_for(supplier_id, input.amends, Some(&submitted)).await?;
        // A line that is not this supplier's open line (another supplier's, or closed) is not found.
        let unknown = input
            .lines
            .iter()
            .any(|l| !l.quantity.trim().is_empty() && !shippable.iter().any(|s| s.line_id == l.line_id));
        if unknown {
            return Err(AppError::NotFound);
        }
        let valid = validate(&input, &shippable, Utc::now().date_naive()).map_err(AppError::Fields)?;
        let taken: Option<IdRow> = self
            .db
            .exec()
            .fetch_optional(
                Sql::new("SELECT id FROM asn WHERE supplier_id = $1 AND number = $2 AND id <> $3")
                    .bind(supplier_id)
                    .bind(valid.number.as_str())
                    .bind(input.amends.unwrap_or(-1)),
            )
            .await
            .map_err(internal)?;
        let number_taken = || {
            AppError::invalid(
                "number",
                format!("You already used ASN number {}: each shipment needs its own.", valid.number),
            )
        };
        if taken.is_some() {
            return Err(number_taken());
        }
        let written = match amending {
            Some(previous) => self.replace(actor, supplier_id, &previous, &valid).await,
            None => self.insert(actor, supplier_id, &valid).await,
        };
        match written {
            Err(e) if is_unique_violation(&e) => Err(number_taken()),
            Err(DbError::Sqlx(sqlx::Error::RowNotFound)) => {
                Err(AppError::invalid("amends", "The ASN was received or cancelled a moment ago: reload it."))
            }
            other => other.map_err(internal),
        }
    }

    async fn list(&self, actor: &Actor) -> Result<Vec<AsnSummaryView>, AppError> {
        let mut sql = Sql::new(
            "SELECT a.id, a.supplier_id, a.number, s.name AS supplier_name, a.status, a.ship_date, a.eta, a.carrier, a.tracking_ref
               FROM asn a JOIN supplier s ON s.id = a.supplier_id",
        );
        if let Some(supplier) = actor.supplier_scope() {
            sql.push(" WHERE a.supplier_id = ?", [supplier.into()]);
        }
        sql.push(" ORDER BY a.id DESC LIMIT 200", []);
        let rows: Vec<AsnRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        self.summaries(rows).await
    }

    async fn get(&self, actor: &Actor, id: i64) -> Result<AsnView, AppError> {
        let row = self.load(actor, id).await?;
        let can_cancel = actor.supplier_scope() == Some(row.supplier_id) && row.status == "submitted";
        #[derive(sqlx::FromRow)]
        struct PackageRow {
            id: i64,
            number: Option<i64>,
            kind: String,
            parent_id: Option<i64>,
            sscc: String,
            gross_weight_kg: Option<f64>,
        }
        #[derive(sqlx::FromRow)]
        struct LineRow {
            id: i64,
            line_id: i64,
            po_number: String,
            line_no: i64,
            product_code: Option<String>,
            product_name: String,
            quantity: f64,
            uom: String,
            package_id: Option<i64>,
        }
        #[derive(sqlx::FromRow)]
        struct LotRow {
            asn_line_id: i64,
            lot_name: String,
            quantity: f64,
            expiry_date: Option<NaiveDate>,
        }
        let mut exec = self.db.exec();
        let packages: Vec<PackageRow> = exec
            .fetch_all(Sql::new("SELECT id, number, kind, parent_id, sscc, gross_weight_kg FROM asn_package WHERE asn_id = $1 ORDER BY number, id").bind(id))
            .await
            .map_err(internal)?;
        let lines: Vec<LineRow> = exec
            .fetch_all(
                Sql::new(
                    "SELECT al.id, al.purchase_order_line_id AS line_id, po.number AS po_number, l.line_no, p.default_code AS product_code, p.name AS product_name, al.quantity,
                            u.name AS uom, al.package_id
                       FROM asn_line al JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
                       JOIN purchase_order po ON po.id = l.purchase_order_id JOIN product p ON p.id = l.product_id
                       JOIN uom u ON u.id = l.uom_id WHERE al.asn_id = $1 ORDER BY po.number, l.line_no",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        let lots: Vec<LotRow> = exec
            .fetch_all(
                Sql::new("SELECT lot.asn_line_id, lot.lot_name, lot.quantity, lot.expiry_date FROM asn_lot lot JOIN asn_line al ON al.id = lot.asn_line_id WHERE al.asn_id = $1 ORDER BY lot.id")
                    .bind(id),
            )
            .await
            .map_err(internal)?;
        let number_of: BTreeMap<i64, i64> = packages.iter().map(|p| (p.id, p.number.unwrap_or(p.id))).collect();
        let summary = self.summaries(vec![row]).await?.remove(0);
        Ok(AsnView {
            summary,
            can_cancel,
            packages: packages
                .iter()
                .map(|p| AsnPackageView {
                    number: number_of[&p.id],
                    kind: p.kind.clone(),
                    parent_number: p.parent_id.and_then(|id| number_of.get(&id).copied()),
                    sscc: p.sscc.clone(),
                    gross_weight_kg: p.gross_weight_kg,
                })
                .collect(),
            lines: lines
                .into_iter()
                .map(|l| AsnLineView {
                    lots: lots
                        .iter()
                        .filter(|lot| lot.asn_line_id == l.id)
                        .map(|lot| AsnLotView {
                            name: lot.lot_name.clone(),
                            quantity: lot.quantity,
                            expiry: lot.expiry_date,
                        })
                        .collect(),
                    line_id: l.line_id,
                    po_number: l.po_number,
                    line_no: l.line_no,
                    product_code: l.product_code,
                    product_name: l.product_name,
                    quantity: l.quantity,
                    uom: l.uom,
                    package_number: l.package_id.and_then(|id| number_of.get(&id).copied()),
                })
                .collect(),
        })
    }

    async fn cancel(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let supplier_id = require_supplier(actor)?;
        let row = self.load(actor, id).await?;
        if row.status != "submitted" {
            return Err(AppError::invalid(
                "id",
                format!("ASN {} is {} and can no longer be cancelled.", row.number, row.status),
            ));
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        let updated = tx
            .execute(
                Sql::new("UPDATE asn SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = 'submitted'")
                    .bind(Utc::now())
                    .bind(id),
            )
            .await
            .map_err(internal)?;
        if updated != 1 {
            return Err(AppError::invalid("id", "The ASN changed a moment ago. Reload the page."));
        }
        let payload = serde_json::json!({ "asn_id": id, "number": row.number });
        event::emit(
            &mut tx,
            NewEvent {
                event_type: "asn.cancelled",
                aggregate: ("asn", id),
                supplier_id: Some(supplier_id),
                payload: payload.clone(),
                // Odoo's receipt drops what this ASN announced (sync::push).
                destinations: &["odoo"],
            },
        )
        .await
        .map_err(internal)?;
        audit::record(&mut tx, AuditEntry::by(actor, "asn.cancelled", ("asn", id), supplier_id, payload))
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}

impl AsnService {
    async fn insert(&self, actor: &Actor, supplier_id: i64, asn: &ValidAsn) -> crate::db::Result<i64> {
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        let row: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO asn (supplier_id, number, status, carrier, tracking_ref, ship_date, eta, created_by, created_at, updated_at)
                     VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(supplier_id)
                .bind(asn.number.as_str())
                .bind(asn.carrier.clone())
                .bind(asn.tracking_ref.clone())
                .bind(asn.ship_date)
                .bind(asn.eta)
                .bind(actor.user_id)
                .bind(now),
            )
            .await?;
        self.write_contents(&mut tx, row.id, asn).await?;
        let payload = serde_json::json!({ "asn_id": row.id, "number": asn.number, "lines": asn.lines.len(), "packages": asn.packages.len(),
                                          "eta": asn.eta, "carrier": asn.carrier, "tracking_ref": asn.tracking_ref });
        // Odoo's receipt gets the lots, quantities, ETA and tracking number (sync::push).
        event::emit(
            &mut tx,
            NewEvent {
                event_type: "asn.submitted",
                aggregate: ("asn", row.id),
                supplier_id: Some(supplier_id),
                payload: payload.clone(),
                destinations: &["odoo"],
            },
        )
        .await?;
        audit::record(&mut tx, AuditEntry::by(actor, "asn.submitted", ("asn", row.id), supplier_id, payload)).await?;
        tx.commit().await?;
        Ok(row.id)
    }

    /// Packages (with their SSCCs), lines and lots of an ASN, inside the caller's transaction.
    async fn write_contents(&self, tx: &mut Tx, asn_id: i64, asn: &ValidAsn) -> crate::db::Result<()> {
        let mut package_ids: BTreeMap<i64, i64> = BTreeMap::new();
        // Pallets first, so a carton's parent exists when it is written.
        let mut ordered: Vec<&ValidPackage> = asn.packages.iter().collect();
        ordered.sort_by_key(|p| (p.parent.is_some(), p.number));
        for package in ordered {
            let placeholder = format!("pending-{}-{}", asn_id, package.number);
            let inserted: IdRow = tx
                .fetch_one(
                    Sql::new("INSERT INTO asn_package (asn_id, parent_id, kind, sscc, gross_weight_kg, number) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                        .bind(asn_id)
                        .bind(package.parent.map(|n| package_ids[&n]))
                        .bind(package.kind.as_str())
                        .bind(placeholder)
                        .bind(package.weight_kg)
                        .bind(package.number),
                )
                .await?;
            // The package's own id is its serial reference: unique, and never reused.
            let code = sscc::sscc(&self.config.gs1_company_prefix, inserted.id as u64)
                .map_err(|e| crate::db::DbError::Sqlx(sqlx::Error::Protocol(e)))?;
            tx.execute(Sql::new("UPDATE asn_package SET sscc = $1 WHERE id = $2").bind(code).bind(inserted.id)).await?;
            package_ids.insert(package.number, inserted.id);
        }
        for line in &asn.lines {
            let inserted: IdRow = tx
                .fetch_one(
                    Sql::new("INSERT INTO asn_line (asn_id, package_id, purchase_order_line_id, quantity) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind(asn_id)
                        .bind(line.package.map(|n| package_ids[&n]))
                        .bind(line.line_id)
                        .bind(line.quantity),
                )
                .await?;
            for (name, quantity) in &line.lots {
                tx.execute(
                    Sql::new(
                        "INSERT INTO asn_lot (asn_line_id, lot_name, quantity, expiry_date) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(inserted.id)
                    .bind(name.as_str())
                    .bind(*quantity)
                    .bind(line.expiry),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// An ASN of the actor's supplier that may still change: announced, not received nor cancelled.
    async fn amendable(&self, actor: &Actor, id: i64) -> Result<AsnRow, AppError> {
        let row = self.load(actor, id).await?;
        if actor.supplier_scope() != Some(row.supplier_id) {
            return Err(AppError::NotFound);
        }
        if row.status != "submitted" {
            return Err(AppError::invalid(
                "amends",
                format!("ASN {} is {} and can no longer be amended.", row.number, row.status),
            ));
        }
        Ok(row)
    }

    /// Replaces an announced ASN's contents in one transaction. The event names what it announced
    /// before, so the Odoo receipt drops what the amendment no longer ships.
    async fn replace(
        &self,
        actor: &Actor,
        supplier_id: i64,
        previous: &AsnRow,
        asn: &ValidAsn,
    ) -> crate::db::Result<i64> {
        #[derive(sqlx::FromRow)]
        struct Announced {
            purchase_order_line_id: i64,
            lot_name: Option<String>,
        }
        let mut tx = self.db.begin().await?;
        let before: Vec<Announced> = tx
            .fetch_all(
                Sql::new(
                    "SELECT al.purchase_order_line_id, lot.lot_name FROM asn_line al
                       LEFT JOIN asn_lot lot ON lot.asn_line_id = al.id WHERE al.asn_id = $1 ORDER BY al.id, lot.id",
                )
                .bind(previous.id),
            )
            .await?;
        let updated = tx
            .execute(
                Sql::new(
                    "UPDATE asn SET number = $1, carrier = $2, tracking_ref = $3, ship_date = $4, eta = $5, updated_at = $6
                      WHERE id = $7 AND status = 'submitted'",
                )
                .bind(asn.number.as_str())
                .bind(asn.carrier.clone())
                .bind(asn.tracking_ref.clone())
                .bind(asn.ship_date)
                .bind(asn.eta)
                .bind(Utc::now())
                .bind(previous.id),
            )
            .await?;
        if updated != 1 {
            // Received or cancelled a moment ago: nothing is changed.
            return Err(DbError::Sqlx(sqlx::Error::RowNotFound));
        }
        tx.execute(
            Sql::new("DELETE FROM asn_lot WHERE asn_line_id IN (SELECT id FROM asn_line WHERE asn_id = $1)")
                .bind(previous.id),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM asn_line WHERE asn_id = $1").bind(previous.id)).await?;
        // Cartons before the pallets they sit on.
        tx.execute(Sql::new("DELETE FROM asn_package WHERE asn_id = $1 AND parent_id IS NOT NULL").bind(previous.id))
            .await?;
        tx.execute(Sql::new("DELETE FROM asn_package WHERE asn_id = $1").bind(previous.id)).await?;
        self.write_contents(&mut tx, previous.id, asn).await?;
        let previous_lines: Vec<serde_json::Value> = before
            .iter()
            .map(|a| serde_json::json!({ "line_id": a.purchase_order_line_id, "lot_name": a.lot_name }))
            .collect();
        let payload = serde_json::json!({ "asn_id": previous.id, "number": asn.number, "previous_number": previous.number,
                                          "lines": asn.lines.len(), "packages": asn.packages.len(), "eta": asn.eta,
                                          "carrier": asn.carrier, "tracking_ref": asn.tracking_ref, "previous": previous_lines });
        event::emit(
            &mut tx,
            NewEvent {
                event_type: "asn.amended",
                aggregate: ("asn", previous.id),
                supplier_id: Some(supplier_id),
                payload: payload.clone(),
                destinations: &["odoo"],
            },
        )
        .await?;
        audit::record(&mut tx, AuditEntry::by(actor, "asn.amended", ("asn", previous.id), supplier_id, payload))
            .await?;
        tx.commit().await?;
        Ok(previous.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{AsnLineInput, AsnPackageInput};

    fn line(id: i64, tracking: &str, ordered: f64, max: f64) -> ShippableLineView {
        ShippableLineView {
            line_id: id,
            po_id: 1,
            po_number: "P00001".into(),
            line_no: id,
            product_code: None,
            product_name: "Part".into(),
            supplier_product_code: None,
            tracking: tracking.into(),
            uom: "Units".into(),
            ordered,
            received: 0.0,
            announced: 0.0,
            open: ordered,
            max_shippable: max,
            requested_date: Utc::now(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn input(lines: Vec<AsnLineInput>, packages: Vec<AsnPackageInput>) -> AsnInput {
        AsnInput {
            number: "DN-1".into(),
            carrier: "DHL".into(),
            tracking_ref: String::new(),
            ship_date: "2026-11-30".into(),
            eta: "2026-12-02T09:30".into(),
            lines,
            packages,
            amends: None,
        }
    }

    fn ship(id: i64, quantity: &str, lots: &str, package: &str) -> AsnLineInput {
        AsnLineInput {
            line_id: id,
            quantity: quantity.into(),
            lots: lots.into(),
            expiry: String::new(),
            package: package.into(),
        }
    }

    fn package(kind: &str, parent: &str) -> AsnPackageInput {
        AsnPackageInput { kind: kind.into(), parent: parent.into(), weight_kg: String::new() }
    }

    fn errors(result: Result<ValidAsn, Vec<FieldError>>) -> Vec<(String, String)> {
        result.unwrap_err().into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn a_shipment_with_lots_in_a_carton_on_a_pallet_is_valid() {
        let shippable = [line(1, "lot", 10.0, 10.0), line(2, "none", 5.0, 5.0)];
        let asn = validate(
            &input(
                vec![ship(1, "10", "LOT-A: 6; LOT-B: 4", "2"), ship(2, "5", "", "1")],
                vec![package("pallet", ""), package("carton", "1")],
            ),
            &shippable,
            today(),
        )
        .unwrap();
        assert_eq!(asn.lines[0].lots, vec![("LOT-A".to_string(), 6.0), ("LOT-B".to_string(), 4.0)]);
        assert_eq!(asn.packages[1].parent, Some(1));
        assert_eq!(asn.eta.to_rfc3339(), "2026-12-02T09:30:00+00:00");
    }

    #[test]
    fn quantities_stop_at_the_open_quantity_plus_the_tolerance() {
        let shippable = [line(1, "none", 10.0, 10.5)];
        assert!(validate(&input(vec![ship(1, "10.5", "", "")], vec![]), &shippable, today()).is_ok());
        let e = errors(validate(&input(vec![ship(1, "10.6", "", "")], vec![]), &shippable, today()));
        assert_eq!(e[0].0, "lines[0].quantity");
        assert!(e[0].1.contains("At most 10.5"), "{e:?}");
    }

    #[test]
    fn lots_must_add_up_and_serials_must_be_one_per_unit() {
        assert!(parse_lots("LOT-A: 6; LOT-B: 3", 10.0).unwrap_err().contains("add up to 9"));
        assert!(parse_lots("LOT-A: 5; LOT-A: 5", 10.0).unwrap_err().contains("twice"));
        assert_eq!(parse_lots("LOT-A", 10.0).unwrap(), vec![("LOT-A".to_string(), 10.0)]);
        assert!(parse_lots("", 10.0).unwrap_err().contains("lot-tracked"));
        assert_eq!(parse_serials("SN1, SN2\nSN3", 3.0).unwrap().len(), 3);
        assert!(parse_serials("SN1, SN2", 3.0).unwrap_err().contains("exactly one per unit"));
        assert!(parse_serials("SN1, SN1", 2.0).unwrap_err().contains("twice"));
        assert!(parse_serials("SN1", 1.5).unwrap_err().contains("whole units"));
        let shippable = [line(1, "none", 10.0, 10.0)];
        let e = errors(validate(&input(vec![ship(1, "10", "LOT-A", "")], vec![]), &shippable, today()));
        assert_eq!(e[0].0, "lines[0].lots");
    }

    #[test]
    fn the_package_tree_is_checked() {
        let shippable = [line(1, "none", 10.0, 10.0)];
        // A line must say its package when there are packages; an empty package is refused.
        let e = errors(validate(&input(vec![ship(1, "10", "", "")], vec![package("carton", "")]), &shippable, today()));
        assert!(e.iter().any(|(f, _)| f == "lines[0].package"), "{e:?}");
        let e = errors(validate(
            &input(vec![ship(1, "10", "", "1")], vec![package("carton", ""), package("carton", "")]),
            &shippable,
            today(),
        ));
        assert!(e.iter().any(|(f, m)| f == "packages[1].kind" && m.contains("empty")), "{e:?}");
        // Only cartons sit on pallets; a parent must exist.
        let e = errors(validate(
            &input(vec![ship(1, "10", "", "2")], vec![package("carton", ""), package("carton", "1")]),
            &shippable,
            today(),
        ));
        assert!(e.iter().any(|(f, _)| f == "packages[1].parent"), "{e:?}");
        let e =
            errors(validate(&input(vec![ship(1, "10", "", "1")], vec![package("carton", "7")]), &shippable, today()));
        assert!(e.iter().any(|(f, m)| f == "packages[0].parent" && m.contains("no package 7")), "{e:?}");
    }

    #[test]
    fn header_fields_are_required_and_dates_must_make_sense() {
        let shippable = [line(1, "none", 10.0, 10.0)];
        let mut bad = input(vec![ship(1, "10", "", "")], vec![]);
        bad.number = " ".into();
        bad.ship_date = "2026-12-05".into();
        bad.eta = "2026-12-01".into();
        let e = errors(validate(&bad, &shippable, today()));
        assert!(e.iter().any(|(f, _)| f == "number"));
        assert!(e.iter().any(|(f, m)| f == "eta" && m.contains("before it ships")), "{e:?}");
        let e = errors(validate(&input(vec![ship(1, "", "", "")], vec![]), &shippable, today()));
        assert_eq!(e[0].0, "lines");
    }
}
