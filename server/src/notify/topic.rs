//! Which canonical events tell someone something, under which topic (and so to whom).

use app::model::NotificationTopic;

/// The topic of an event, or `None` when nobody is notified of it. `payload` decides for an
/// acknowledgement: an order accepted as ordered is routine, a rejection or a proposal needs a buyer.
pub fn topic_of(event_type: &str, payload: &serde_json::Value) -> Option<NotificationTopic> {
    use NotificationTopic::*;
    Some(match event_type {
        "po.received" => NewPo,
        "po.revised" => PoRevised,
        "po.ack_reminder" => AckReminder,
        "po.change_decided" | "leadtime.decided" => ProposalDecided,
        "quality_hold.raised" | "quality_hold.closed" | "quality_hold.reopened" => QualityHold,
        "po.acknowledged" => match payload.get("ack_state").and_then(|s| s.as_str()) {
            Some("accepted") => Acknowledged,
            _ => ProposalReceived,
        },
        "leadtime.proposed" => ProposalReceived,
        "asn.submitted" | "asn.amended" | "asn.cancelled" => AsnReceived,
        "quality_hold.responded" => QualityResponse,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn supplier_side_events_reach_suppliers_and_supplier_actions_reach_buyers() {
        for (event, supplier_side) in [
            ("po.received", true),
            ("po.revised", true),
            ("po.ack_reminder", true),
            ("po.change_decided", true),
            ("leadtime.decided", true),
            ("quality_hold.raised", true),
            ("quality_hold.closed", true),
            ("leadtime.proposed", false),
            ("asn.submitted", false),
            ("asn.cancelled", false),
            ("asn.amended", false),
            ("quality_hold.responded", false),
        ] {
            let topic = topic_of(event, &json!({})).unwrap_or_else(|| panic!("{event} notifies"));
            assert_eq!(topic.for_supplier_side(), supplier_side, "{event}");
        }
    }

    #[test]
    fn an_acceptance_is_routine_but_a_rejection_or_proposal_asks_for_a_buyer() {
        assert_eq!(
            topic_of("po.acknowledged", &json!({"ack_state": "accepted"})),
            Some(NotificationTopic::Acknowledged)
        );
        for state in ["rejected", "changes_proposed", "partially_accepted"] {
            assert_eq!(
                topic_of("po.acknowledged", &json!({ "ack_state": state })),
                Some(NotificationTopic::ProposalReceived),
                "{state}"
            );
        }
        assert!(!NotificationTopic::Acknowledged.email_by_default());
        assert!(NotificationTopic::ProposalReceived.email_by_default());
    }

    #[test]
    fn bookkeeping_events_notify_nobody() {
        for event in ["po.change_proposed", "component.delayed", "receipt.posted"] {
            assert_eq!(topic_of(event, &json!({})), None, "{event}");
        }
    }
}
