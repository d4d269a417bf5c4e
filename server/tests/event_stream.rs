//! Canonical events streamed to the real NATS JetStream at 127.0.0.1:4222 (`SUPPLYLINE_TEST_NATS`),
//! on SQLite and PostgreSQL. Each test uses its own stream and subject prefix and deletes the stream.

mod common;

use async_nats::jetstream;
use futures::StreamExt;

use common::*;
use supplyline::db::{Executor, Sql};
use supplyline::stream::{EventsConfig, Publisher, StreamedEvent};

fn nats_url() -> String {
    std::env::var("SUPPLYLINE_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A stream and subject prefix no other test run uses.
fn unique_events_config() -> EventsConfig {
    let unique = format!("{:08x}", rand::random::<u32>());
    EventsConfig {
        nats_url: Some(nats_url()),
        stream: format!("SUPPLYLINE_TEST_{unique}"),
        subject_prefix: format!("supplyline_test_{unique}"),
        // The test drains its own publisher.
        publish: false,
        ..EventsConfig::default()
    }
}

async fn jetstream_or_fail() -> jetstream::Context {
    let url = nats_url();
    let client = async_nats::connect(url.as_str())
        .await
        .unwrap_or_else(|e| panic!("these tests need NATS with JetStream at {url} (SUPPLYLINE_TEST_NATS): {e}"));
    jetstream::new(client)
}

async fn acknowledge_a_po(app: &TestApp) -> i64 {
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let client = app.signed_in(NORDHAVN_USER).await;
    let res = app
        .rpc(&client, "/rpc/acknowledge", format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all"))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    po
}

#[derive(sqlx::FromRow)]
struct NatsRow {
    id: i64,
    status: String,
    event_uid: String,
}

async fn nats_rows(app: &TestApp, event_type: &str, po: i64) -> Vec<NatsRow> {
    app.db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT o.id, o.status, e.event_uid FROM outbox o JOIN event e ON e.id = o.event_id
                  WHERE o.destination = 'nats' AND e.event_type = $1 AND e.aggregate_id = $2 ORDER BY o.id",
            )
            .bind(event_type)
            .bind(po),
        )
        .await
        .unwrap()
}

async fn an_acknowledgement_is_streamed_once_even_when_published_twice(backend: Backend) {
    let events = unique_events_config();
    let Some(app) = TestApp::spawn_with(backend, |c| c.events = events.clone()).await else { return };
    let js = jetstream_or_fail().await;

    let po = acknowledge_a_po(&app).await;
    let rows = nats_rows(&app, "po.acknowledged", po).await;
    assert_eq!(rows.len(), 1, "the event has one outbox row for NATS");
    assert_eq!(rows[0].status, "pending");

    let publisher = Publisher::new(app.db.clone(), events.clone(), app.config.sync.clone());
    let published = publisher.drain().await.expect("the publisher reaches NATS");
    assert!(published >= 1, "the acknowledgement was published");
    assert_eq!(nats_rows(&app, "po.acknowledged", po).await[0].status, "done");

    // Read it back with a JetStream consumer.
    let mut stream = js.get_stream(&events.stream).await.expect("the publisher created the stream");
    let subject = format!("{}.po.acknowledged", events.subject_prefix);
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config { filter_subject: subject.clone(), ..Default::default() })
        .await
        .unwrap();
    let mut batch = consumer.fetch().max_messages(10).messages().await.unwrap();
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        messages.push(message.unwrap());
    }
    assert_eq!(messages.len(), 1, "one message for the acknowledgement");
    let message = &messages[0];
    assert_eq!(message.subject.as_str(), subject);
    let msg_id = message
        .headers
        .as_ref()
        .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
        .map(|v| v.as_str().to_string());
    assert_eq!(
        msg_id.as_deref(),
        Some(rows[0].event_uid.as_str()),
        "Nats-Msg-Id is the event's uid: {:?}",
        message.headers
    );
    let body: StreamedEvent = serde_json::from_slice(&message.payload).expect("the body is the event as JSON");
    assert_eq!(body.id, rows[0].event_uid);
    assert_eq!(body.event_type, "po.acknowledged");
    assert_eq!(body.schema_version, 1);
    assert_eq!((body.aggregate.kind.as_str(), body.aggregate.id), ("purchase_order", po));
    assert!(body.supplier_id.is_some(), "the supplier is named");
    assert!(body.payload.is_object(), "the payload is the event's JSON: {}", body.payload);

    // A crash after JetStream's ack and before the row was completed: the row is due again.
    let before = stream.info().await.unwrap().state.messages;
    app.db
        .exec()
        .execute(
            Sql::new(
                "UPDATE outbox SET status = 'pending', locked_until = NULL, lease_owner = NULL, completed_at = NULL
                  WHERE id = $1",
            )
            .bind(rows[0].id),
        )
        .await
        .unwrap();
    assert_eq!(publisher.drain().await.unwrap(), 1, "the row is published again");
    assert_eq!(nats_rows(&app, "po.acknowledged", po).await[0].status, "done");
    let after = stream.info().await.unwrap().state.messages;
    assert_eq!(after, before, "the duplicate window dropped the second copy");
    let mut batch = consumer.fetch().max_messages(10).messages().await.unwrap();
    assert!(batch.next().await.is_none(), "no second message for the acknowledgement");

    js.delete_stream(&events.stream).await.expect("the test stream is deleted");
}

async fn an_existing_stream_is_left_as_it_is(backend: Backend) {
    let events = unique_events_config();
    let Some(app) = TestApp::spawn_with(backend, |c| c.events = events.clone()).await else { return };
    let js = jetstream_or_fail().await;
    // Someone else made the stream first, with a longer duplicate window.
    js.create_stream(jetstream::stream::Config {
        name: events.stream.clone(),
        subjects: vec![format!("{}.>", events.subject_prefix)],
        duplicate_window: std::time::Duration::from_secs(600),
        ..Default::default()
    })
    .await
    .unwrap();
    acknowledge_a_po(&app).await;
    let publisher = Publisher::new(app.db.clone(), events.clone(), app.config.sync.clone());
    assert!(publisher.drain().await.unwrap() >= 1);
    let mut stream = js.get_stream(&events.stream).await.unwrap();
    let info = stream.info().await.unwrap();
    assert_eq!(info.config.duplicate_window, std::time::Duration::from_secs(600), "its settings are kept");
    assert!(info.state.messages >= 1);
    js.delete_stream(&events.stream).await.unwrap();
}

async fn without_nats_url_no_event_is_queued_for_nats(backend: Backend) {
    let app = app_or_skip!(backend);
    assert!(!app.config.events.enabled());
    let po = acknowledge_a_po(&app).await;
    assert!(app.count("SELECT COUNT(*) AS n FROM event WHERE aggregate_id = $1", po).await > 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'nats' AND id > $1", 0).await, 0);
}

on_both_backends!(
    an_acknowledgement_is_streamed_once_even_when_published_twice,
    an_existing_stream_is_left_as_it_is,
    without_nats_url_no_event_is_queued_for_nats,
);
