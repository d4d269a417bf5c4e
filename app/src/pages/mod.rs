pub mod account_link;
pub mod asn;
pub mod exceptions;
pub mod lead_times;
pub mod login;
pub mod monitor;
pub mod not_found;
pub mod notifications;
pub mod ops;
pub mod po_ack;
pub mod po_detail;
pub mod po_list;
pub mod proposals;
pub mod team;
pub mod webhooks;
// Quality holds (issue 4).
pub mod quality;
pub mod scorecards;
