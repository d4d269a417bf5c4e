//! Reading Odoo's values (RPC reads): many2one `[id, "name"]` or `false`, datetimes as UTC
//! `"YYYY-MM-DD HH:MM:SS"`, unset values as `false`. Typed records of what the portal imports.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::odoo::FieldNames;

pub fn many2one(record: &Map<String, Value>, field: &str) -> Option<(i64, String)> {
    match record.get(field)? {
        Value::Array(pair) => {
            Some((pair.first()?.as_i64()?, pair.get(1).and_then(Value::as_str).unwrap_or_default().into()))
        }
        // Webhook payloads carry bare ids (`read(load=None)` in `_run_action_webhook`).
        Value::Number(id) => Some((id.as_i64()?, String::new())),
        _ => None,
    }
}

pub fn text(record: &Map<String, Value>, field: &str) -> Option<String> {
    record.get(field).and_then(Value::as_str).map(str::to_string)
}

pub fn float(record: &Map<String, Value>, field: &str) -> f64 {
    record.get(field).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Odoo datetimes; webhook payloads add microseconds (`.ffffff`).
pub fn datetime(record: &Map<String, Value>, field: &str) -> Option<DateTime<Utc>> {
    parse_datetime(record.get(field)?.as_str()?)
}

pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(&format!("{text} 00:00:00"), "%Y-%m-%d %H:%M:%S").ok())
        .map(|n| n.and_utc())
}

/// Odoo's `purchase.order.state`, in our spelling.
pub fn order_state(odoo: &str) -> Option<&'static str> {
    Some(match odoo {
        "draft" => "draft",
        "sent" => "sent",
        "to approve" => "to_approve",
        "purchase" => "purchase",
        "done" => "done",
        "cancel" => "cancel",
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct OdooOrder {
    pub id: i64,
    pub name: String,
    pub partner_id: i64,
    pub state: &'static str,
    pub date_order: DateTime<Utc>,
    pub date_planned: Option<DateTime<Utc>>,
    pub currency: String,
    pub amount_untaxed: f64,
    pub amount_total: f64,
    pub buyer: Option<String>,
    pub partner_ref: Option<String>,
    pub notes: Option<String>,
    pub write_date: DateTime<Utc>,
}

pub fn order_fields(names: FieldNames) -> Vec<&'static str> {
    vec![
        "name",
        "partner_id",
        "state",
        "date_order",
        "date_planned",
        "currency_id",
        "amount_untaxed",
        "amount_total",
        "user_id",
        "partner_ref",
        names.order_notes,
        "write_date",
    ]
}

impl OdooOrder {
    pub fn parse(record: &Map<String, Value>, names: FieldNames) -> Result<OdooOrder, String> {
        let id = record.get("id").and_then(Value::as_i64).ok_or("a purchase.order without id")?;
        let state = text(record, "state").unwrap_or_default();
        Ok(OdooOrder {
            id,
            name: text(record, "name").ok_or_else(|| format!("purchase.order {id} has no name"))?,
            partner_id: many2one(record, "partner_id").ok_or_else(|| format!("purchase.order {id} has no vendor"))?.0,
            state: order_state(&state).ok_or_else(|| format!("purchase.order {id} has unknown state {state:?}"))?,
            date_order: datetime(record, "date_order")
                .ok_or_else(|| format!("purchase.order {id} has no date_order"))?,
            date_planned: datetime(record, "date_planned"),
            currency: many2one(record, "currency_id")
                .map(|(_, name)| name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "EUR".into()),
            amount_untaxed: float(record, "amount_untaxed"),
            amount_total: float(record, "amount_total"),
            buyer: many2one(record, "user_id").map(|(_, name)| name),
            partner_ref: text(record, "partner_ref").filter(|r| !r.is_empty()),
            notes: text(record, names.order_notes).map(|html| strip_html(&html)).filter(|n| !n.is_empty()),
            write_date: datetime(record, "write_date")
                .ok_or_else(|| format!("purchase.order {id} has no write_date"))?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OdooLine {
    pub id: i64,
    pub order_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub description: String,
    pub quantity: f64,
    pub uom_id: i64,
    pub uom_name: String,
    pub price_unit: f64,
    pub subtotal: f64,
    pub date_planned: DateTime<Utc>,
    pub qty_received: f64,
    pub write_date: Option<DateTime<Utc>>,
}

pub fn line_fields(names: FieldNames) -> Vec<&'static str> {
    vec![
        "order_id",
        "product_id",
        "name",
        "product_qty",
        names.line_uom,
        "price_unit",
        "price_subtotal",
        "date_planned",
        "qty_received",
        "display_type",
        "write_date",
    ]
}

impl OdooLine {
    /// `None` for section and note lines (no product): they are layout, not demand.
    pub fn parse(record: &Map<String, Value>, names: FieldNames) -> Result<Option<OdooLine>, String> {
        let id = record.get("id").and_then(Value::as_i64).ok_or("a purchase.order.line without id")?;
        if text(record, "display_type").is_some_and(|t| !t.is_empty()) {
            return Ok(None);
        }
        let Some((product_id, product_name)) = many2one(record, "product_id") else {
            return Ok(None);
        };
        let (uom_id, uom_name) = many2one(record, names.line_uom).ok_or_else(|| format!("line {id} has no unit"))?;
        let quantity = float(record, "product_qty");
        let price_unit = float(record, "price_unit");
        Ok(Some(OdooLine {
            id,
            order_id: many2one(record, "order_id").ok_or_else(|| format!("line {id} has no order"))?.0,
            product_id,
            description: text(record, "name").unwrap_or_else(|| product_name.clone()),
            product_name,
            quantity,
            uom_id,
            uom_name,
            price_unit,
            subtotal: record
                .get("price_subtotal")
                .and_then(Value::as_f64)
                .unwrap_or((quantity * price_unit * 100.0).round() / 100.0),
            date_planned: datetime(record, "date_planned").ok_or_else(|| format!("line {id} has no date_planned"))?,
            qty_received: float(record, "qty_received"),
            write_date: datetime(record, "write_date"),
        }))
    }
}

/// Odoo's notes are HTML; the portal shows text.
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odoo::OdooVersion;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_odoo_values_as_rpc_and_webhooks_send_them() {
        let r = object(json!({"partner_id": [47, "ACME"], "user_id": false, "hook": 47,
                              "write_date": "2026-11-30 00:15:33.353637", "date": "2026-12-10"}));
        assert_eq!(many2one(&r, "partner_id"), Some((47, "ACME".into())));
        assert_eq!(many2one(&r, "user_id"), None);
        assert_eq!(many2one(&r, "hook"), Some((47, String::new())));
        assert_eq!(datetime(&r, "write_date").unwrap().timestamp_subsec_micros(), 353637);
        assert_eq!(datetime(&r, "date").unwrap().to_rfc3339(), "2026-12-10T00:00:00+00:00");
    }

    #[test]
    fn parses_an_order_by_version() {
        let v17 = OdooVersion::parse("17.0").unwrap().fields();
        let v19 = OdooVersion::parse("19.0").unwrap().fields();
        let base = json!({"id": 13, "name": "P00013", "partner_id": [47, "ACME"], "state": "to approve",
            "date_order": "2026-11-30 08:00:00", "date_planned": false, "currency_id": [1, "EUR"],
            "amount_untaxed": 100.0, "amount_total": 119.0, "user_id": [2, "Maria"], "partner_ref": false,
            "write_date": "2026-11-30 08:00:01"});
        let mut r17 = object(base.clone());
        r17.insert("notes".into(), json!("<p>Fragile &amp; heavy</p>"));
        let mut r19 = object(base);
        r19.insert("note".into(), json!("<p>Fragile &amp; heavy</p>"));
        let o17 = OdooOrder::parse(&r17, v17).unwrap();
        let o19 = OdooOrder::parse(&r19, v19).unwrap();
        assert_eq!(o17, o19);
        assert_eq!(o17.state, "to_approve");
        assert_eq!(o17.notes.as_deref(), Some("Fragile & heavy"));
        assert_eq!(o17.partner_ref, None);
        assert!(order_fields(v19).contains(&"note") && order_fields(v17).contains(&"notes"));
    }

    #[test]
    fn lines_follow_the_uom_field_of_the_version_and_skip_sections() {
        let v19 = OdooVersion::parse("19.0").unwrap().fields();
        let line = object(json!({"id": 25, "order_id": [13, "P00013"], "product_id": [5, "Bolt"], "name": "Bolt M8",
            "product_qty": 10.0, "product_uom_id": [1, "Units"], "price_unit": 2.5, "price_subtotal": 25.0,
            "date_planned": "2026-12-10 00:15:27", "qty_received": 0.0, "display_type": false}));
        let parsed = OdooLine::parse(&line, v19).unwrap().unwrap();
        assert_eq!((parsed.uom_id, parsed.quantity, parsed.order_id), (1, 10.0, 13));
        let section =
            object(json!({"id": 26, "order_id": [13, "P00013"], "product_id": false, "display_type": "line_section"}));
        assert_eq!(OdooLine::parse(&section, v19).unwrap(), None);
        let v17 = OdooVersion::parse("17.0").unwrap().fields();
        assert!(OdooLine::parse(&line, v17).is_err(), "17 names the unit product_uom");
    }
}
