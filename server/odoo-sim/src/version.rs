//! The Odoo major version the simulator impersonates.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OdooVersion {
    V17,
    V18,
    V19,
}

impl OdooVersion {
    pub fn major(self) -> u32 {
        match self {
            OdooVersion::V17 => 17,
            OdooVersion::V18 => 18,
            OdooVersion::V19 => 19,
        }
    }

    /// `"17.0"`, `"18.0"`, `"19.0"`.
    pub fn serie(self) -> String {
        format!("{}.0", self.major())
    }

    pub fn version_info(self) -> Value {
        json!([self.major(), 0, 0, "final", 0, ""])
    }

    /// The struct `common.version()` returns (§2.1).
    pub fn common_version(self) -> Value {
        json!({
            "server_version": self.serie(),
            "server_version_info": self.version_info(),
            "server_serie": self.serie(),
            "protocol_version": 1,
        })
    }

    /// JSON-2 exists only from 19.0 on (§1).
    pub fn has_json2(self) -> bool {
        self == OdooVersion::V19
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.serie())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown Odoo version {0:?} (expected 17, 18 or 19)")]
pub struct UnknownVersion(String);

impl FromStr for OdooVersion {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches(['v', 'V']) {
            "17" | "17.0" => Ok(OdooVersion::V17),
            "18" | "18.0" => Ok(OdooVersion::V18),
            "19" | "19.0" => Ok(OdooVersion::V19),
            _ => Err(UnknownVersion(s.to_string())),
        }
    }
}
