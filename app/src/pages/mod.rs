pub mod asn;
pub mod lead_times;
pub mod login;
pub mod monitor;
pub mod not_found;
pub mod ops;
pub mod po_ack;
pub mod po_detail;
pub mod po_list;
pub mod proposals;
// Quality holds (issue 4).
pub mod quality;
