//! Wire types of supplier onboarding: the supplier list buyers and admins see at `/suppliers`.

use serde::{Deserialize, Serialize};

/// Whether a supplier has someone to administer its side of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplierAdminStatus {
    /// No active supplier admin, not even an invited one.
    Missing,
    /// An active supplier admin is invited and has not chosen a password yet.
    Invited,
    /// An active supplier admin can sign in.
    Active,
}

/// One supplier with its Odoo link and its people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    /// The Odoo connection's name, when the supplier is linked to an Odoo vendor.
    pub odoo_connection: Option<String>,
    pub odoo_partner_id: Option<i64>,
    /// Whether the supplier's own Odoo key is bound (`supplyline odoo bind`).
    pub odoo_bound: bool,
    /// Active accounts that can sign in (invitations not yet accepted are not counted).
    pub active_users: i64,
    pub admin: SupplierAdminStatus,
}
