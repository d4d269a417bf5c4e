//! Server functions of supplier onboarding. Inviting a supplier's first admin is `invite_member`.

use leptos::prelude::*;

use crate::model::SupplierView;
use crate::AppError;

#[server(prefix = "/rpc", endpoint = "suppliers")]
pub async fn suppliers() -> Result<Vec<SupplierView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.suppliers.list(&actor).await }).await
}
