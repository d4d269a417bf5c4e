//! Wire types of notifications (the bell, the list, e-mail preferences) and of team administration
//! (invitations, deactivation) and the one-time account links.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Role;

/// What a notification is about; e-mail can be switched per topic. Each topic has one audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationTopic {
    NewPo,
    PoRevised,
    AckReminder,
    ProposalDecided,
    QualityHold,
    Acknowledged,
    ProposalReceived,
    AsnReceived,
    QualityResponse,
}

impl NotificationTopic {
    pub const ALL: [NotificationTopic; 9] = [
        NotificationTopic::NewPo,
        NotificationTopic::PoRevised,
        NotificationTopic::AckReminder,
        NotificationTopic::ProposalDecided,
        NotificationTopic::QualityHold,
        NotificationTopic::Acknowledged,
        NotificationTopic::ProposalReceived,
        NotificationTopic::AsnReceived,
        NotificationTopic::QualityResponse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationTopic::NewPo => "new_po",
            NotificationTopic::PoRevised => "po_revised",
            NotificationTopic::AckReminder => "ack_reminder",
            NotificationTopic::ProposalDecided => "proposal_decided",
            NotificationTopic::QualityHold => "quality_hold",
            NotificationTopic::Acknowledged => "acknowledged",
            NotificationTopic::ProposalReceived => "proposal_received",
            NotificationTopic::AsnReceived => "asn_received",
            NotificationTopic::QualityResponse => "quality_response",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationTopic> {
        NotificationTopic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            NotificationTopic::NewPo => "New purchase orders",
            NotificationTopic::PoRevised => "Purchase orders changed by the buyer",
            NotificationTopic::AckReminder => "Reminders before an acknowledgement is due",
            NotificationTopic::ProposalDecided => "Decisions on your proposals",
            NotificationTopic::QualityHold => "Quality holds on your material",
            NotificationTopic::Acknowledged => "Purchase orders accepted as ordered",
            NotificationTopic::ProposalReceived => "Supplier proposals and rejections",
            NotificationTopic::AsnReceived => "Advance shipping notices",
            NotificationTopic::QualityResponse => "Supplier answers to quality holds",
        }
    }

    /// Supplier users hear of their POs and holds; buyers hear of what suppliers did.
    pub fn for_supplier_side(self) -> bool {
        matches!(
            self,
            NotificationTopic::NewPo
                | NotificationTopic::PoRevised
                | NotificationTopic::AckReminder
                | NotificationTopic::ProposalDecided
                | NotificationTopic::QualityHold
        )
    }

    /// Routine confirmations stay in the portal unless asked for; everything else is e-mailed.
    pub fn email_by_default(self) -> bool {
        self != NotificationTopic::Acknowledged
    }

    /// The topics a role hears of (admins: the buyers' ones).
    pub fn for_role(role: Role) -> Vec<NotificationTopic> {
        NotificationTopic::ALL.into_iter().filter(|t| t.for_supplier_side() == role.is_supplier_side()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub topic: NotificationTopic,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub unread: i64,
    /// More, older notifications exist (the list shows the latest).
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferenceView {
    pub topic: NotificationTopic,
    pub label: String,
    pub email: bool,
}

/// The topics whose e-mail is on; every other topic of the role is switched off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreferencesInput {
    #[serde(default)]
    pub email: Vec<String>,
    /// Always sent by the form, so that a form with every box unchecked still carries `input`.
    #[serde(default)]
    pub form: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamMemberView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub supplier_name: Option<String>,
    pub active: bool,
    /// Invited, and the invitation not yet accepted.
    pub pending: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub is_self: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamView {
    pub members: Vec<TeamMemberView>,
    /// The roles this actor may invite.
    pub invitable_roles: Vec<Role>,
    /// Buyers invite supplier admins for a supplier they choose.
    pub suppliers: Vec<super::SupplierOption>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InviteInput {
    pub email: String,
    pub display_name: String,
    pub role: String,
    /// Only buyers and admins choose; a supplier admin invites into their own supplier.
    #[serde(default)]
    pub supplier_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberStatusInput {
    pub user_id: i64,
    pub active: bool,
}

/// What the one-time link pages show before the form: whose link it is, or why it no longer works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AccountLinkView {
    Valid { email: String, display_name: String },
    Invalid { reason: String },
}

/// What the public account forms (forgot password, set password) show after a redirect.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountNotice {
    pub error: Option<String>,
    pub info: Option<String>,
}

/// Session key of the [`AccountNotice`] carried across the public forms' redirects.
pub const ACCOUNT_NOTICE_KEY: &str = "account_notice";
