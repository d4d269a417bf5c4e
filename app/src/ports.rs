//! The ports the server implements (server-only). Server functions reach the domain through these,
//! as does the REST API, so both transports share one set of rules.

use std::future::Future;
use std::sync::Arc;

use crate::model::{
    AckInput, DecisionInput, Page, PoDetailView, PoQuery, PoSummaryView, PoViewCount, ProposalQueueItem, Role,
    SessionView, SupplierOption,
};
use crate::AppError;

/// Who is acting, built once per request from the session. Supplier roles carry their supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    supplier_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("role {role:?} {problem}")]
pub struct InvalidActor {
    role: Role,
    problem: &'static str,
}

impl Actor {
    /// A supplier role needs its supplier; a buyer or admin must not have one.
    pub fn new(user_id: i64, role: Role, supplier_id: Option<i64>) -> Result<Actor, InvalidActor> {
        match (role.is_supplier_side(), supplier_id) {
            (true, None) => Err(InvalidActor { role, problem: "must belong to a supplier" }),
            (false, Some(_)) => Err(InvalidActor { role, problem: "cannot belong to a supplier" }),
            _ => Ok(Actor { user_id, role, supplier_id }),
        }
    }

    /// The one supplier this actor may see, or `None` for buyers and admins (every supplier).
    pub fn supplier_scope(&self) -> Option<i64> {
        self.supplier_id
    }
}

#[async_trait::async_trait]
pub trait OrderPort: Send + Sync {
    async fn list(&self, actor: &Actor, query: PoQuery) -> Result<Page<PoSummaryView>, AppError>;
    async fn get(&self, actor: &Actor, id: i64) -> Result<PoDetailView, AppError>;
    /// POs in the order they last changed, after a cursor: what a partner system polls.
    async fn feed(
        &self,
        actor: &Actor,
        query: crate::model::PoFeedQuery,
    ) -> Result<crate::model::FeedPage<crate::model::PoFeedItem>, AppError>;
    /// Suppliers the actor may filter by: all of them for buyers, none for supplier roles.
    async fn supplier_options(&self, actor: &Actor) -> Result<Vec<SupplierOption>, AppError>;
    async fn view_counts(&self, actor: &Actor) -> Result<Vec<PoViewCount>, AppError>;
    /// Per supplier, what waits for an answer and how long (buyers and admins only).
    async fn confirmation_monitor(&self, actor: &Actor) -> Result<Vec<crate::model::SupplierConfirmation>, AppError>;
}

#[async_trait::async_trait]
pub trait AccountPort: Send + Sync {
    async fn session_view(&self, actor: &Actor) -> Result<SessionView, AppError>;
}

#[async_trait::async_trait]
pub trait AcknowledgementPort: Send + Sync {
    async fn acknowledge(&self, actor: &Actor, input: AckInput) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait ProposalPort: Send + Sync {
    /// The proposals waiting for a buyer's decision (buyers and admins only).
    async fn pending(&self, actor: &Actor) -> Result<Vec<ProposalQueueItem>, AppError>;
    async fn decide(&self, actor: &Actor, input: DecisionInput) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait LeadTimePort: Send + Sync {
    /// The supplier's products with their lead times (supplier roles only).
    async fn catalog(&self, actor: &Actor) -> Result<Vec<crate::model::LeadTimeItem>, AppError>;
    async fn propose(&self, actor: &Actor, input: crate::model::LeadTimeInput) -> Result<(), AppError>;
    /// Proposals waiting for a buyer (buyers and admins only).
    async fn pending(&self, actor: &Actor) -> Result<Vec<crate::model::LeadTimeProposalView>, AppError>;
    async fn decide(&self, actor: &Actor, input: DecisionInput) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait SyncPort: Send + Sync {
    /// Admins only.
    async fn overview(&self, actor: &Actor) -> Result<crate::model::SyncOverview, AppError>;
    /// Admins only; answers how many dead letters went back in the queue.
    async fn replay(&self, actor: &Actor, input: crate::model::ReplayInput) -> Result<u64, AppError>;
}

#[async_trait::async_trait]
pub trait AsnPort: Send + Sync {
    /// The supplier's lines that can still ship (suppliers only).
    /// With `amending`, the lines as they were before that ASN (its quantities are free again).
    async fn shippable(
        &self,
        actor: &Actor,
        amending: Option<i64>,
    ) -> Result<Vec<crate::model::ShippableLineView>, AppError>;
    /// Records the ASN (or, with `input.amends`, replaces that ASN's contents) and queues it for Odoo;
    /// answers its id.
    async fn submit(&self, actor: &Actor, input: crate::model::AsnInput) -> Result<i64, AppError>;
    async fn list(&self, actor: &Actor) -> Result<Vec<crate::model::AsnSummaryView>, AppError>;
    async fn get(&self, actor: &Actor, id: i64) -> Result<crate::model::AsnView, AppError>;
    /// The supplier withdraws an ASN not yet received.
    async fn cancel(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait NotificationPort: Send + Sync {
    /// The actor's latest notifications, newest first, with the unread count.
    async fn list(&self, actor: &Actor) -> Result<crate::model::NotificationList, AppError>;
    async fn unread_count(&self, actor: &Actor) -> Result<i64, AppError>;
    /// Marks one of the actor's notifications read (another person's answers 404), or all with `None`.
    async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> Result<(), AppError>;
    async fn preferences(&self, actor: &Actor) -> Result<Vec<crate::model::PreferenceView>, AppError>;
    async fn set_preferences(&self, actor: &Actor, input: crate::model::PreferencesInput) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait TeamPort: Send + Sync {
    /// The people the actor administers: a supplier admin their supplier's users, a buyer the
    /// suppliers' users, an admin everyone. Supplier users are refused.
    async fn team(&self, actor: &Actor) -> Result<crate::model::TeamView, AppError>;
    /// Creates the account (or renews a pending invitation) and e-mails a one-time link.
    async fn invite(&self, actor: &Actor, input: crate::model::InviteInput) -> Result<(), AppError>;
    async fn set_active(&self, actor: &Actor, input: crate::model::MemberStatusInput) -> Result<(), AppError>;
    /// Whether a one-time link (invitation or password reset) still works; for anyone, signed in or not.
    async fn link_status(&self, token: &str, invitation: bool) -> Result<crate::model::AccountLinkView, AppError>;
}

/// Quality holds: suppliers see and answer their own, buyers raise, close and reopen them.
#[async_trait::async_trait]
pub trait QualityPort: Send + Sync {
    async fn list(
        &self,
        actor: &Actor,
        query: crate::model::QualityQuery,
    ) -> Result<Vec<crate::model::QualityHoldSummary>, AppError>;
    async fn get(&self, actor: &Actor, id: i64) -> Result<crate::model::QualityHoldView, AppError>;
    /// What a buyer may raise a hold on (buyers and admins only).
    async fn raise_options(&self, actor: &Actor) -> Result<Vec<crate::model::QualityRaiseOption>, AppError>;
    /// Answers the new hold's id.
    async fn raise(&self, actor: &Actor, input: crate::model::RaiseHoldInput) -> Result<i64, AppError>;
    async fn respond(&self, actor: &Actor, input: crate::model::RespondHoldInput) -> Result<(), AppError>;
    async fn close(&self, actor: &Actor, input: crate::model::HoldDecisionInput) -> Result<(), AppError>;
    async fn reopen(&self, actor: &Actor, input: crate::model::HoldDecisionInput) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait ExceptionPort: Send + Sync {
    /// Open PO lines that will arrive late, with the MOs they endanger (buyers and admins only).
    async fn queue(&self, actor: &Actor) -> Result<crate::model::ExceptionQueueView, AppError>;
    /// Every supplier's figures over the last `days` (default 90; buyers and admins only).
    async fn scorecards(&self, actor: &Actor, days: Option<i64>) -> Result<crate::model::ScorecardsView, AppError>;
}

/// API tokens and OAuth clients, managed in the browser only (never with a token).
#[async_trait::async_trait]
pub trait ApiAccessPort: Send + Sync {
    async fn list(&self, actor: &Actor) -> Result<crate::model::CredentialsView, AppError>;
    async fn create(
        &self,
        actor: &Actor,
        input: crate::model::NewCredentialInput,
    ) -> Result<crate::model::IssuedCredential, AppError>;
    async fn revoke(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
}

/// Outbound webhook endpoints and their delivery log. Supplier admins manage their supplier's
/// endpoints; admins manage internal ones (no supplier) and may read supplier endpoints. Anyone else
/// is refused; another supplier's endpoint is not found.
#[async_trait::async_trait]
pub trait WebhookPort: Send + Sync {
    async fn list(&self, actor: &Actor) -> Result<Vec<crate::model::WebhookEndpointView>, AppError>;
    async fn get(&self, actor: &Actor, id: i64) -> Result<crate::model::WebhookEndpointView, AppError>;
    /// Answers the endpoint with its signing secret, which is never shown again.
    async fn create(
        &self,
        actor: &Actor,
        input: crate::model::WebhookEndpointInput,
    ) -> Result<crate::model::WebhookSecretView, AppError>;
    async fn update(
        &self,
        actor: &Actor,
        id: i64,
        input: crate::model::WebhookUpdateInput,
    ) -> Result<crate::model::WebhookEndpointView, AppError>;
    async fn delete(&self, actor: &Actor, id: i64) -> Result<(), AppError>;
    /// A new secret (answered once); the previous one still signs for the configured overlap.
    async fn rotate_secret(&self, actor: &Actor, id: i64) -> Result<crate::model::WebhookSecretView, AppError>;
    /// Queues a `webhook.test` message to the endpoint; answers the delivery.
    async fn send_test(&self, actor: &Actor, id: i64) -> Result<crate::model::WebhookDeliveryView, AppError>;
    async fn deliveries(
        &self,
        actor: &Actor,
        id: i64,
        query: crate::model::WebhookDeliveryQuery,
    ) -> Result<crate::model::WebhookDeliveryPage, AppError>;
    /// Sends a delivery again: same `webhook-id`, same body, fresh attempts.
    async fn replay(&self, actor: &Actor, delivery_id: i64) -> Result<crate::model::WebhookDeliveryView, AppError>;
    /// Re-queues the endpoint's failed and dead deliveries created since `input.since`; answers how many.
    async fn replay_failed(
        &self,
        actor: &Actor,
        id: i64,
        input: crate::model::WebhookReplayInput,
    ) -> Result<u64, AppError>;
}

/// The suppliers themselves (buyers and admins only): who is onboarded, linked to Odoo, and has an admin.
/// Suppliers are created and updated from Odoo by the CLI (`supplyline supplier import`); inviting a
/// supplier's first admin is [`TeamPort::invite`].
#[async_trait::async_trait]
pub trait SupplierPort: Send + Sync {
    async fn list(&self, actor: &Actor) -> Result<Vec<crate::model::SupplierView>, AppError>;
}

/// Everything a server function may call, provided as context per request.
#[derive(Clone)]
pub struct Services {
    pub orders: Arc<dyn OrderPort>,
    pub accounts: Arc<dyn AccountPort>,
    pub acknowledgements: Arc<dyn AcknowledgementPort>,
    pub proposals: Arc<dyn ProposalPort>,
    pub lead_times: Arc<dyn LeadTimePort>,
    pub sync: Arc<dyn SyncPort>,
    pub asns: Arc<dyn AsnPort>,
    pub notifications: Arc<dyn NotificationPort>,
    pub team: Arc<dyn TeamPort>,
    pub quality: Arc<dyn QualityPort>,
    pub exceptions: Arc<dyn ExceptionPort>,
    pub api_access: Arc<dyn ApiAccessPort>,
    pub webhooks: Arc<dyn WebhookPort>,
    pub suppliers: Arc<dyn SupplierPort>,
}

/// The actor of the current request, if signed in (set by the server's session middleware).
pub fn current_actor() -> Option<Actor> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Actor>().cloned())
}

fn services() -> Result<Services, AppError> {
    leptos::prelude::use_context::<Services>().ok_or_else(|| {
        tracing::error!("Services missing from the server-function context");
        AppError::Internal { reference: "services-missing".into() }
    })
}

/// Runs a server function's body for the signed-in actor and gives errors their HTTP status.
pub async fn as_actor<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Actor, Services) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = match (current_actor(), services()) {
        (Some(actor), Ok(services)) => body(actor, services).await,
        (None, _) => Err(AppError::Unauthenticated),
        (_, Err(e)) => Err(e),
    };
    if let Err(err) = &result {
        if !is_plain_form_post() {
            set_status(err);
        }
    }
    result
}

/// A form posted by the browser itself (no WebAssembly yet): Leptos answers it with a redirect back to
/// the page, which an error status would replace with a bare error body.
fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        // A page render (GET) keeps its error status: a 404 page answers 404.
        parts.method == http::Method::POST
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}

fn set_status(err: &AppError) {
    if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            res.set_status(status);
        }
    }
}
