//! Domain services: every rule about who may see and do what. They take the `Actor` first and
//! scope every query by it; both transports (server functions, REST) call them.

pub mod account;
pub mod audit;
pub mod order;

use app::AppError;

/// Logs an unexpected failure once, with a reference the user can quote, and hides the details.
pub fn internal(err: impl std::fmt::Display) -> AppError {
    let reference = format!("{:08x}", rand::random::<u32>());
    tracing::error!(%reference, error = %err, "internal error");
    AppError::Internal { reference }
}
