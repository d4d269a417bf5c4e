//! Building and running the application: connect, migrate, bind (port 0 in tests), serve.

use std::net::SocketAddr;
use std::sync::Arc;

use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::auth::store::SessionDb;
use crate::auth::throttle::Throttle;
use crate::config::{redact_url, Config};
use crate::db::{Db, DbError};
use crate::http::{router, AppState};
use crate::mail::Mailer;
use crate::notify::Notifier;
use crate::stream::Publisher;
use crate::sync::SyncEngine;
use crate::webhook::WebhookWorker;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: DbError },
    #[error("cannot migrate the database {url}: {source}")]
    Migrate { url: String, source: DbError },
    #[error("cannot prepare the session table: {0}")]
    Sessions(sqlx::Error),
    #[error("cannot set up e-mail: {0}")]
    Mail(#[from] crate::mail::MailError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Opens the configured database and applies pending migrations; both fail with the URL (password
/// redacted) in the message.
pub async fn open_database(config: &Config) -> Result<Db, StartupError> {
    let url = redact_url(&config.database_url);
    let db =
        Db::connect(&config.database_url).await.map_err(|source| StartupError::Connect { url: url.clone(), source })?;
    db.migrate().await.map_err(|source| StartupError::Migrate { url, source })?;
    Ok(db.with_event_stream(config.events.enabled()))
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("supplyline")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .build()
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: Db,
    sessions: SessionDb,
    throttle: Throttle,
    sync: Arc<SyncEngine>,
    sync_enabled: bool,
    notifier: Option<Notifier>,
    webhooks: Option<WebhookWorker>,
    publisher: Option<Publisher>,
}

impl Application {
    /// Connects, migrates and binds; serving starts with [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let db = open_database(&config).await?;
        Application::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: Config, db: Db) -> Result<Application, StartupError> {
        // Whoever opened the database, events are streamed exactly when the configuration says so.
        let db = db.with_event_stream(config.events.enabled());
        let sessions = SessionDb::for_db(&db).await.map_err(StartupError::Sessions)?;
        crate::auth::password::warm_up();
        let listener =
            TcpListener::bind(config.bind).await.map_err(|source| StartupError::Bind { addr: config.bind, source })?;
        let options = leptos_options(&config);
        let mailer = Arc::new(Mailer::from_config(&config.mail)?);
        let notifier = config.notifications_enabled.then(|| notifier(&db, mailer.clone(), &config));
        let webhooks = config.webhooks.enabled.then(|| webhook_worker(&db, mailer.clone(), &config));
        let publisher = (config.events.enabled() && config.events.publish).then(|| publisher(&db, &config));
        let state = AppState::new(db.clone(), config, mailer, options);
        let throttle = state.throttle.clone();
        let sync = state.sync.clone();
        let sync_enabled = state.config.sync.enabled;
        Ok(Application {
            router: router(state, sessions.clone()),
            listener,
            db,
            sessions,
            throttle,
            sync,
            sync_enabled,
            notifier,
            webhooks,
            publisher,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn sync(&self) -> Arc<SyncEngine> {
        self.sync.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let cleanup = spawn_housekeeping(
            self.db.clone(),
            self.sessions.clone(),
            self.throttle.clone(),
            std::time::Duration::from_secs(600),
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut sync_tasks = if self.sync_enabled { self.sync.spawn(stopped.clone()).await } else { Vec::new() };
        if let Some(notifier) = self.notifier {
            let mut stopped = stopped.clone();
            sync_tasks.push(tokio::spawn(notifier.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })));
        }
        if let Some(webhooks) = self.webhooks {
            let mut stopped = stopped.clone();
            sync_tasks.push(tokio::spawn(webhooks.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })));
        }
        if let Some(publisher) = self.publisher {
            let mut stopped = stopped;
            sync_tasks.push(tokio::spawn(publisher.run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })));
        }
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await;
        cleanup.abort();
        // The worker finishes the push in flight; an unfinished lease simply expires for another node.
        let _ = stop.send(true);
        for task in sync_tasks {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
        result
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// The notifier a server runs: in-app notifications, e-mail and acknowledgement reminders.
pub fn notifier(db: &Db, mailer: Arc<Mailer>, config: &Config) -> Notifier {
    Notifier::new(db.clone(), mailer, config.base_url(), config.sync.clone(), config.mail.reminder_hours_before)
}

/// The webhook dispatcher and delivery worker a server runs.
pub fn webhook_worker(db: &Db, mailer: Arc<Mailer>, config: &Config) -> WebhookWorker {
    // Validated at start-up (Config::validate).
    let keys = config.master_keys.keys().unwrap_or_default();
    WebhookWorker::new(db.clone(), keys, config.webhooks.clone(), mailer, config.base_url())
}

/// The publisher a server runs when event streaming is on: canonical events to NATS JetStream.
pub fn publisher(db: &Db, config: &Config) -> Publisher {
    Publisher::new(db.clone(), config.events.clone(), config.sync.clone())
}

/// Every `period`: expired sessions, spent sign-in throttle rows, lapsed API access tokens and
/// expired Idempotency-Key records are deleted.
fn spawn_housekeeping(
    db: Db,
    sessions: SessionDb,
    throttle: Throttle,
    period: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    use tower_sessions::ExpiredDeletion;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(e) = sessions.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
            if let Err(e) = throttle.prune(chrono::Utc::now()).await {
                tracing::warn!(error = %e, "pruning sign-in throttle rows failed");
            }
            if let Err(e) = crate::api::idempotency::prune(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "pruning idempotency records failed");
            }
            let access = crate::domain::api_access::ApiAccessService { db: db.clone() };
            if let Err(e) = access.prune(chrono::Utc::now()).await {
                tracing::warn!(error = %e, "pruning lapsed access tokens failed");
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
