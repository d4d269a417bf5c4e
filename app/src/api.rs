//! Server functions: each is actor, service, result. The rules live in the services.

use leptos::prelude::*;

use crate::model::{
    AckInput, DecisionInput, Page, PoDetailView, PoQuery, PoSummaryView, PoViewCount, ProposalQueueItem, SessionView,
    SupplierOption,
};
use crate::AppError;

mod notification;
pub use notification::*;

mod api_access;
pub use api_access::*;

#[server(prefix = "/rpc", endpoint = "session")]
pub async fn current_session() -> Result<Option<SessionView>, AppError> {
    use crate::ports::{as_actor, current_actor};
    if current_actor().is_none() {
        return Ok(None);
    }
    as_actor(|actor, s| async move { s.accounts.session_view(&actor).await.map(Some) }).await
}

#[server(prefix = "/rpc", endpoint = "purchase_orders")]
pub async fn list_purchase_orders(query: PoQuery) -> Result<Page<PoSummaryView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.orders.list(&actor, query).await }).await
}

#[server(prefix = "/rpc", endpoint = "purchase_order")]
pub async fn get_purchase_order(id: i64) -> Result<PoDetailView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.orders.get(&actor, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "acknowledge")]
pub async fn acknowledge_po(input: AckInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.acknowledgements.acknowledge(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "pending_proposals")]
pub async fn pending_proposals() -> Result<Vec<ProposalQueueItem>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.proposals.pending(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "decide_proposal")]
pub async fn decide_proposal(input: DecisionInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.proposals.decide(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "po_view_counts")]
pub async fn po_view_counts() -> Result<Vec<PoViewCount>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.orders.view_counts(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "lead_time_catalog")]
pub async fn lead_time_catalog() -> Result<Vec<crate::model::LeadTimeItem>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.lead_times.catalog(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "propose_lead_time")]
pub async fn propose_lead_time(input: crate::model::LeadTimeInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.lead_times.propose(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "pending_lead_times")]
pub async fn pending_lead_times() -> Result<Vec<crate::model::LeadTimeProposalView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.lead_times.pending(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "decide_lead_time")]
pub async fn decide_lead_time(input: DecisionInput) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.lead_times.decide(&actor, input).await }).await
}

/// The lines that can ship; with `amend`, as they stand without that ASN.
#[server(prefix = "/rpc", endpoint = "shippable_lines")]
pub async fn shippable_lines(amend: Option<i64>) -> Result<crate::model::ShipmentDraft, AppError> {
    let lines = crate::ports::as_actor(|actor, s| async move { s.asns.shippable(&actor, amend).await }).await?;
    Ok(crate::model::ShipmentDraft { today: chrono::Utc::now().date_naive(), lines })
}

#[server(prefix = "/rpc", endpoint = "submit_asn")]
pub async fn submit_asn(input: crate::model::AsnInput) -> Result<i64, AppError> {
    let id = crate::ports::as_actor(|actor, s| async move { s.asns.submit(&actor, input).await }).await?;
    // Straight to the new ASN and its packing slip, with or without WebAssembly.
    leptos_axum::redirect(&format!("/asns/{id}"));
    Ok(id)
}

#[server(prefix = "/rpc", endpoint = "asns")]
pub async fn asns() -> Result<Vec<crate::model::AsnSummaryView>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.asns.list(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "asn")]
pub async fn asn(id: i64) -> Result<crate::model::AsnView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.asns.get(&actor, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "cancel_asn")]
pub async fn cancel_asn(id: i64) -> Result<(), AppError> {
    crate::ports::as_actor(|actor, s| async move { s.asns.cancel(&actor, id).await }).await
}

#[server(prefix = "/rpc", endpoint = "sync_overview")]
pub async fn sync_overview() -> Result<crate::model::SyncOverview, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.sync.overview(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "replay_dead_letters")]
pub async fn replay_dead_letters(id: Option<i64>) -> Result<u64, AppError> {
    // No id (the "Replay all" button sends none) replays every dead letter.
    let input = crate::model::ReplayInput { id };
    crate::ports::as_actor(|actor, s| async move { s.sync.replay(&actor, input).await }).await
}

#[server(prefix = "/rpc", endpoint = "confirmation_monitor")]
pub async fn confirmation_monitor() -> Result<Vec<crate::model::SupplierConfirmation>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.orders.confirmation_monitor(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "supplier_options")]
pub async fn supplier_options() -> Result<Vec<SupplierOption>, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.orders.supplier_options(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "exception_queue")]
pub async fn exception_queue() -> Result<crate::model::ExceptionQueueView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.exceptions.queue(&actor).await }).await
}

#[server(prefix = "/rpc", endpoint = "supplier_scorecards")]
pub async fn supplier_scorecards(days: Option<i64>) -> Result<crate::model::ScorecardsView, AppError> {
    crate::ports::as_actor(|actor, s| async move { s.exceptions.scorecards(&actor, days).await }).await
}

/// The sign-in form's notice after a failed attempt, read once (the server's login handler sets it),
/// and whether single sign-on is offered.
#[server(prefix = "/rpc", endpoint = "login_notice")]
pub async fn take_login_notice() -> Result<crate::model::LoginNotice, AppError> {
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(|e| AppError::Transport(e.to_string()))?;
    let notice = session.remove::<crate::model::LoginNotice>(crate::model::LOGIN_NOTICE_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "reading the login notice from the session failed");
        AppError::Internal { reference: "session-read".into() }
    })?;
    let sso = leptos::prelude::use_context::<crate::model::SsoOffer>().and_then(|offer| offer.display_name);
    Ok(crate::model::LoginNotice { sso, ..notice.unwrap_or_default() })
}

// Quality holds (issue 4): the server functions live in api/quality.rs.
pub mod quality;
pub use quality::*;

// Outbound webhooks: the server functions live in api/webhook.rs.
pub mod webhook;
pub use webhook::*;

// Supplier onboarding (issue 11): the server functions live in api/supplier.rs.
pub mod supplier;
pub use supplier::*;
