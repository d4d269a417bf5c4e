//! Wire types: what pages and server functions exchange (`…View` to read, `…Query` to filter).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod notification;
pub use notification::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SupplierUser,
    SupplierAdmin,
    Buyer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::SupplierUser, Role::SupplierAdmin, Role::Buyer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SupplierUser => "supplier_user",
            Role::SupplierAdmin => "supplier_admin",
            Role::Buyer => "buyer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Supplier roles are bound to exactly one supplier; buyers and admins see every supplier.
    pub fn is_supplier_side(self) -> bool {
        matches!(self, Role::SupplierUser | Role::SupplierAdmin)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SupplierUser => "Supplier",
            Role::SupplierAdmin => "Supplier admin",
            Role::Buyer => "Buyer",
            Role::Admin => "Administrator",
        }
    }
}

/// Who is signed in, as the app shell shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub supplier_name: Option<String>,
}

/// Session key under which the login handler leaves a [`LoginNotice`] for the next render.
pub const LOGIN_NOTICE_KEY: &str = "login_notice";

/// What the sign-in form shows after a failed attempt (carried across the redirect).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginNotice {
    pub error: Option<String>,
    pub email: String,
    /// The single sign-on provider's name when SSO is on (filled in by the server, not stored).
    #[serde(default)]
    pub sso: Option<String>,
}

/// Single sign-on as the server offers it, provided to server functions as context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SsoOffer {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PoState {
    Draft,
    Sent,
    ToApprove,
    Purchase,
    Done,
    Cancel,
}

impl PoState {
    pub const ALL: [PoState; 6] =
        [PoState::Draft, PoState::Sent, PoState::ToApprove, PoState::Purchase, PoState::Done, PoState::Cancel];

    pub fn as_str(self) -> &'static str {
        match self {
            PoState::Draft => "draft",
            PoState::Sent => "sent",
            PoState::ToApprove => "to_approve",
            PoState::Purchase => "purchase",
            PoState::Done => "done",
            PoState::Cancel => "cancel",
        }
    }

    pub fn parse(s: &str) -> Option<PoState> {
        PoState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Odoo's state names as a buyer and a supplier read them.
    pub fn label(self) -> &'static str {
        match self {
            PoState::Draft => "RFQ",
            PoState::Sent => "RFQ sent",
            PoState::ToApprove => "To approve",
            PoState::Purchase => "Purchase order",
            PoState::Done => "Locked",
            PoState::Cancel => "Cancelled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AckState {
    Pending,
    Accepted,
    PartiallyAccepted,
    ChangesProposed,
    Rejected,
    Reconfirm,
}

impl AckState {
    pub const ALL: [AckState; 6] = [
        AckState::Pending,
        AckState::Accepted,
        AckState::PartiallyAccepted,
        AckState::ChangesProposed,
        AckState::Rejected,
        AckState::Reconfirm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AckState::Pending => "pending",
            AckState::Accepted => "accepted",
            AckState::PartiallyAccepted => "partially_accepted",
            AckState::ChangesProposed => "changes_proposed",
            AckState::Rejected => "rejected",
            AckState::Reconfirm => "reconfirm",
        }
    }

    pub fn parse(s: &str) -> Option<AckState> {
        AckState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AckState::Pending => "Awaiting acknowledgement",
            AckState::Accepted => "Acknowledged",
            AckState::PartiallyAccepted => "Partly acknowledged",
            AckState::ChangesProposed => "Changes proposed",
            AckState::Rejected => "Rejected",
            AckState::Reconfirm => "Changed: confirm again",
        }
    }
}

/// Sort orders of the PO list; the wire form is the column, `-` prefixed for descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PoSort {
    #[default]
    OrderDateDesc,
    OrderDateAsc,
    ExpectedDateAsc,
    ExpectedDateDesc,
    NumberAsc,
    NumberDesc,
    TotalDesc,
    TotalAsc,
}

impl PoSort {
    pub const ALL: [PoSort; 8] = [
        PoSort::OrderDateDesc,
        PoSort::OrderDateAsc,
        PoSort::ExpectedDateAsc,
        PoSort::ExpectedDateDesc,
        PoSort::NumberAsc,
        PoSort::NumberDesc,
        PoSort::TotalDesc,
        PoSort::TotalAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PoSort::OrderDateDesc => "-order_date",
            PoSort::OrderDateAsc => "order_date",
            PoSort::ExpectedDateAsc => "expected_date",
            PoSort::ExpectedDateDesc => "-expected_date",
            PoSort::NumberAsc => "number",
            PoSort::NumberDesc => "-number",
            PoSort::TotalDesc => "-total",
            PoSort::TotalAsc => "total",
        }
    }

    pub fn parse(s: &str) -> Option<PoSort> {
        PoSort::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PoSort::OrderDateDesc => "Newest first",
            PoSort::OrderDateAsc => "Oldest first",
            PoSort::ExpectedDateAsc => "Expected soonest",
            PoSort::ExpectedDateDesc => "Expected latest",
            PoSort::NumberAsc => "Number A–Z",
            PoSort::NumberDesc => "Number Z–A",
            PoSort::TotalDesc => "Largest total",
            PoSort::TotalAsc => "Smallest total",
        }
    }
}

/// The inbox's views: what needs the supplier's attention first, then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoView {
    NeedsAck,
    ChangesProposed,
    Reconfirm,
    Open,
    Shipped,
    Closed,
}

impl PoView {
    pub const ALL: [PoView; 6] =
        [PoView::NeedsAck, PoView::ChangesProposed, PoView::Reconfirm, PoView::Open, PoView::Shipped, PoView::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            PoView::NeedsAck => "needs_ack",
            PoView::ChangesProposed => "changes_proposed",
            PoView::Reconfirm => "reconfirm",
            PoView::Open => "open",
            PoView::Shipped => "shipped",
            PoView::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<PoView> {
        PoView::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PoView::NeedsAck => "Needs acknowledgement",
            PoView::ChangesProposed => "Changes proposed",
            PoView::Reconfirm => "Changed by buyer",
            PoView::Open => "Open",
            PoView::Shipped => "Shipped",
            PoView::Closed => "Closed",
        }
    }
}

pub const PO_PAGE_SIZE: u32 = 25;
pub const MAX_SEARCH_LEN: usize = 100;

/// Filters of the PO list, as typed in the URL (`?state=purchase&q=bolt&sort=-total&page=2`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub supplier: Option<i64>,
    #[serde(default)]
    pub view: Option<String>,
}

/// A [`PoQuery`] that has been checked: what the service runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PoFilter {
    pub state: Option<PoState>,
    pub search: Option<String>,
    pub sort: PoSort,
    pub page: u32,
    pub supplier_id: Option<i64>,
    pub view: Option<PoView>,
}

impl PoQuery {
    /// Parse, don't validate: every field is checked once here, with a message naming the field.
    pub fn parse(&self) -> Result<PoFilter, crate::AppError> {
        let state = match self.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(PoState::parse(s).ok_or_else(|| {
                crate::AppError::invalid(
                    "state",
                    format!("Unknown state {s:?}: use one of draft, sent, to_approve, purchase, done, cancel."),
                )
            })?),
        };
        let search = self.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(s) = &search {
            if s.chars().count() > MAX_SEARCH_LEN {
                return Err(crate::AppError::invalid(
                    "q",
                    format!("Search text is too long: at most {MAX_SEARCH_LEN} characters."),
                ));
            }
        }
        let sort = match self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => PoSort::default(),
            Some(s) => PoSort::parse(s)
                .ok_or_else(|| crate::AppError::invalid("sort", format!("Unknown sort order {s:?}.")))?,
        };
        let page = match self.page {
            None => 1,
            Some(0) => return Err(crate::AppError::invalid("page", "Pages are numbered from 1.")),
            Some(p) => p,
        };
        let view = match self.view.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => {
                Some(PoView::parse(v).ok_or_else(|| crate::AppError::invalid("view", format!("Unknown view {v:?}.")))?)
            }
        };
        Ok(PoFilter { state, search, sort, page, supplier_id: self.supplier, view })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PoSummaryView {
    pub id: i64,
    pub number: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub state: PoState,
    pub ack_state: AckState,
    pub order_date: DateTime<Utc>,
    pub expected_date: Option<DateTime<Utc>>,
    pub currency: String,
    pub amount_total: f64,
    pub line_count: i64,
    /// When the supplier's answer is due, while one is awaited on a confirmed PO.
    pub ack_due_at: Option<DateTime<Utc>>,
    pub ack_overdue: bool,
}

/// How many of the actor's POs each inbox view holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoViewCount {
    pub view: PoView,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        let size = i64::from(self.page_size.max(1));
        u32::try_from((self.total + size - 1) / size).unwrap_or(u32::MAX).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PoLineView {
    pub id: i64,
    pub line_no: i64,
    pub product_code: Option<String>,
    pub product_name: String,
    pub supplier_product_code: Option<String>,
    pub description: String,
    pub tracking: String,
    pub quantity: f64,
    pub qty_received: f64,
    pub uom: String,
    pub price_unit: f64,
    pub subtotal: f64,
    pub requested_date: DateTime<Utc>,
    pub ack_state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PoDetailView {
    pub summary: PoSummaryView,
    pub amount_untaxed: f64,
    pub buyer_name: Option<String>,
    pub notes: Option<String>,
    pub supplier_reference: Option<String>,
    pub revision: i64,
    pub received_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub lines: Vec<PoLineView>,
    pub proposals: Vec<ProposalView>,
    /// True when this viewer may acknowledge now: the PO's own supplier, a confirmed PO, lines waiting.
    pub can_acknowledge: bool,
    /// The acknowledgement deadline has passed and the supplier has not answered yet.
    pub ack_overdue: bool,
    /// What Odoo changed in the latest revision (empty for an unrevised PO).
    pub revision_changes: Vec<RevisionChangeView>,
}

/// One field of one line that the buyer changed in Odoo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisionChangeView {
    pub line_no: i64,
    /// `quantity`, `date`, `price`, `product`, `added` or `removed`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl RevisionChangeView {
    /// "Line 2: quantity 10 → 12".
    pub fn sentence(&self) -> String {
        let (from, to) = (self.from.as_deref().unwrap_or("—"), self.to.as_deref().unwrap_or("—"));
        match self.field.as_str() {
            "added" => format!("Line {}: added ({to})", self.line_no),
            "removed" => format!("Line {}: removed (was {from})", self.line_no),
            field => format!("Line {}: {field} {from} → {to}", self.line_no),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierOption {
    pub id: i64,
    pub name: String,
}

/// What a supplier sends to acknowledge a PO. Numbers and dates stay text as typed, so a mistake
/// comes back next to its field with the user's input intact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AckInput {
    pub po_id: i64,
    /// The revision the supplier saw; a PO revised since then must be looked at again.
    pub revision: i64,
    /// `accept_all`, `reject_all` or `per_line`.
    pub decision: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub supplier_reference: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineAckInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineAckInput {
    pub line_id: i64,
    /// `accept`, `reject`, `quantity`, `date` or `split`.
    pub action: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub quantity: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    /// Deliveries of a split, one per line or separated by `;`: `40 @ 2026-12-20`.
    #[serde(default)]
    pub split: Option<String>,
}

/// A supplier's proposal on a line, as shown on the PO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProposalView {
    pub id: i64,
    pub line_id: i64,
    pub kind: String,
    pub proposed_quantity: Option<f64>,
    pub proposed_date: Option<chrono::NaiveDate>,
    pub deliveries: Vec<(f64, chrono::NaiveDate)>,
    pub reason: Option<String>,
    pub status: String,
    /// The buyer's comment on the decision.
    pub decision_comment: Option<String>,
}

/// A pending proposal in the buyer's queue, with what was ordered beside what is proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalQueueItem {
    pub proposal: ProposalView,
    pub po_id: i64,
    pub po_number: String,
    pub supplier_name: String,
    pub line_no: i64,
    pub product_name: String,
    pub ordered_quantity: f64,
    pub uom: String,
    pub requested_date: DateTime<Utc>,
    pub proposed_at: DateTime<Utc>,
}

/// A buyer's decision on a proposal: `accept` or `reject` (a reason is required to reject).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionInput {
    pub proposal_id: i64,
    pub decision: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A product the supplier supplies, with its current lead time and any proposal waiting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadTimeItem {
    pub supplier_product_id: i64,
    pub product_code: Option<String>,
    pub product_name: String,
    pub supplier_code: Option<String>,
    pub lead_time_days: i64,
    pub latest: Option<LeadTimeProposalView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadTimeProposalView {
    pub id: i64,
    pub supplier_product_id: i64,
    pub supplier_name: String,
    pub product_name: String,
    pub current_days: i64,
    pub proposed_days: i64,
    pub effective_date: chrono::NaiveDate,
    pub reason: String,
    pub status: String,
    pub decision_comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Open PO lines that would arrive after their requested date under the proposed lead time.
    pub late_lines: Vec<LateLineView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LateLineView {
    pub po_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub requested_date: DateTime<Utc>,
    pub earliest_delivery: chrono::NaiveDate,
}

/// A supplier's lead-time proposal as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadTimeInput {
    pub supplier_product_id: i64,
    pub days: String,
    pub effective_date: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The buyer's confirmation monitor: per supplier, what is waiting and for how long.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupplierConfirmation {
    pub supplier_id: i64,
    pub supplier_name: String,
    /// Confirmed POs without the supplier's first answer.
    pub awaiting: i64,
    /// Of those, the ones past the supplier's acknowledgement SLA.
    pub overdue: i64,
    /// Hours since the oldest unanswered PO reached the portal.
    pub oldest_awaiting_hours: Option<i64>,
    /// Changed POs waiting for the supplier to confirm again.
    pub reconfirm: i64,
    /// Supplier proposals on PO lines waiting for a buyer.
    pub proposals_pending: i64,
    pub lead_times_pending: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_means_first_page_newest_first() {
        let f = PoQuery::default().parse().unwrap();
        assert_eq!(
            f,
            PoFilter { state: None, search: None, sort: PoSort::OrderDateDesc, page: 1, supplier_id: None, view: None }
        );
        for v in PoView::ALL {
            assert_eq!(PoQuery { view: Some(v.as_str().into()), ..Default::default() }.parse().unwrap().view, Some(v));
        }
        assert!(PoQuery { view: Some("everything".into()), ..Default::default() }.parse().is_err());
    }

    #[test]
    fn unknown_state_is_refused_naming_the_field() {
        let q = PoQuery { state: Some("shipped".into()), ..Default::default() };
        match q.parse() {
            Err(crate::AppError::Invalid { field, message }) => {
                assert_eq!(field, "state");
                assert!(message.contains("shipped"), "{message}");
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn page_zero_and_long_search_are_refused() {
        let zero = PoQuery { page: Some(0), ..Default::default() };
        assert!(matches!(zero.parse(), Err(crate::AppError::Invalid { field, .. }) if field == "page"));
        let long = PoQuery { q: Some("x".repeat(MAX_SEARCH_LEN + 1)), ..Default::default() };
        assert!(matches!(long.parse(), Err(crate::AppError::Invalid { field, .. }) if field == "q"));
    }

    #[test]
    fn search_is_trimmed_and_blank_means_none() {
        let q = PoQuery { q: Some("  bolt ".into()), state: Some(" ".into()), ..Default::default() };
        let f = q.parse().unwrap();
        assert_eq!(f.search.as_deref(), Some("bolt"));
        assert_eq!(f.state, None);
    }

    #[test]
    fn sort_round_trips_through_its_wire_form() {
        for s in PoSort::ALL {
            assert_eq!(PoSort::parse(s.as_str()), Some(s));
        }
        assert!(PoQuery { sort: Some("price; DROP TABLE".into()), ..Default::default() }.parse().is_err());
    }

    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        let p = |total| Page::<()> { items: vec![], page: 1, page_size: 25, total }.page_count();
        assert_eq!(p(0), 1);
        assert_eq!(p(25), 1);
        assert_eq!(p(26), 2);
    }
}

/// The admin's view of the Odoo sync: the queue, its dead letters, the pulls, the last reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOverview {
    pub pending: i64,
    pub dead: i64,
    /// Age of the oldest row waiting to reach Odoo.
    pub oldest_pending_secs: Option<i64>,
    pub connections: Vec<ConnectionView>,
    pub dead_letters: Vec<DeadLetterView>,
    /// Pushes Odoo applied while refusing something beside them (a chatter note), newest first.
    pub warnings: Vec<DeadLetterView>,
    pub pulls: Vec<PullStatusView>,
    pub reconciliation: Option<ReconciliationView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub name: String,
    pub base_url: String,
    pub version: Option<String>,
    pub protocol: Option<String>,
    pub suppliers_bound: i64,
}

/// A push Odoo refused for good (or that ran out of attempts), with Odoo's own message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetterView {
    pub id: i64,
    pub event_type: String,
    /// What it is about, e.g. `purchase_order:42`.
    pub subject: String,
    pub supplier: Option<String>,
    pub attempts: i64,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullStatusView {
    pub supplier: String,
    pub model: String,
    pub last_run_at: Option<DateTime<Utc>>,
    /// The newest Odoo `write_date` seen: the cursor the next pull starts from.
    pub cursor: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub records_seen: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationView {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub checked: i64,
    pub drifted: i64,
    pub repaired: i64,
    pub failed: i64,
    /// One line per drifted record.
    pub detail: Vec<String>,
}

/// Replay one dead letter, or (no id) all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayInput {
    #[serde(default)]
    pub id: Option<i64>,
}

/// A PO line the supplier can still ship: ordered, less received, less announced on open ASNs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShippableLineView {
    pub line_id: i64,
    pub po_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub product_code: Option<String>,
    pub product_name: String,
    pub supplier_product_code: Option<String>,
    /// `none`, `lot` or `serial`.
    pub tracking: String,
    pub uom: String,
    pub ordered: f64,
    pub received: f64,
    pub announced: f64,
    pub open: f64,
    /// The most this line may ship now (open quantity plus the configured tolerance).
    pub max_shippable: f64,
    pub requested_date: DateTime<Utc>,
}

/// What the shipment form starts from: the lines that can ship, and today's date on the server
/// (the default ship date; WebAssembly has no clock of its own here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentDraft {
    pub today: chrono::NaiveDate,
    pub lines: Vec<ShippableLineView>,
}

/// What a supplier sends to announce a shipment; numbers and dates stay text as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AsnInput {
    pub number: String,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub tracking_ref: String,
    pub ship_date: String,
    pub eta: String,
    #[serde(default)]
    pub lines: Vec<AsnLineInput>,
    #[serde(default)]
    pub packages: Vec<AsnPackageInput>,
    /// The ASN this one replaces (an amendment of a shipment not yet received).
    #[serde(default)]
    pub amends: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AsnLineInput {
    pub line_id: i64,
    /// Blank: the line is not in this shipment.
    #[serde(default)]
    pub quantity: String,
    /// Lots as `LOT-A: 6; LOT-B: 4`, or serial numbers separated by commas, spaces or new lines.
    #[serde(default)]
    pub lots: String,
    #[serde(default)]
    pub expiry: String,
    /// The package (1-based, as numbered on the form) the line travels in; blank when there are none.
    #[serde(default)]
    pub package: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AsnPackageInput {
    /// `pallet`, `carton` or `other`; blank rows are ignored.
    #[serde(default)]
    pub kind: String,
    /// The package (1-based) this one sits in, e.g. a carton on pallet 1.
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub weight_kg: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AsnSummaryView {
    pub id: i64,
    pub number: String,
    pub supplier_name: String,
    /// `submitted`, `received` or `cancelled`.
    pub status: String,
    pub ship_date: Option<chrono::NaiveDate>,
    pub eta: Option<DateTime<Utc>>,
    pub carrier: Option<String>,
    pub tracking_ref: Option<String>,
    pub po_numbers: Vec<String>,
    pub packages: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AsnView {
    pub summary: AsnSummaryView,
    pub packages: Vec<AsnPackageView>,
    pub lines: Vec<AsnLineView>,
    pub can_cancel: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AsnPackageView {
    /// 1-based, as on the form and the labels.
    pub number: i64,
    pub kind: String,
    pub parent_number: Option<i64>,
    /// 18 digits, GS1 check digit included.
    pub sscc: String,
    pub gross_weight_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AsnLineView {
    /// The PO line shipped.
    pub line_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub product_code: Option<String>,
    pub product_name: String,
    pub quantity: f64,
    pub uom: String,
    pub package_number: Option<i64>,
    pub lots: Vec<AsnLotView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AsnLotView {
    pub name: String,
    pub quantity: f64,
    pub expiry: Option<chrono::NaiveDate>,
}

// Quality holds (issue 4): the types live in model/quality.rs.
pub mod quality;
pub use quality::*;

mod api_access;
pub use api_access::*;
// ---- Exception queue and supplier scorecards (buyers and admins) ----

/// The buyer's exception queue: components that will arrive after they are required, worst first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionQueueView {
    /// The server's date (alternative suppliers' earliest dates count from it).
    pub today: chrono::NaiveDate,
    pub items: Vec<LateComponentView>,
}

/// One open PO line that will arrive late, what it endangers and who else could deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateComponentView {
    pub line_id: i64,
    pub po_id: i64,
    pub po_number: String,
    pub line_no: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub product_code: Option<String>,
    pub product_name: String,
    pub uom: String,
    /// Ordered minus received.
    pub open_quantity: f64,
    pub required_date: chrono::NaiveDate,
    pub expected_date: chrono::NaiveDate,
    pub days_late: i64,
    /// `asn` (a shipment's ETA) or `accepted_date` (the date the supplier confirmed and the buyer accepted).
    pub cause: String,
    /// The shipment whose ETA sets the expected date, when one does.
    pub asn_number: Option<String>,
    pub endangered_mos: Vec<EndangeredMoView>,
    pub alternatives: Vec<AlternativeSupplierView>,
}

/// A manufacturing order that consumes the late product and starts before it arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndangeredMoView {
    pub name: String,
    /// What the MO makes.
    pub product_name: String,
    pub date_start: DateTime<Utc>,
    /// How much of the late product the MO needs.
    pub quantity: f64,
    /// Odoo's `components_availability_state`, when known.
    pub availability: Option<String>,
}

/// Another supplier of the same product, with its lead time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativeSupplierView {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub supplier_code: Option<String>,
    pub lead_time_days: i64,
    pub price: Option<f64>,
    /// Today plus the lead time.
    pub earliest_date: chrono::NaiveDate,
    /// Whether ordering there today would arrive before the late line does.
    pub sooner: bool,
}

/// A share: `hits` of `of`. Absent (n/a) where there is nothing to count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub hits: i64,
    pub of: i64,
}

impl Rate {
    pub fn percent(self) -> f64 {
        if self.of == 0 {
            0.0
        } else {
            100.0 * self.hits as f64 / self.of as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardsView {
    pub window_days: i64,
    pub since: chrono::NaiveDate,
    pub suppliers: Vec<SupplierScorecard>,
}

/// One supplier's figures over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierScorecard {
    pub supplier_id: i64,
    pub supplier_name: String,
    pub ack_sla_hours: i64,
    /// POs that reached the portal in the window.
    pub pos_received: i64,
    /// Median hours from a PO reaching the portal to its first acknowledgement.
    pub median_ack_hours: Option<f64>,
    /// Acknowledged within the SLA, of the POs acknowledged or past their deadline.
    pub on_time_ack: Option<Rate>,
    /// Lines accepted as ordered, of the lines answered.
    pub confirmed_as_ordered: Option<Rate>,
    /// Lines received in full on or before their confirmed date, of the lines received in full.
    pub lead_time_adherence: Option<Rate>,
    /// Lines whose announced quantity matched the received quantity, of the received lines with an ASN.
    pub asn_accuracy: Option<Rate>,
}

// Outbound webhooks: the types live in model/webhook.rs.
pub mod webhook;
pub use webhook::*;

// Supplier onboarding (issue 11): the types live in model/supplier.rs.
pub mod supplier;
pub use supplier::*;
