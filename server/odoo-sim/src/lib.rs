//! A faithful Odoo 17/18/19 simulator for Supplyline's tests and demo.
//!
//! It speaks Odoo's JSON-RPC (`/jsonrpc`, all versions) and JSON-2 (`/json/2/<model>/<method>`, 19 only)
//! as real Odoo 17.0/18.0/19.0 answer them (checked against Odoo's source and live servers): per-version field names, error payloads, status codes, access
//! rights of admin, vendor bot, portal and planning users, purchase/stock side effects, base_automation
//! webhooks and injectable faults (`/__sim/faults`), with a log of applied calls (`/__sim/calls`).

pub mod access;
mod auth;
pub mod domain;
pub mod error;
pub mod faults;
mod methods;
pub mod models;
pub mod orm;
pub mod schema;
mod seed;
mod server;
mod sim;
pub mod store;
mod transport;
mod version;
pub mod webhook;

pub use error::OdooError;
pub use faults::{DownMode, FaultKind, FaultRule, FaultUpdate, Faults};
pub use seed::{DemoSeed, DemoUser, DemoVendor};
pub use sim::{CallRecord, NewPoLine, SimConfig, Simulator};
pub use transport::jsonrpc::DEPRECATION;
pub use version::OdooVersion;
