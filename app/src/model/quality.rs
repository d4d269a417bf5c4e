//! Wire types of quality holds: a hold on a supplier's material, the supplier's 8D answers, the
//! buyer's close / reopen, the files attached.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The statuses a hold goes through; reopening sets it back to `open`.
pub const QUALITY_STATUSES: [&str; 3] = ["open", "responded", "closed"];

pub fn quality_status_label(status: &str) -> &'static str {
    match status {
        "open" => "Open: awaiting the supplier",
        "responded" => "Answered: awaiting the buyer",
        "closed" => "Closed",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityQuery {
    /// `open`, `responded`, `closed`; empty or absent: all.
    #[serde(default)]
    pub status: Option<String>,
    /// Buyers only: one supplier. Ignored for supplier roles.
    #[serde(default)]
    pub supplier: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QualityHoldSummary {
    pub id: i64,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub product_code: Option<String>,
    pub product_name: String,
    pub lot_name: Option<String>,
    pub quantity: Option<f64>,
    pub uom: String,
    pub reason: String,
    pub status: String,
    /// `odoo` or `portal`.
    pub source: String,
    /// Odoo's name for the hold (QC transfer or inspection), when it came from Odoo.
    pub odoo_reference: Option<String>,
    pub po_number: Option<String>,
    pub raised_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QualityResponseView {
    pub id: i64,
    pub containment: String,
    pub root_cause: String,
    pub corrective_action: String,
    pub corrective_due: Option<NaiveDate>,
    pub preventive_action: String,
    pub preventive_due: Option<NaiveDate>,
    pub responded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QualityHistoryView {
    /// `raised`, `responded`, `closed`, `reopened`, `released`.
    pub action: String,
    pub comment: Option<String>,
    pub user_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QualityAttachmentView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QualityHoldView {
    pub summary: QualityHoldSummary,
    /// Oldest first: every answer is kept, also those before a reopen.
    pub responses: Vec<QualityResponseView>,
    pub history: Vec<QualityHistoryView>,
    pub attachments: Vec<QualityAttachmentView>,
    /// The actor may answer with an 8D record now (a supplier, the hold not closed).
    pub can_respond: bool,
    /// The actor may close (a buyer, the hold not closed) or reopen it (a buyer, the hold closed).
    pub can_close: bool,
    pub can_reopen: bool,
    /// The actor may attach files (either side, the hold not closed).
    pub can_attach: bool,
    /// The largest file accepted, in bytes.
    pub max_attachment_bytes: u64,
    pub today: NaiveDate,
}

/// What a buyer may raise a hold on: one supplier's product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityRaiseOption {
    pub supplier_product_id: i64,
    pub supplier_name: String,
    pub product_code: Option<String>,
    pub product_name: String,
}

/// The buyer's form to raise a hold in the portal. Text as typed; the service validates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RaiseHoldInput {
    #[serde(default)]
    pub supplier_product_id: String,
    #[serde(default)]
    pub lot_name: Option<String>,
    #[serde(default)]
    pub quantity: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The supplier's 8D-style answer. Text as typed; the service validates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RespondHoldInput {
    pub hold_id: i64,
    #[serde(default)]
    pub containment: String,
    #[serde(default)]
    pub root_cause: String,
    #[serde(default)]
    pub corrective_action: String,
    #[serde(default)]
    pub corrective_due: String,
    #[serde(default)]
    pub preventive_action: String,
    #[serde(default)]
    pub preventive_due: String,
}

/// The buyer closes (comment optional) or reopens (reason required) a hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldDecisionInput {
    pub hold_id: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// What a plain (not yet hydrated) form typed before it failed, kept for the page that shows the error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualityDraft {
    pub raise: Option<RaiseHoldInput>,
    pub respond: Option<RespondHoldInput>,
    pub close: Option<HoldDecisionInput>,
    pub reopen: Option<HoldDecisionInput>,
}

/// Session key of the [`QualityDraft`].
pub const QUALITY_DRAFT_KEY: &str = "quality_draft";
