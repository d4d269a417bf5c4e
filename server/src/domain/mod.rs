//! Domain services: every rule about who may see and do what. They take the `Actor` first and
//! scope every query by it; both transports (server functions, REST) call them.

pub mod account;
pub mod acknowledgement;
pub mod api_access;
pub mod asn;
pub mod audit;
pub mod cursor;
pub mod event;
pub mod exceptions;
pub mod lead_time;
pub mod monitor;
pub mod notification;
pub mod ops;
pub mod order;
pub mod proposal;
pub mod scorecard;
pub mod sscc;
pub mod supplier;
pub mod team;
// Quality holds (issue 4).
pub mod quality;

use app::AppError;

/// Buyers and admins only: a supplier role is refused (the decision is not theirs to make).
pub fn require_buyer(actor: &app::ports::Actor) -> Result<(), AppError> {
    match actor.supplier_scope() {
        Some(_) => Err(AppError::Forbidden),
        None => Ok(()),
    }
}

/// Supplier roles only: the supplier the actor acts for.
pub fn require_supplier(actor: &app::ports::Actor) -> Result<i64, AppError> {
    actor.supplier_scope().ok_or(AppError::Forbidden)
}

/// Logs an unexpected failure once, with a reference the user can quote, and hides the details.
pub fn internal(err: impl std::fmt::Display) -> AppError {
    let reference = format!("{:08x}", rand::random::<u32>());
    tracing::error!(%reference, error = %err, "internal error");
    AppError::Internal { reference }
}

#[cfg(test)]
mod actor_tests {
    use app::model::Role;
    use app::ports::Actor;

    #[test]
    fn supplier_roles_are_bound_to_one_supplier() {
        let a = Actor::new(1, Role::SupplierUser, Some(7)).unwrap();
        assert_eq!(a.supplier_scope(), Some(7));
        assert!(Actor::new(1, Role::SupplierAdmin, None).is_err());
    }

    #[test]
    fn buyers_and_admins_see_every_supplier() {
        assert_eq!(Actor::new(2, Role::Buyer, None).unwrap().supplier_scope(), None);
        assert_eq!(Actor::new(3, Role::Admin, None).unwrap().supplier_scope(), None);
        assert!(Actor::new(2, Role::Buyer, Some(7)).is_err());
    }
}
