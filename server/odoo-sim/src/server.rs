//! Accept loop. Each connection carries a kill switch so a handler can drop the connection without
//! answering (the "response lost" fault and "down: closed" windows).

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;
use tracing::warn;

/// Request extension: notify it to close the connection without a response.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

impl ConnKill {
    /// Close the connection; the caller's future is dropped with it.
    pub async fn kill(&self) -> std::convert::Infallible {
        self.0.notify_one();
        std::future::pending().await
    }
}

pub async fn serve(listener: TcpListener, router: Router) {
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                warn!("accept failed: {e}");
                continue;
            }
        };
        let router = router.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let ext = ConnKill(kill.clone());
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ext.clone());
                router.clone().oneshot(req.map(axum::body::Body::new))
            });
            let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
            }
        });
    }
}
