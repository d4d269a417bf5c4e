//! Access rights: per-role ACLs (ir.model.access) and record rules (ir.rule), with Odoo's error texts.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::OdooError;

/// What kind of Odoo user a uid is; decides its groups, ACLs and record rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `base.group_system`: everything.
    Admin,
    /// Internal user + the `group_supplier_sync` group of §11.
    Bot,
    /// `base.group_portal` user of a vendor (§10, §11 first bullet).
    Portal,
    /// Internal read-only planning user: MOs, stock moves, products, purchase orders.
    Planning,
    /// A user created over RPC: its groups' ACL rows and record rules decide (`models::security`).
    Member,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Create,
    Unlink,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Create => "create",
            Op::Unlink => "unlink",
        }
    }
}

/// Reads `base.group_user` gets on basic models in a stock Odoo.
pub const INTERNAL_READ: &[&str] = &[
    "res.partner",
    "res.users",
    "res.groups",
    "res.company",
    "res.currency",
    "uom.uom",
    "product.product",
    "product.template",
    "product.supplierinfo",
    "mail.message",
    "mail.message.subtype",
    "stock.location",
    "stock.picking.type",
    "delivery.carrier",
];

const PORTAL_READ: &[&str] =
    &["res.partner", "res.company", "res.currency", "uom.uom", "mail.message", "mail.message.subtype"];

/// (read, write, create, unlink) for a role on a model.
fn perms(role: Role, model: &str) -> (bool, bool, bool, bool) {
    match role {
        Role::Admin => (true, true, true, true),
        Role::Bot => match model {
            // §11 ir.model.access.csv, row by row.
            "purchase.order" | "purchase.order.line" | "stock.picking" | "stock.move" | "product.supplierinfo" => {
                (true, true, false, false)
            }
            "stock.move.line" => (true, true, true, true),
            "stock.lot" => (true, false, true, false),
            "mrp.production" => (true, false, false, false),
            "mail.message" => (true, false, true, false),
            m if INTERNAL_READ.contains(&m) => (true, false, false, false),
            _ => (false, false, false, false),
        },
        Role::Planning => match model {
            "mrp.production" | "stock.move" | "purchase.order" | "purchase.order.line" => (true, false, false, false),
            m if m.starts_with("product.") || INTERNAL_READ.contains(&m) => (true, false, false, false),
            _ => (false, false, false, false),
        },
        // Decided from data by `Env::acl_allows`; here only what `base.group_user` itself grants.
        Role::Member => (INTERNAL_READ.contains(&model), false, false, false),
        Role::Portal => match model {
            "purchase.order" | "purchase.order.line" => (true, false, false, false),
            m if PORTAL_READ.contains(&m) => (true, false, false, false),
            _ => (false, false, false, false),
        },
    }
}

pub fn acl_allows(role: Role, model: &str, op: Op) -> bool {
    let (r, w, c, u) = perms(role, model);
    match op {
        Op::Read => r,
        Op::Write => w,
        Op::Create => c,
        Op::Unlink => u,
    }
}

/// Groups listed in the ACL error ("This operation is allowed for the following groups").
fn allowed_groups(model: &str, op: Op) -> &'static [&'static str] {
    match (model, op) {
        ("stock.picking", Op::Read) => &[
            "Accounting/Invoicing",
            "Inventory/Administrator",
            "Inventory/User",
            "Purchase/Administrator",
            "Purchase/User",
            "Show Accounting Features - Readonly",
        ],
        ("stock.picking" | "stock.move" | "stock.move.line" | "stock.lot" | "stock.quant", _) => {
            &["Inventory/Administrator", "Inventory/User"]
        }
        ("purchase.order" | "purchase.order.line", Op::Read | Op::Write) => {
            &["Accounting/Invoicing", "Purchase/Administrator", "Purchase/User"]
        }
        ("purchase.order" | "purchase.order.line", Op::Create) => &["Purchase/Administrator", "Purchase/User"],
        ("purchase.order" | "purchase.order.line", Op::Unlink) => &["Purchase/Administrator"],
        ("mrp.production", _) => &["Manufacturing/Administrator", "Manufacturing/User"],
        ("sale.order", _) => &["Sales/Administrator", "Sales/User: Own Documents Only"],
        ("product.product" | "product.template" | "product.supplierinfo", Op::Read) => &["Internal User"],
        ("product.product" | "product.template" | "product.supplierinfo", _) => {
            &["Inventory/Administrator", "Purchase/Administrator", "Sales/Administrator"]
        }
        _ => &["Administration/Settings"],
    }
}

/// `ir.model.access._make_access_error`.
pub fn acl_error(model: &str, description: &str, op: Op) -> OdooError {
    let header = match op {
        Op::Read => "You are not allowed to access",
        Op::Write => "You are not allowed to modify",
        Op::Create => "You are not allowed to create",
        Op::Unlink => "You are not allowed to delete",
    };
    let groups: Vec<String> = allowed_groups(model, op).iter().map(|g| format!("\t- {g}")).collect();
    OdooError::AccessError(format!(
        "{header} '{description}' ({model}) records.\n\nThis operation is allowed for the following groups:\n{}\n\n\
         Contact your administrator to request access if necessary.",
        groups.join("\n")
    ))
}

/// `ir.rule._make_access_error` (non-debug form).
pub fn rule_error(user_name: &str, uid: i64, op: Op, model: &str, description: &str) -> OdooError {
    OdooError::AccessError(format!(
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, {user_name} (id={uid}) doesn't \
         have '{}' access to:\n- {description} ({model})\n\nIf you really, really need access, perhaps you can win \
         over your friendly administrator with a batch of freshly baked cookies.",
        op.as_str()
    ))
}

/// The record-rule domain restricting `role` on `model`, given the user's commercial partner (§10, §11).
pub fn rule_domain(role: Role, model: &str, commercial_partner: i64) -> Option<Value> {
    let cp = json!([commercial_partner]);
    match (role, model) {
        (Role::Bot | Role::Portal, "purchase.order") => Some(json!([["partner_id", "child_of", cp]])),
        (Role::Bot | Role::Portal, "purchase.order.line") => Some(json!([["order_id.partner_id", "child_of", cp]])),
        (Role::Bot, "stock.picking") => {
            Some(json!([["partner_id", "child_of", cp], ["picking_type_code", "=", "incoming"]]))
        }
        (Role::Bot, "stock.move") => Some(json!([["purchase_line_id.order_id.partner_id", "child_of", cp]])),
        (Role::Bot, "stock.move.line") => {
            Some(json!([["move_id.purchase_line_id.order_id.partner_id", "child_of", cp]]))
        }
        (Role::Bot, "product.supplierinfo") => Some(json!([["partner_id", "child_of", cp]])),
        _ => None,
    }
}

/// The error a bot meets when it tries to receive goods (§11): validation reads models it has no ACL on.
pub fn validate_denied(version: crate::OdooVersion, stock_delivery: bool) -> OdooError {
    if version == crate::OdooVersion::V19 && stock_delivery {
        let OdooError::AccessError(inner) = acl_error("sale.order", "Sales Order", Op::Read) else { unreachable!() };
        OdooError::AccessError(format!("Failed to read field stock.reference.sale_ids\n{inner}"))
    } else {
        acl_error("stock.quant", "Quants", Op::Create)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_read_error_is_odoos_text() {
        let e = acl_error("stock.picking", "Transfer", Op::Read);
        assert_eq!(
            e.message(),
            "You are not allowed to access 'Transfer' (stock.picking) records.\n\nThis operation is allowed for the \
             following groups:\n\t- Accounting/Invoicing\n\t- Inventory/Administrator\n\t- Inventory/User\n\t- \
             Purchase/Administrator\n\t- Purchase/User\n\t- Show Accounting Features - Readonly\n\nContact your \
             administrator to request access if necessary."
        );
    }

    #[test]
    fn bot_acl_is_the_csv() {
        assert!(acl_allows(Role::Bot, "stock.move.line", Op::Unlink));
        assert!(!acl_allows(Role::Bot, "purchase.order", Op::Create));
        assert!(acl_allows(Role::Bot, "stock.lot", Op::Create));
        assert!(!acl_allows(Role::Bot, "stock.lot", Op::Write));
        assert!(!acl_allows(Role::Portal, "stock.picking", Op::Read));
        assert!(!acl_allows(Role::Planning, "purchase.order", Op::Write));
    }
}
