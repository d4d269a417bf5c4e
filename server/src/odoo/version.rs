//! Which Odoo we talk to, and the field names that differ between versions (see the table in README "Connecting a real Odoo").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OdooVersion {
    pub major: u32,
    pub minor: u32,
}

impl OdooVersion {
    /// Reads `server_version` / `version` as Odoo reports it: `"19.0"`, `"17.0"`, `"saas~18.3"`, `"19.0+e"`.
    pub fn parse(text: &str) -> Option<OdooVersion> {
        let text = text.trim().trim_start_matches("saas~");
        let mut parts = text.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Some(OdooVersion { major, minor })
    }

    /// JSON-2 exists from 19.0; 17 and 18 speak JSON-RPC only.
    pub fn has_json2(self) -> bool {
        self.major >= 19
    }

    pub fn fields(self) -> FieldNames {
        let v19 = self.major >= 19;
        FieldNames {
            line_uom: if v19 { "product_uom_id" } else { "product_uom" },
            supplierinfo_uom: if v19 { "product_uom_id" } else { "product_uom" },
            order_notes: if v19 { "note" } else { "notes" },
            line_taxes: if v19 { "tax_ids" } else { "taxes_id" },
            user_groups: if v19 { "group_ids" } else { "groups_id" },
            acknowledged: if v19 { "acknowledged" } else { "mail_reception_confirmed" },
            has_done_state: !v19,
        }
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Field names of one Odoo version, so no other module spells a version check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldNames {
    pub line_uom: &'static str,
    pub supplierinfo_uom: &'static str,
    pub order_notes: &'static str,
    pub line_taxes: &'static str,
    pub user_groups: &'static str,
    /// The flag that records the vendor's acknowledgement: 19 `acknowledged`, 17/18 the reception mail flag.
    pub acknowledged: &'static str,
    /// `purchase.order.state` has `done` before 19 (19 uses the `locked` boolean instead).
    pub has_done_state: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_version_strings_odoo_reports() {
        assert_eq!(OdooVersion::parse("19.0"), Some(OdooVersion { major: 19, minor: 0 }));
        assert_eq!(OdooVersion::parse("17.0"), Some(OdooVersion { major: 17, minor: 0 }));
        assert_eq!(OdooVersion::parse("saas~18.3"), Some(OdooVersion { major: 18, minor: 3 }));
        assert_eq!(OdooVersion::parse("19.0+e"), Some(OdooVersion { major: 19, minor: 0 }));
        assert_eq!(OdooVersion::parse("nonsense"), None);
    }

    #[test]
    fn field_names_follow_the_version() {
        let v17 = OdooVersion::parse("17.0").unwrap().fields();
        let v19 = OdooVersion::parse("19.0").unwrap().fields();
        assert_eq!((v17.line_uom, v19.line_uom), ("product_uom", "product_uom_id"));
        assert_eq!((v17.order_notes, v19.order_notes), ("notes", "note"));
        assert_eq!((v17.acknowledged, v19.acknowledged), ("mail_reception_confirmed", "acknowledged"));
        assert_eq!((v17.user_groups, v19.user_groups), ("groups_id", "group_ids"));
        assert!(v17.has_done_state && !v19.has_done_state);
        assert!(!OdooVersion::parse("18.0").unwrap().has_json2());
        assert!(OdooVersion::parse("19.0").unwrap().has_json2());
    }
}
