//! Display formatting shared by every page: dates, quantities and money.

use chrono::{DateTime, Utc};

pub fn date(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

pub fn opt_date(at: &Option<DateTime<Utc>>) -> String {
    at.as_ref().map(date).unwrap_or_else(|| "—".to_string())
}

pub fn date_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A quantity without trailing zeros: `12`, `2.5`, `0.125`.
pub fn quantity(q: f64) -> String {
    let s = format!("{q:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// An amount with thousands separators and two decimals, followed by its currency: `12,345.60 EUR`.
pub fn money(amount: f64, currency: &str) -> String {
    let cents = (amount * 100.0).round() as i128;
    let (sign, cents) = if cents < 0 { ("-", -cents) } else { ("", cents) };
    let units = (cents / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3);
    for (i, ch) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02} {currency}", cents % 100)
}

/// A value fit for a URL's query: everything but unreserved characters percent-encoded.
pub fn url_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a supplier's proposal stands: "awaiting the buyer", or the buyer's decision and comment.
pub fn decision_status(status: &str, comment: Option<&str>) -> String {
    match (status, comment) {
        ("pending", _) => "awaiting the buyer".to_string(),
        (decided, Some(comment)) => format!("{decided} by the buyer: {comment}"),
        (decided, None) => format!("{decided} by the buyer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        assert_eq!(money(1234567.891, "EUR"), "1,234,567.89 EUR");
        assert_eq!(money(0.5, "USD"), "0.50 USD");
        assert_eq!(money(-1000.0, "EUR"), "-1,000.00 EUR");
        assert_eq!(money(999.999, "EUR"), "1,000.00 EUR");
    }

    #[test]
    fn decision_status_names_the_outcome_and_comment() {
        assert_eq!(decision_status("pending", Some("x")), "awaiting the buyer");
        assert_eq!(decision_status("rejected", Some("Too late")), "rejected by the buyer: Too late");
        assert_eq!(decision_status("approved", None), "approved by the buyer");
    }

    #[test]
    fn quantity_drops_trailing_zeros() {
        assert_eq!(quantity(12.0), "12");
        assert_eq!(quantity(2.5), "2.5");
        assert_eq!(quantity(0.125), "0.125");
    }
}
