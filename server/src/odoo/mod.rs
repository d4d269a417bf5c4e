//! Talking to Odoo: the client (JSON-2 / JSON-RPC), its typed errors, version-aware field names.

pub mod client;
pub mod error;
pub mod version;

pub use client::{Endpoint, OdooClient, Protocol};
pub use error::{ErrorKind, OdooError};
pub use version::{FieldNames, OdooVersion};
