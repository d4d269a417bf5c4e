//! Pieces shared by pages: the app shell, status badges, notices.

pub mod badge;
pub mod barcode;
pub mod notice;
pub mod shell;
