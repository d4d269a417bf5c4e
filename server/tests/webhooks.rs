//! Outbound webhooks end to end, on SQLite and PostgreSQL: a real receiver (axum on 127.0.0.1:0,
//! allow-listed) gets signed deliveries after a real domain action, and the independent Python
//! `standardwebhooks` package verifies them; retries, replay, 410, auto-disable with e-mail, rotation
//! and who may manage which endpoint.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use app::model::{Role, WebhookDeliveryQuery, WebhookEndpointInput, WebhookReplayInput, WebhookUpdateInput};
use app::ports::{Actor, WebhookPort};
use app::AppError;
use common::smtp::SmtpServer;
use common::*;
use supplyline::db::{Executor, Sql};
use supplyline::webhook::{WebhookConfig, WebhookService};

const NORDHAVN_ADMIN: &str = "anna@nordhavn.example";
const KESSLER_ADMIN: &str = "jonas@kessler-guss.example";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    /// Answers to give, in order; then 200.
    answers: VecDeque<(u16, Option<String>)>,
}

/// A webhook receiver on 127.0.0.1:0.
#[derive(Clone)]
struct Receiver {
    url: String,
    inbox: Arc<Mutex<Inbox>>,
}

async fn hook(State(inbox): State<Arc<Mutex<Inbox>>>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let mut inbox = inbox.lock().unwrap();
    inbox.received.push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let (status, retry_after) = inbox.answers.pop_front().unwrap_or((200, None));
    let mut res = (StatusCode::from_u16(status).unwrap(), format!("answered {status}")).into_response();
    if let Some(after) = retry_after {
        res.headers_mut().insert("retry-after", after.parse().unwrap());
    }
    res
}

impl Receiver {
    async fn start() -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, inbox }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().received.clone()
    }

    fn answer(&self, answers: &[(u16, Option<&str>)]) {
        self.inbox.lock().unwrap().answers.extend(answers.iter().map(|(s, r)| (*s, r.map(String::from))));
    }
}

/// The app with webhooks allowed to reach this machine, and the settings adjusted by `adjust`.
async fn spawn(backend: Backend, adjust: impl FnOnce(&mut WebhookConfig)) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| {
        c.webhooks.allow_private_networks = vec!["127.0.0.1".into()];
        c.webhooks.retry_schedule_secs = vec![0];
        adjust(&mut c.webhooks);
    })
    .await
}

fn service(app: &TestApp) -> WebhookService {
    WebhookService::new(app.db.clone(), app.keys.clone(), app.config.webhooks.clone())
}

async fn actor(app: &TestApp, email: &str) -> Actor {
    #[derive(sqlx::FromRow)]
    struct U {
        id: i64,
        role: String,
        supplier_id: Option<i64>,
    }
    let u: U = app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id, role, supplier_id FROM app_user WHERE email = $1").bind(email))
        .await
        .unwrap();
    Actor::new(u.id, Role::parse(&u.role).unwrap(), u.supplier_id).unwrap()
}

fn input(url: &str, types: &[&str]) -> WebhookEndpointInput {
    WebhookEndpointInput {
        url: url.into(),
        description: "ERP bridge".into(),
        event_types: types.iter().map(|t| t.to_string()).collect(),
    }
}

/// The Python that has `standardwebhooks`: `SUPPLYLINE_PYTHON`, else the virtualenv `./dev` prepares.
fn python() -> String {
    std::env::var("SUPPLYLINE_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/supplyline/py/bin/python")
    })
}

/// Whether the independent Standard Webhooks verifier accepts `body` with the received headers.
fn python_verifies(secret: &str, received: &Received, body: &str) -> bool {
    let dir = std::env::temp_dir().join(format!("supplyline-wh-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("body"), body).unwrap();
    let headers: serde_json::Map<String, serde_json::Value> =
        received.headers.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    std::fs::write(dir.join("headers.json"), serde_json::Value::Object(headers).to_string()).unwrap();
    let script = "import json, sys\nfrom standardwebhooks.webhooks import Webhook\n\
                  body = open(sys.argv[2], 'rb').read()\nheaders = json.load(open(sys.argv[3]))\n\
                  Webhook(sys.argv[1]).verify(body, headers)\n";
    let status = std::process::Command::new(python())
        .args(["-c", script, secret])
        .arg(dir.join("body"))
        .arg(dir.join("headers.json"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {} (run ./dev test once to install it): {e}", python()));
    let _ = std::fs::remove_dir_all(&dir);
    status.success()
}

async fn delivery_status(app: &TestApp, id: i64) -> (String, i64) {
    #[derive(sqlx::FromRow)]
    struct D {
        status: String,
        attempts: i64,
    }
    let d: D = app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT status, attempts FROM webhook_delivery WHERE id = $1").bind(id))
        .await
        .unwrap();
    (d.status, d.attempts)
}

async fn an_acknowledgement_reaches_its_suppliers_endpoint_signed_and_verifiable(backend: Backend) {
    let Some(app) = spawn(backend, |_| {}).await else { return };
    let (nordhavn, kessler, internal) = (Receiver::start().await, Receiver::start().await, Receiver::start().await);
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let created = webhooks.create(&anna, input(&nordhavn.url, &["po.acknowledged"])).await.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    assert_eq!(created.endpoint.event_types, ["po.acknowledged"]);
    webhooks.create(&actor(&app, KESSLER_ADMIN).await, input(&kessler.url, &[])).await.unwrap();
    let internal_endpoint = webhooks.create(&actor(&app, ADMIN).await, input(&internal.url, &[])).await.unwrap();
    assert_eq!(internal_endpoint.endpoint.supplier_id, None);

    // Lars acknowledges a Nordhavn PO the way the page does.
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let lars = app.signed_in(NORDHAVN_USER).await;
    let body = format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all");
    let res = app.rpc(&lars, "/rpc/acknowledge", body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let queued = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                  WHERE e.aggregate_id = $1 AND e.event_type = 'po.acknowledged' AND o.destination = 'webhook'";
    assert_eq!(app.count(queued, po).await, 1, "every event gets a webhook outbox row");

    assert!(app.webhooks().drain().await.unwrap() >= 2);
    let got = nordhavn.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let message = &got[0];
    let json = message.json();
    assert_eq!(json["type"], "po.acknowledged");
    assert_eq!(json["data"]["aggregate_id"], po);
    #[derive(sqlx::FromRow)]
    struct Uid {
        event_uid: String,
    }
    let uid: Uid = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT event_uid FROM event WHERE aggregate_id = $1 AND event_type = 'po.acknowledged'").bind(po),
        )
        .await
        .unwrap();
    assert_eq!(message.header("webhook-id"), format!("msg_{}", uid.event_uid.trim_start_matches("evt_")));
    assert_eq!(message.header("content-type"), "application/json");
    assert!(python_verifies(&created.secret, message, &message.body), "the Python verifier accepts it");
    let tampered = message.body.replace("po.acknowledged", "po.acknowledgeD");
    assert!(!python_verifies(&created.secret, message, &tampered), "a tampered body fails");
    assert!(!python_verifies(&internal_endpoint.secret, message, &message.body), "another secret fails");

    // Kessler hears nothing of Nordhavn's PO; the internal endpoint hears of everything.
    assert!(kessler
        .received()
        .iter()
        .all(|m| m.json()["data"]["aggregate_id"] != po || m.json()["type"] != "po.acknowledged"));
    assert!(kessler.received().iter().all(|m| m.json()["data"]["supplier_id"] != json["data"]["supplier_id"]));
    assert!(internal.received().iter().any(|m| m.header("webhook-id") == message.header("webhook-id")));

    // The delivery log shows the attempt.
    let page = webhooks.deliveries(&anna, created.endpoint.id, WebhookDeliveryQuery::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let d = &page.items[0];
    assert_eq!((d.status.as_str(), d.attempts, d.last_status_code), ("succeeded", 1, Some(200)));
    assert_eq!(d.attempt_log.len(), 1);
    assert_eq!(d.response_excerpt.as_deref(), Some("answered 200"));

    // A second drain sends nothing again.
    assert_eq!(app.webhooks().drain().await.unwrap(), 0);
    assert_eq!(nordhavn.received().len(), 1);
}

async fn failures_are_retried_dead_deliveries_replay_and_410_disables(backend: Backend) {
    let Some(app) = spawn(backend, |c| c.retry_schedule_secs = vec![0]).await else { return };
    let receiver = Receiver::start().await;
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let endpoint = webhooks.create(&anna, input(&receiver.url, &[])).await.unwrap().endpoint;

    // 500 then 200: retried (schedule [0]) and delivered.
    receiver.answer(&[(500, None)]);
    let test = webhooks.send_test(&anna, endpoint.id).await.unwrap();
    assert_eq!(test.status, "pending");
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await, ("succeeded".into(), 2));
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"), "a retry keeps its webhook-id");
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[0].json()["type"], "webhook.test");

    // Two failures: the schedule is spent, the delivery is dead; a replay sends the same message again.
    receiver.answer(&[(500, None), (503, None)]);
    let test = webhooks.send_test(&anna, endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await, ("dead".into(), 2));
    let replayed = webhooks.replay(&anna, test.id).await.unwrap();
    assert_eq!((replayed.status.as_str(), replayed.attempts), ("pending", 0));
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await, ("succeeded".into(), 1));
    let got = receiver.received();
    assert_eq!(got.len(), 5);
    assert_eq!(got[4].header("webhook-id"), got[2].header("webhook-id"));
    assert_eq!(got[4].body, got[2].body);
    let page = webhooks.deliveries(&anna, endpoint.id, WebhookDeliveryQuery::default()).await.unwrap();
    let log = &page.items.iter().find(|d| d.id == test.id).unwrap().attempt_log;
    assert_eq!(log.iter().map(|a| a.status_code).collect::<Vec<_>>(), [Some(500), Some(503), Some(200)]);

    // Replay-all brings back dead deliveries since a time.
    receiver.answer(&[(500, None), (500, None)]);
    let test = webhooks.send_test(&anna, endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await.0, "dead");
    let since = chrono::Utc::now() - chrono::Duration::minutes(5);
    assert_eq!(webhooks.replay_failed(&anna, endpoint.id, WebhookReplayInput { since }).await.unwrap(), 1);
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await.0, "succeeded");

    // 410 Gone: the endpoint is switched off at once, with the reason.
    receiver.answer(&[(410, None)]);
    let test = webhooks.send_test(&anna, endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    assert_eq!(delivery_status(&app, test.id).await, ("dead".into(), 1));
    let now = webhooks.get(&anna, endpoint.id).await.unwrap();
    assert!(!now.enabled);
    assert!(now.disabled_reason.unwrap().contains("410"));
    assert!(matches!(webhooks.send_test(&anna, endpoint.id).await, Err(AppError::Invalid { .. })));
    // Enabled again by a person, it works again.
    let update = WebhookUpdateInput { enabled: Some(true), ..Default::default() };
    assert!(webhooks.update(&anna, endpoint.id, update).await.unwrap().enabled);
}

async fn retry_after_is_honoured_within_the_schedule(backend: Backend) {
    let Some(app) = spawn(backend, |c| c.retry_schedule_secs = vec![60]).await else { return };
    let receiver = Receiver::start().await;
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let endpoint = webhooks.create(&anna, input(&receiver.url, &[])).await.unwrap().endpoint;
    receiver.answer(&[(429, Some("7200"))]);
    let test = webhooks.send_test(&anna, endpoint.id).await.unwrap();
    let before = chrono::Utc::now();
    app.webhooks().drain().await.unwrap();
    let d = webhooks.deliveries(&anna, endpoint.id, WebhookDeliveryQuery::default()).await.unwrap().items.remove(0);
    assert_eq!((d.id, d.status.as_str()), (test.id, "failed"));
    let wait = d.next_attempt_at.unwrap() - before;
    assert!(wait >= chrono::Duration::seconds(7190) && wait <= chrono::Duration::seconds(7300), "{wait}");
}

async fn an_endpoint_that_keeps_failing_is_disabled_and_its_owners_told(backend: Backend) {
    let smtp = SmtpServer::start();
    let mail = smtp.mail_config();
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.mail = mail;
        c.webhooks.allow_private_networks = vec!["127.0.0.1".into()];
        c.webhooks.retry_schedule_secs = vec![0, 0];
        c.webhooks.disable_after_consecutive_failures = 3;
    })
    .await
    else {
        return;
    };
    let receiver = Receiver::start().await;
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let endpoint = webhooks.create(&anna, input(&receiver.url, &[])).await.unwrap().endpoint;
    receiver.answer(&[(500, None), (200, None), (500, None), (500, None), (500, None)]);
    // A success in between resets the count.
    webhooks.send_test(&anna, endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    assert!(webhooks.get(&anna, endpoint.id).await.unwrap().enabled);
    assert_eq!(webhooks.get(&anna, endpoint.id).await.unwrap().consecutive_failures, 0);
    webhooks.send_test(&anna, endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    let now = webhooks.get(&anna, endpoint.id).await.unwrap();
    assert!(!now.enabled, "three failures in a row");
    assert!(now.disabled_reason.unwrap().contains("3 deliveries in a row failed"));
    let mails = smtp.wait_for(NORDHAVN_ADMIN, 1).await;
    assert_eq!(mails.len(), 1, "{:?}", smtp.messages());
    assert_eq!(mails[0].subject, "A webhook endpoint was disabled");
    assert!(mails[0].text.contains(&receiver.url), "{}", mails[0].text);
    assert!(mails[0].text.contains(&format!("/integrations/webhooks/{}", endpoint.id)));
    assert!(smtp.messages_to(NORDHAVN_USER).is_empty(), "supplier users are not told");
}

async fn rotation_signs_with_both_secrets_during_the_overlap(backend: Backend) {
    let Some(app) = spawn(backend, |_| {}).await else { return };
    let receiver = Receiver::start().await;
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let created = webhooks.create(&anna, input(&receiver.url, &[])).await.unwrap();
    let rotated = webhooks.rotate_secret(&anna, created.endpoint.id).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    assert!(rotated.endpoint.previous_secret_expires_at.is_some());
    webhooks.send_test(&anna, created.endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2, "signed with both secrets");
    assert!(python_verifies(&rotated.secret, &got[0], &got[0].body), "the new secret verifies");
    assert!(python_verifies(&created.secret, &got[0], &got[0].body), "the old secret still verifies");

    // Once the overlap is over, only the new secret signs.
    app.db
        .exec()
        .execute(
            Sql::new("UPDATE webhook_endpoint SET previous_secret_expires_at = $1 WHERE id = $2")
                .bind(chrono::Utc::now() - chrono::Duration::seconds(1))
                .bind(created.endpoint.id),
        )
        .await
        .unwrap();
    webhooks.send_test(&anna, created.endpoint.id).await.unwrap();
    app.webhooks().drain().await.unwrap();
    let got = receiver.received();
    assert_eq!(got[1].header("webhook-signature").split(' ').count(), 1);
    assert!(python_verifies(&rotated.secret, &got[1], &got[1].body));
    assert!(!python_verifies(&created.secret, &got[1], &got[1].body));
    let audit = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'webhook.secret_rotated' AND entity_id = $1";
    assert_eq!(app.count(audit, created.endpoint.id).await, 1);
}

async fn only_the_suppliers_admins_and_admins_manage_endpoints(backend: Backend) {
    let Some(app) = spawn(backend, |_| {}).await else { return };
    let webhooks = service(&app);
    let anna = actor(&app, NORDHAVN_ADMIN).await;
    let endpoint = webhooks.create(&anna, input("https://8.8.8.8/hooks", &[])).await.unwrap().endpoint;
    assert!(endpoint.can_manage);

    // Another supplier's admin: not found, for reading and for changing.
    let jonas = actor(&app, KESSLER_ADMIN).await;
    assert_eq!(webhooks.get(&jonas, endpoint.id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(webhooks.delete(&jonas, endpoint.id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(webhooks.rotate_secret(&jonas, endpoint.id).await.unwrap_err(), AppError::NotFound);
    assert!(webhooks.list(&jonas).await.unwrap().is_empty());
    // Supplier users and buyers: forbidden.
    for email in [NORDHAVN_USER, BUYER] {
        let who = actor(&app, email).await;
        assert_eq!(webhooks.list(&who).await.unwrap_err(), AppError::Forbidden, "{email}");
        assert_eq!(webhooks.get(&who, endpoint.id).await.unwrap_err(), AppError::Forbidden, "{email}");
        let err = webhooks.create(&who, input("https://8.8.8.8/x", &[])).await.unwrap_err();
        assert_eq!(err, AppError::Forbidden, "{email}");
    }
    // Admins read supplier endpoints but do not change them.
    let ops = actor(&app, ADMIN).await;
    let seen = webhooks.get(&ops, endpoint.id).await.unwrap();
    assert!(!seen.can_manage);
    assert!(seen.supplier_name.is_some());
    assert_eq!(webhooks.delete(&ops, endpoint.id).await.unwrap_err(), AppError::Forbidden);
    // An internal endpoint is not for supplier admins.
    let internal = webhooks.create(&ops, input("https://8.8.4.4/hooks", &[])).await.unwrap().endpoint;
    assert_eq!(webhooks.get(&anna, internal.id).await.unwrap_err(), AppError::NotFound);
    assert_eq!(webhooks.list(&ops).await.unwrap().len(), 2);

    // Validation: SSRF, scheme, unknown event types, each on its field.
    let err = webhooks.create(&anna, input("https://10.1.2.3/x", &["po.exploded"])).await.unwrap_err();
    let url = err.field_message("url").unwrap();
    assert!(url.contains("private"), "{url}");
    assert!(err.field_message("event_types").unwrap().contains("po.exploded"));
    let err = webhooks.create(&anna, input("https://169.254.169.254/latest", &[])).await.unwrap_err();
    assert!(err.field_message("url").unwrap().contains("metadata"));
    let err = webhooks.create(&anna, input("http://8.8.8.8/x", &[])).await.unwrap_err();
    assert!(err.field_message("url").unwrap().contains("https"));

    // Updates and deletion are audited; deleting removes the endpoint.
    let update = WebhookUpdateInput { description: Some("New".into()), ..Default::default() };
    assert_eq!(webhooks.update(&anna, endpoint.id, update).await.unwrap().description, "New");
    webhooks.delete(&anna, endpoint.id).await.unwrap();
    assert_eq!(webhooks.get(&anna, endpoint.id).await.unwrap_err(), AppError::NotFound);
    let audited = "SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'webhook_endpoint' AND entity_id = $1";
    assert_eq!(app.count(audited, endpoint.id).await, 3, "created, updated, deleted");
}

on_both_backends!(
    an_acknowledgement_reaches_its_suppliers_endpoint_signed_and_verifiable,
    failures_are_retried_dead_deliveries_replay_and_410_disables,
    retry_after_is_honoured_within_the_schedule,
    an_endpoint_that_keeps_failing_is_disabled_and_its_owners_told,
    rotation_signs_with_both_secrets_during_the_overlap,
    only_the_suppliers_admins_and_admins_manage_endpoints,
);
