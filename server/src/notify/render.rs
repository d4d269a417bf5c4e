//! What a notification says: a title, one sentence, and where to act. The same words go into the
//! bell, the list and the e-mail.

use serde_json::Value;

use crate::db::{Db, DbError, Executor, Sql};

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub title: String,
    pub body: String,
    /// A path in the portal (`/pos/12`), made absolute for e-mail.
    pub link: String,
}

/// The names an event's aggregate goes by: a PO or ASN number, a product; and its supplier.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Subject {
    pub label: Option<String>,
    pub supplier_name: Option<String>,
}

pub async fn subject(db: &Db, aggregate_type: &str, aggregate_id: i64) -> Result<Subject, DbError> {
    let sql = match aggregate_type {
        "purchase_order" => {
            "SELECT po.number AS label, s.name AS supplier_name
               FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id WHERE po.id = $1"
        }
        "asn" => "SELECT a.number AS label, s.name AS supplier_name FROM asn a JOIN supplier s ON s.id = a.supplier_id WHERE a.id = $1",
        "leadtime_proposal" => {
            "SELECT p.name AS label, s.name AS supplier_name FROM leadtime_proposal lp
               JOIN supplier_product sp ON sp.id = lp.supplier_product_id
               JOIN product p ON p.id = sp.product_id JOIN supplier s ON s.id = sp.supplier_id WHERE lp.id = $1"
        }
        "quality_hold" => {
            "SELECT p.name AS label, s.name AS supplier_name FROM quality_hold q
               JOIN product p ON p.id = q.product_id JOIN supplier s ON s.id = q.supplier_id WHERE q.id = $1"
        }
        _ => return Ok(Subject::default()),
    };
    Ok(db.exec().fetch_optional(Sql::new(sql).bind(aggregate_id)).await?.unwrap_or_default())
}

fn text<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Pure: the words for one event, as its audience reads them.
pub fn render(event_type: &str, aggregate: (&str, i64), payload: &Value, subject: &Subject) -> Rendered {
    let (aggregate_type, id) = aggregate;
    let label = subject
        .label
        .clone()
        .or_else(|| text(payload, "number").map(str::to_string))
        .unwrap_or_else(|| format!("#{id}"));
    let supplier = subject.supplier_name.clone().unwrap_or_else(|| "The supplier".into());
    let comment = text(payload, "comment").map(|c| format!(" Comment: {c}")).unwrap_or_default();
    let reason = text(payload, "reason").map(|r| format!(" Reason: {r}")).unwrap_or_default();
    let decision = text(payload, "decision").unwrap_or("decided");
    let po_link = format!("/pos/{id}");
    let (title, body, link) = match event_type {
        "po.received" => (
            format!("New purchase order {label}"),
            format!("Purchase order {label} is waiting for your acknowledgement."),
            po_link,
        ),
        "po.revised" => (
            format!("Purchase order {label} was changed"),
            format!(
                "The buyer changed {label} (revision {}). Review what changed and confirm the changed lines again.",
                payload.get("revision").and_then(Value::as_i64).map_or("new".into(), |r| r.to_string())
            ),
            po_link,
        ),
        "po.ack_reminder" => (
            format!("Acknowledge {label} soon"),
            match text(payload, "due_at") {
                Some(due) => format!("Purchase order {label} is due for acknowledgement by {due} (UTC)."),
                None => format!("Purchase order {label} is due for acknowledgement soon."),
            },
            po_link,
        ),
        "po.acknowledged" => {
            let what = match text(payload, "ack_state") {
                Some("accepted") => "accepted",
                Some("rejected") => "rejected",
                Some("changes_proposed") => "proposed changes to",
                _ => "answered",
            };
            (
                format!("{supplier} {what} {label}"),
                format!("{supplier} {what} purchase order {label}.{reason}"),
                po_link,
            )
        }
        "po.change_decided" => (
            format!("Your proposal on {label} was {decision}"),
            format!("The buyer {decision} your proposed change to purchase order {label}.{comment}"),
            po_link,
        ),
        "leadtime.proposed" => (
            format!("{supplier} proposed a new lead time"),
            format!(
                "{supplier} proposes {} days for {label} (now {} days).",
                payload.get("proposed_days").and_then(Value::as_i64).unwrap_or_default(),
                payload.get("current_days").and_then(Value::as_i64).unwrap_or_default()
            ),
            "/lead-time-proposals".into(),
        ),
        "leadtime.decided" => (
            format!("Your lead time for {label} was {decision}"),
            format!("The buyer {decision} your proposed lead time for {label}.{comment}"),
            "/lead-times".into(),
        ),
        "asn.submitted" => (
            format!("{supplier} shipped {label}"),
            format!("{supplier} sent advance shipping notice {label}."),
            format!("/asns/{id}"),
        ),
        "asn.amended" => (
            format!("{supplier} amended {label}"),
            format!("{supplier} changed what advance shipping notice {label} announces. Review the new contents."),
            format!("/asns/{id}"),
        ),
        "asn.cancelled" => (
            format!("{supplier} cancelled {label}"),
            format!("{supplier} withdrew advance shipping notice {label}: nothing ships under it."),
            format!("/asns/{id}"),
        ),
        "quality_hold.raised" => (
            format!("Quality hold on {label}"),
            format!("Material {label} is on hold.{reason} Please answer with containment and root cause."),
            format!("/quality/{id}"),
        ),
        "quality_hold.responded" => (
            format!("{supplier} answered the quality hold on {label}"),
            format!("{supplier} sent an 8D response for the hold on {label}. Review it and close or reopen the hold."),
            format!("/quality/{id}"),
        ),
        "quality_hold.closed" => (
            format!("Quality hold on {label} closed"),
            format!("The buyer closed the quality hold on {label}.{comment}"),
            format!("/quality/{id}"),
        ),
        "quality_hold.reopened" => (
            format!("Quality hold on {label} reopened"),
            format!("The buyer reopened the quality hold on {label}.{reason}"),
            format!("/quality/{id}"),
        ),
        other => (format!("{other}: {label}"), format!("{aggregate_type} {label} changed ({other})."), "/".into()),
    };
    Rendered { title, body, link }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn named(label: &str) -> Subject {
        Subject { label: Some(label.into()), supplier_name: Some("Nordhavn Fasteners".into()) }
    }

    #[test]
    fn a_decision_names_the_po_the_outcome_and_the_buyers_comment() {
        let r = render(
            "po.change_decided",
            ("purchase_order", 12),
            &json!({"decision": "rejected", "comment": "We need the full quantity"}),
            &named("P00012"),
        );
        assert_eq!(r.title, "Your proposal on P00012 was rejected");
        assert!(r.body.ends_with("Comment: We need the full quantity"), "{}", r.body);
        assert_eq!(r.link, "/pos/12");
    }

    #[test]
    fn buyers_read_who_did_it() {
        let r = render("asn.submitted", ("asn", 3), &json!({"number": "ASN-7"}), &named("ASN-7"));
        assert_eq!(r.title, "Nordhavn Fasteners shipped ASN-7");
        assert_eq!(r.link, "/asns/3");
        let r = render(
            "po.acknowledged",
            ("purchase_order", 5),
            &json!({"ack_state": "rejected", "reason": "Tooling broken"}),
            &named("P00005"),
        );
        assert_eq!(r.title, "Nordhavn Fasteners rejected P00005");
        assert!(r.body.contains("Reason: Tooling broken"));
    }

    #[test]
    fn a_missing_subject_falls_back_to_the_payload_then_the_id() {
        let r = render("po.received", ("purchase_order", 9), &json!({"number": "P00009"}), &Subject::default());
        assert_eq!(r.title, "New purchase order P00009");
        let r = render("po.received", ("purchase_order", 9), &json!({}), &Subject::default());
        assert_eq!(r.title, "New purchase order #9");
    }
}
