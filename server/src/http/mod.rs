//! The HTTP surface: pages and server functions (Leptos), the sign-in forms, health probes.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::ports::Services;

use crate::auth::store::SessionDb;
use crate::auth::throttle::Throttle;
use crate::auth::{account_link, csrf, session, sso};
use crate::config::Config;
use crate::db::Db;
use crate::domain::account::AccountService;
use crate::domain::acknowledgement::AcknowledgementService;
use crate::domain::api_access::ApiAccessService;
use crate::domain::asn::AsnService;
use crate::domain::exceptions::ExceptionService;
use crate::domain::lead_time::LeadTimeService;
use crate::domain::notification::NotificationService;
use crate::domain::ops::SyncService;
use crate::domain::order::OrderService;
use crate::domain::proposal::ProposalService;
use crate::domain::quality::QualityService;
use crate::domain::supplier::SupplierService;
use crate::domain::team::TeamService;
use crate::mail::Mailer;
use crate::sync::SyncEngine;
use crate::webhook::WebhookService;

pub mod quality;
pub mod sync;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub sync: Arc<SyncEngine>,
    pub config: Arc<Config>,
    pub throttle: Throttle,
    pub services: Services,
    /// The public account forms (password reset, invitations) reach it without an actor.
    pub team: Arc<TeamService>,
    pub mailer: Arc<Mailer>,
    pub leptos_options: LeptosOptions,
    /// Quality holds: also reached by the attachment routes, which are plain HTTP.
    pub quality: Arc<QualityService>,
    /// The partner API's credentials check and rate limits.
    pub api: crate::api::ApiState,
    /// Single sign-on, when configured.
    pub sso: Option<Arc<crate::auth::sso::Sso>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(db: Db, config: Config, mailer: Arc<Mailer>, leptos_options: LeptosOptions) -> AppState {
        // Validated at start-up (Config::validate), so parsing cannot fail here.
        let keys = config.master_keys.keys().unwrap_or_default();
        let team = Arc::new(TeamService { db: db.clone(), mailer: mailer.clone(), base_url: config.base_url() });
        let quality = Arc::new(QualityService::new(db.clone()));
        let api_access = Arc::new(ApiAccessService { db: db.clone() });
        let services = Services {
            orders: Arc::new(OrderService { db: db.clone() }),
            accounts: Arc::new(AccountService { db: db.clone() }),
            acknowledgements: Arc::new(AcknowledgementService { db: db.clone() }),
            proposals: Arc::new(ProposalService { db: db.clone() }),
            lead_times: Arc::new(LeadTimeService { db: db.clone() }),
            sync: Arc::new(SyncService { db: db.clone() }),
            asns: Arc::new(AsnService { db: db.clone(), config: config.asn.clone() }),
            notifications: Arc::new(NotificationService { db: db.clone() }),
            team: team.clone(),
            quality: quality.clone(),
            exceptions: Arc::new(ExceptionService { db: db.clone() }),
            api_access: api_access.clone(),
            webhooks: Arc::new(WebhookService::new(db.clone(), keys.clone(), config.webhooks.clone())),
            suppliers: Arc::new(SupplierService { db: db.clone() }),
        };
        let sso =
            config.sso.enabled.then(|| crate::auth::sso::Sso::new(config.sso.clone(), &config.base_url())).and_then(
                |sso| match sso {
                    Ok(sso) => Some(Arc::new(sso)),
                    Err(e) => {
                        tracing::error!(error = %e, "single sign-on is configured but cannot be set up; it stays off");
                        None
                    }
                },
            );
        AppState {
            sync: SyncEngine::new(db.clone(), keys, config.sync.clone()),
            api: crate::api::ApiState::new(api_access, &config.api),
            throttle: Throttle::new(db.clone(), config.throttle.clone()),
            db,
            config: Arc::new(config),
            services,
            team,
            mailer,
            leptos_options,
            quality,
            sso,
        }
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness probe: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

pub fn router(state: AppState, sessions: SessionDb) -> Router {
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(session::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        // Saved on every request, so the idle expiry really counts from the last request.
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(
            state.config.session_idle_minutes,
        )));

    let routes = generate_route_list(app::App);
    let services = state.services.clone();
    let sso_offer = app::model::SsoOffer { display_name: state.sso.as_ref().map(|s| s.display_name().to_string()) };
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/auth/sso", get(sso::start))
        .route("/auth/sso/callback", get(sso::callback))
        .route("/forgot-password", post(account_link::forgot_password))
        .route("/reset-password", post(account_link::reset_password))
        .route("/invitation", post(account_link::accept_invitation))
        // Quality-hold files: a plain multipart form (no WebAssembly needed) and downloads.
        .route(
            "/quality/{id}/attachments",
            post(quality::upload).layer(axum::extract::DefaultBodyLimit::max(
                state.quality.max_attachment_bytes as usize + quality::MULTIPART_OVERHEAD,
            )),
        )
        .route("/quality/{id}/attachments/{attachment_id}", get(quality::download))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(services.clone());
                provide_context(sso_offer.clone());
            },
            move || app::shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        // Outermost last: trace → CSRF → session → actor → page guard → handler.
        .layer(from_fn(session::require_login))
        .layer(from_fn_with_state(state.clone(), session::load_actor))
        .layer(session_layer)
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        // Machine endpoints: no session, no CSRF check (Odoo and Prometheus carry no cookie).
        .route("/hooks/odoo/{secret}", post(sync::odoo_hook))
        .route("/metrics", get(sync::metrics))
        // The partner API: bearer tokens, no session, no CSRF (no cookie is ever read there).
        .merge(crate::api::router(&state))
        // Every response: no framing (clickjacking), no MIME sniffing, no full URLs in Referer elsewhere.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
