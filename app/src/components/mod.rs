//! Pieces shared by pages: the app shell, status badges, notices.

pub mod badge;
pub mod notice;
pub mod shell;
