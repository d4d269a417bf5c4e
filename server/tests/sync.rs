//! The sync engine against the Odoo simulator over HTTP, on SQLite and PostgreSQL: POs arrive by
//! the pull and by Odoo's webhook; acknowledgements reach Odoo under the supplier's own key; faults
//! (Odoo down, serialization failures, lost responses, a worker killed mid-push) lose nothing and
//! apply nothing twice.

mod common;
// Supplier onboarding: Odoo's vendors become suppliers (a module here, not a test binary of its own).
mod supplier_onboarding;

use std::sync::Arc;
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use common::*;
use odoo_sim::{DownMode, FaultKind, NewPoLine, OdooVersion, SimConfig, Simulator};
use serde_json::json;
use supplyline::db::{Executor, Sql};
use supplyline::secret::Secret;
use supplyline::sync::config::SyncConfig;
use supplyline::sync::connection;
use supplyline::sync::SyncEngine;

/// The portal and an Odoo with NORDFAST bound to its own bot user; KESSLER is another vendor in Odoo.
struct World {
    app: TestApp,
    sim: Simulator,
    connection_id: i64,
    webhook_secret: String,
    nordfast: i64,
    vendor: i64,
    other_vendor: i64,
    products: Vec<i64>,
}

async fn world(backend: Backend, version: OdooVersion) -> Option<World> {
    let app = TestApp::spawn(backend).await?;
    let sim = Simulator::new(SimConfig { version, database: "brightwell".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let vendor = sim.create_vendor("Nordhavn Fasteners", Some("orders@nordhavn.example"));
    let other_vendor = sim.create_vendor("Kessler Guss", None);
    let (_, bot_key) = sim.create_bot_user(vendor, "nordfast-bot");
    let products = vec![
        sim.create_product("FAST-M8", "Hex bolt M8x40", "none", "Units"),
        sim.create_product("FAST-LOT", "Locking nut M8 (lot)", "lot", "Units"),
    ];
    let (connection_id, webhook_secret) =
        connection::create_connection(&app.db, "sim", &format!("http://{addr}"), "brightwell").await.unwrap();
    let nordfast = supplier_id(&app, "NORDFAST").await;
    connection::bind(
        &app.db,
        &app.keys,
        connection_id,
        Some(nordfast),
        Some(vendor),
        "nordfast-bot",
        &Secret::new(bot_key),
        None,
    )
    .await
    .expect("binds the supplier");
    Some(World { app, sim, connection_id, webhook_secret, nordfast, vendor, other_vendor, products })
}

async fn supplier_id(app: &TestApp, code: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    app.db.exec().fetch_one::<Id>(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code)).await.unwrap().id
}

impl World {
    fn engine(&self, config: SyncConfig) -> Arc<SyncEngine> {
        SyncEngine::new(self.app.db.clone(), self.app.keys.clone(), config)
    }

    fn odoo_po(&self, vendor: i64, quantities: &[f64]) -> i64 {
        let lines: Vec<NewPoLine> = quantities
            .iter()
            .enumerate()
            .map(|(i, q)| NewPoLine {
                product_id: self.products[i % self.products.len()],
                qty: *q,
                price_unit: 2.5,
                date_planned: Utc::now() + Days::days(14),
            })
            .collect();
        self.sim.create_purchase_order(vendor, &lines, true)
    }

    /// A confirmed Odoo PO of NORDFAST with these line quantities, pulled into the portal:
    /// (its Odoo id, its portal id, its lines, the engine that pulled it).
    async fn pulled_po(&self, quantities: &[f64]) -> (i64, i64, Vec<PoLine>, Arc<SyncEngine>) {
        let odoo_po = self.odoo_po(self.vendor, quantities);
        let engine = self.engine(fast_sync());
        engine.pull_all().await;
        let po = self.canonical_po(odoo_po).await.expect("the PO arrived");
        let lines = self.app.po_lines(po).await;
        (odoo_po, po, lines, engine)
    }

    async fn canonical_po(&self, odoo_id: i64) -> Option<i64> {
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        self.app
            .db
            .exec()
            .fetch_optional::<Id>(
                Sql::new("SELECT id FROM purchase_order WHERE odoo_connection_id = $1 AND odoo_id = $2")
                    .bind(self.connection_id)
                    .bind(odoo_id),
            )
            .await
            .unwrap()
            .map(|r| r.id)
    }

    /// Notes in Odoo's chatter of this PO that carry `marker`.
    fn notes_with(&self, po: i64, marker: &str) -> usize {
        self.sim
            .search_ids(
                "mail.message",
                json!([["model", "=", "purchase.order"], ["res_id", "=", po], ["body", "ilike", marker]]),
            )
            .len()
    }

    fn po_field(&self, po: i64, field: &str) -> serde_json::Value {
        self.sim.read_record("purchase.order", po).expect("the PO exists")[field].clone()
    }
}

/// Queues an event for Odoo in `tx`, as a domain service does; its payload carries what the recipes read.
async fn emit_for_odoo(tx: &mut supplyline::db::Tx, event_type: &str, aggregate: (&str, i64), supplier: i64) {
    let payload = json!({"asn_id": aggregate.1, "purchase_order_id": aggregate.1, "revision": 1, "decision": "accept", "lines": []});
    let event = supplyline::domain::event::NewEvent {
        event_type,
        aggregate,
        supplier_id: Some(supplier),
        payload,
        destinations: &["odoo"],
    };
    supplyline::domain::event::emit(tx, event).await.unwrap();
}

fn fast_sync() -> SyncConfig {
    SyncConfig {
        backoff_base_ms: 1,
        backoff_cap_secs: 0,
        hint_delay_ms: 0,
        request_timeout_secs: 5,
        lease_secs: 10,
        ..SyncConfig::default()
    }
}

async fn a_po_created_in_odoo_arrives_by_the_pull_with_its_lines(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let odoo_po = w.odoo_po(w.vendor, &[10.0, 4.0]);
    let foreign = w.odoo_po(w.other_vendor, &[1.0]);
    let engine = w.engine(fast_sync());
    let report = engine.pull_all().await;
    assert_eq!((report.created, report.foreign), (1, 0), "{report:?}");
    let po = w.canonical_po(odoo_po).await.expect("the PO arrived");
    assert_eq!(w.app.count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1", po).await, 2);
    assert_eq!(
        w.app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND state = 'purchase' AND ack_state = 'pending'", po).await,
        1
    );
    assert_eq!(w.canonical_po(foreign).await, None, "another vendor's PO is invisible to this supplier's key");
    assert_eq!(engine.pull_all().await.created, 0, "a second pull creates nothing");
}

async fn odoo_revising_an_acknowledged_line_asks_the_supplier_to_confirm_it_again(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let (odoo_po, po, lines, engine) = w.pulled_po(&[10.0, 4.0]).await;
    let client = w.app.signed_in(NORDHAVN_USER).await;
    let res = w
        .app
        .rpc(&client, "/rpc/acknowledge", format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all"))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The buyer raises line 1 in Odoo.
    let line_ids = w.sim.search_ids("purchase.order.line", json!([["order_id", "=", odoo_po]]));
    let admin = odoo_admin(&w).await;
    admin.write("purchase.order.line", &line_ids[..1], json!({"product_qty": 12.0})).await.unwrap();
    let report = engine.pull_all().await;
    assert_eq!(report.revised, 1, "{report:?}");
    assert_eq!(
        w.app
            .count(
                "SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND revision = 2 AND ack_state = 'reconfirm'",
                po
            )
            .await,
        1
    );
    assert_eq!(w.app.count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE id = $1 AND ack_state = 'reconfirm' AND quantity = 12", lines[0].id).await, 1);
    assert_eq!(
        w.app
            .count(
                "SELECT COUNT(*) AS n FROM purchase_order_line WHERE id = $1 AND ack_state = 'accepted'",
                lines[1].id
            )
            .await,
        1
    );
    assert_eq!(
        w.app.count("SELECT COUNT(*) AS n FROM event WHERE event_type = 'po.revised' AND aggregate_id = $1", po).await,
        1
    );
    let page = client.get(w.app.url(&format!("/pos/{po}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Changed by the buyer in revision 2") && page.contains("Line 1: quantity 10 → 12"),
        "the supplier sees the diff"
    );
    // The buyer adds a line: a third revision, the new line waiting for the supplier.
    admin
        .create(
            "purchase.order.line",
            json!({"order_id": odoo_po, "product_id": w.products[1], "product_qty": 6.0,
                   "price_unit": 1.0, "date_planned": "2026-12-24 08:00:00", "name": "Locking nut M8 (lot)"}),
        )
        .await
        .unwrap();
    assert_eq!(engine.pull_all().await.revised, 1);
    let added = "SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1 AND line_no = 3 AND quantity = 6 AND ack_state = 'pending'";
    assert_eq!(w.app.count(added, po).await, 1);
    assert_eq!(w.app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND revision = 3", po).await, 1);
}

async fn odoo_admin(w: &World) -> supplyline::odoo::OdooClient {
    odoo_client(&w.app, w.connection_id, "admin", w.sim.admin_key()).await
}

/// A client of the connection's Odoo signed in as `login` with `key`.
async fn odoo_client(app: &TestApp, connection_id: i64, login: &str, key: String) -> supplyline::odoo::OdooClient {
    let base = connection::connection(&app.db, connection_id).await.unwrap().unwrap();
    supplyline::odoo::OdooClient::connect(
        supplyline::odoo::client::http_client(Duration::from_secs(5)),
        &base.endpoint(),
        login,
        Secret::new(key),
        false,
    )
    .await
    .unwrap()
}

async fn odoos_webhook_brings_a_new_po_without_waiting_for_the_pull(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    w.sim.add_webhook(
        "purchase.order",
        &w.app.url(&format!("/hooks/odoo/{}", w.webhook_secret)),
        &["name", "partner_id", "state", "write_date"],
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Only the hint reader runs: no pull can bring the PO.
    let tasks: Vec<_> = w.app.sync.spawn_hint_reader(stopped).await.into_iter().collect();
    let odoo_po = w.odoo_po(w.vendor, &[3.0]);
    let mut arrived = None;
    for _ in 0..100 {
        arrived = w.canonical_po(odoo_po).await;
        if arrived.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for task in tasks {
        let _ = task.await;
    }
    assert!(arrived.is_some(), "the webhook hint imported the PO");
    let wrong = reqwest::Client::new()
        .post(w.app.url("/hooks/odoo/not-the-secret"))
        .json(&json!({"_model": "purchase.order", "_id": odoo_po}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let bad = reqwest::Client::new()
        .post(w.app.url(&format!("/hooks/odoo/{}", w.webhook_secret)))
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

async fn a_suppliers_acknowledgement_reaches_odoo_once(backend: Backend) {
    for version in [OdooVersion::V17, OdooVersion::V19] {
        let Some(w) = world(backend, version).await else { return };
        let odoo_po = w.odoo_po(w.vendor, &[10.0]);
        let engine = w.engine(fast_sync());
        engine.pull_all().await;
        let po = w.canonical_po(odoo_po).await.unwrap();
        let client = w.app.signed_in(NORDHAVN_USER).await;
        let body =
            format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all&input[supplier_reference]=SO-4711");
        assert_eq!(w.app.rpc(&client, "/rpc/acknowledge", body).await.status(), 200);
        assert_eq!(engine.worker().drain().await.unwrap(), 1);
        let flag = if version == OdooVersion::V19 { "acknowledged" } else { "mail_reception_confirmed" };
        assert_eq!(w.po_field(odoo_po, flag), json!(true), "{version:?}");
        assert_eq!(w.po_field(odoo_po, "partner_ref"), json!("SO-4711"));
        assert_eq!(w.notes_with(odoo_po, "Supplyline evt_"), 1, "one chatter note");
        assert_eq!(w.app.count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'done' AND event_id IN (SELECT id FROM event WHERE aggregate_id = $1)", po).await, 1);
        assert_eq!(engine.worker().drain().await.unwrap(), 0, "nothing left to push");
    }
}

/// `count` acknowledgement events over POs of NORDFAST, queued as the domain would.
async fn queue_acknowledgements(w: &World, pos: usize, per_po: usize) -> Vec<(i64, i64)> {
    let mut made = Vec::new();
    for _ in 0..pos {
        made.push(w.odoo_po(w.vendor, &[5.0]));
    }
    w.engine(fast_sync()).pull_all().await;
    let mut out = Vec::new();
    for odoo_po in made {
        let po = w.canonical_po(odoo_po).await.unwrap();
        for _ in 0..per_po {
            let mut tx = w.app.db.begin().await.unwrap();
            emit_for_odoo(&mut tx, "po.acknowledged", ("purchase_order", po), w.nordfast).await;
            tx.commit().await.unwrap();
        }
        out.push((po, odoo_po));
    }
    out
}

async fn assert_each_note_once(w: &World, pushed: &[(i64, i64)], per_po: usize) {
    #[derive(sqlx::FromRow)]
    struct Uid {
        event_uid: String,
        aggregate_id: i64,
    }
    let uids: Vec<Uid> = w
        .app
        .db
        .exec()
        .fetch_all(Sql::new("SELECT event_uid, aggregate_id FROM event WHERE event_type = 'po.acknowledged'"))
        .await
        .unwrap();
    assert_eq!(uids.len(), pushed.len() * per_po);
    for uid in uids {
        let odoo_po = pushed.iter().find(|(po, _)| *po == uid.aggregate_id).unwrap().1;
        assert_eq!(w.notes_with(odoo_po, &uid.event_uid), 1, "event {} applied exactly once", uid.event_uid);
    }
    assert_eq!(
        w.app
            .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status <> 'done' AND id > $1", 0)
            .await,
        0,
        "every row done"
    );
}

async fn odoo_down_during_500_pushes_then_each_applied_exactly_once(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let pushed = queue_acknowledgements(&w, 50, 10).await;
    // More pushes in flight than the SQLite pool has connections: pushes must not starve the claims.
    let engine = w.engine(SyncConfig { concurrency: 16, max_attempts: 1000, ..fast_sync() });
    w.sim.faults().set_down(DownMode::Closed, None);
    let worker = engine.worker();
    worker.run_once().await.unwrap();
    assert!(
        w.app
            .count(
                "SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'pending' AND attempts > $1",
                0
            )
            .await
            > 0,
        "pushes failed while Odoo was down"
    );
    w.sim.faults().set_up();
    let mut rounds = 0;
    while w
        .app
        .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'pending' AND id > $1", 0)
        .await
        > 0
    {
        worker.drain().await.unwrap();
        rounds += 1;
        assert!(rounds < 1000, "the queue drains once Odoo is back");
    }
    assert_each_note_once(&w, &pushed, 10).await;
}

async fn serialization_failures_and_lost_responses_apply_nothing_twice(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let pushed = queue_acknowledgements(&w, 20, 5).await;
    let engine = w.engine(SyncConfig { concurrency: 4, max_attempts: 1000, ..fast_sync() });
    w.sim.faults().set_seed(7);
    w.sim.faults().set_rate(FaultKind::SerializationFailure, 0.2);
    w.sim.faults().set_rate(FaultKind::LostResponse, 0.2);
    let worker = engine.worker();
    let mut rounds = 0;
    while w
        .app
        .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'pending' AND id > $1", 0)
        .await
        > 0
    {
        worker.drain().await.unwrap();
        rounds += 1;
        assert!(rounds < 1000, "the queue drains despite the faults");
    }
    w.sim.faults().clear();
    assert!(
        w.app
            .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND attempts > 1 AND id > $1", 0)
            .await
            > 0,
        "faults were injected and retried"
    );
    assert_each_note_once(&w, &pushed, 5).await;
}

async fn a_worker_killed_mid_push_loses_nothing_and_doubles_nothing(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let pushed = queue_acknowledgements(&w, 6, 2).await;
    w.sim.faults().set_latency(300);
    let config = SyncConfig { lease_secs: 2, request_timeout_secs: 1, concurrency: 6, ..fast_sync() };
    let doomed = w.engine(config.clone()).worker();
    let killed = tokio::spawn(async move { doomed.drain().await });
    tokio::time::sleep(Duration::from_millis(450)).await;
    killed.abort();
    let _ = killed.await;
    w.sim.faults().set_latency(0);
    // The dead worker's leases expire; a new worker takes the rows over.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let worker = w.engine(config).worker();
    let mut rounds = 0;
    while w
        .app
        .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'pending' AND id > $1", 0)
        .await
        > 0
    {
        worker.drain().await.unwrap();
        rounds += 1;
        assert!(rounds < 100);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_each_note_once(&w, &pushed, 2).await;
}

async fn a_suppliers_key_cannot_touch_another_vendors_po(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let ours = w.odoo_po(w.vendor, &[1.0]);
    let theirs = w.odoo_po(w.other_vendor, &[1.0]);
    let engine = w.engine(fast_sync());
    engine.pull_all().await;
    let po = w.canonical_po(ours).await.unwrap();
    // A canonical record pointing at another vendor's PO (corrupted, or forged): the push is refused by Odoo.
    w.app
        .db
        .exec()
        .execute(Sql::new("UPDATE purchase_order SET odoo_id = $1 WHERE id = $2").bind(theirs).bind(po))
        .await
        .unwrap();
    let client = w.app.signed_in(NORDHAVN_USER).await;
    let res = w
        .app
        .rpc(&client, "/rpc/acknowledge", format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all"))
        .await;
    assert_eq!(res.status(), 200);
    engine.worker().drain().await.unwrap();
    assert_eq!(w.po_field(theirs, "acknowledged"), json!(false), "the other vendor's PO is untouched");
    #[derive(sqlx::FromRow)]
    struct Dead {
        status: String,
        last_error_kind: Option<String>,
    }
    let dead: Dead = w
        .app
        .db
        .exec()
        .fetch_one(Sql::new(
            "SELECT status, last_error_kind FROM outbox WHERE destination = 'odoo' ORDER BY id DESC LIMIT 1",
        ))
        .await
        .unwrap();
    assert_eq!((dead.status.as_str(), dead.last_error_kind.as_deref()), ("dead", Some("access_error")));
    // A replay after the record is fixed goes through.
    w.app
        .db
        .exec()
        .execute(Sql::new("UPDATE purchase_order SET odoo_id = $1 WHERE id = $2").bind(ours).bind(po))
        .await
        .unwrap();
    assert_eq!(supplyline::sync::outbox::replay(&w.app.db, None).await.unwrap(), 1);
    engine.worker().drain().await.unwrap();
    assert_eq!(w.po_field(ours, "acknowledged"), json!(true));
}

async fn drain_all(engine: &SyncEngine) {
    let worker = engine.worker();
    for _ in 0..100 {
        if worker.drain().await.unwrap() == 0 {
            return;
        }
    }
    panic!("the queue does not drain");
}

async fn an_accepted_change_and_an_approved_lead_time_reach_odoo(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let (odoo_po, po, lines, engine) = w.pulled_po(&[10.0, 4.0]).await;
    let supplier = w.app.signed_in(NORDHAVN_USER).await;
    let body = per_line_body(po, &lines, "&input[lines][{i}][action]=quantity&input[lines][{i}][quantity]=15");
    assert_eq!(w.app.rpc(&supplier, "/rpc/acknowledge", body).await.status(), 200);
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let proposal: Id = w
        .app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id FROM change_proposal WHERE purchase_order_line_id = $1").bind(lines[0].id))
        .await
        .unwrap();
    let buyer = w.app.signed_in(BUYER).await;
    let res = w
        .app
        .rpc(&buyer, "/rpc/decide_proposal", format!("input[proposal_id]={}&input[decision]=accept", proposal.id))
        .await;
    assert_eq!(res.status(), 200);
    drain_all(&engine).await;
    let odoo_line = w.sim.search_ids("purchase.order.line", json!([["order_id", "=", odoo_po]]))[0];
    assert_eq!(w.sim.read_record("purchase.order.line", odoo_line).unwrap()["product_qty"], json!(15.0));
    assert_eq!(
        w.notes_with(odoo_po, "Supplyline evt_"),
        3,
        "acknowledgement, proposal and decision each leave one note"
    );

    // The lead time of the product on this vendor's pricelist.
    let info = w.sim.create_supplierinfo(w.vendor, w.products[0], Some("NF-M8"), 7, 0.3);
    engine.pull_all().await;
    let sp: Id = w
        .app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id FROM supplier_product WHERE odoo_id = $1").bind(info))
        .await
        .unwrap();
    let tomorrow = (Utc::now() + Days::days(1)).format("%Y-%m-%d");
    let body = format!("input[supplier_product_id]={}&input[days]=21&input[effective_date]={tomorrow}&input[reason]=Furnace%20relining", sp.id);
    assert_eq!(w.app.rpc(&supplier, "/rpc/propose_lead_time", body).await.status(), 200);
    let pending: serde_json::Value =
        w.app.rpc(&buyer, "/rpc/pending_lead_times", String::new()).await.json().await.unwrap();
    let id = pending[0]["id"].as_i64().unwrap();
    assert_eq!(
        w.app
            .rpc(&buyer, "/rpc/decide_lead_time", format!("input[proposal_id]={id}&input[decision]=accept"))
            .await
            .status(),
        200
    );
    drain_all(&engine).await;
    assert_eq!(w.sim.read_record("product.supplierinfo", info).unwrap()["delay"], json!(21));
}

async fn reconciliation_repairs_drift_and_names_each_record(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V17).await else { return };
    let changed = w.odoo_po(w.vendor, &[10.0]);
    let untouched = w.odoo_po(w.vendor, &[2.0]);
    let engine = w.engine(fast_sync());
    engine.pull_all().await;
    let admin = odoo_admin(&w).await;
    let line = w.sim.search_ids("purchase.order.line", json!([["order_id", "=", changed]]));
    // A change the portal never heard of (no webhook, and the pull has not run since).
    admin.write("purchase.order.line", &line, json!({"product_qty": 11.0})).await.unwrap();
    let result = supplyline::sync::reconcile::reconcile(&engine.clients, 50).await.unwrap();
    assert_eq!((result.checked, result.drifted, result.repaired, result.failed), (2, 1, 1, 0), "{result:?}");
    let po = w.canonical_po(changed).await.unwrap();
    assert_eq!(
        w.app
            .count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1 AND quantity = 11", po)
            .await,
        1
    );
    #[derive(sqlx::FromRow)]
    struct Report {
        detail: String,
    }
    let report: Report = w
        .app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT detail FROM reconciliation_report WHERE id = $1").bind(result.report_id))
        .await
        .unwrap();
    let name = w.sim.read_record("purchase.order", changed).unwrap()["name"].as_str().unwrap().to_string();
    assert!(report.detail.contains(&name), "{}", report.detail);
    let quiet = supplyline::sync::reconcile::reconcile(&engine.clients, 50).await.unwrap();
    assert_eq!(quiet.drifted, 0, "nothing drifts twice");
    assert!(w.canonical_po(untouched).await.is_some());
}

async fn metrics_report_the_queue_and_the_pushes(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let _ = queue_acknowledgements(&w, 2, 1).await;
    let before = reqwest::get(w.app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(before.contains("supplyline_outbox_pending 2"), "{before}");
    w.app.sync.worker().drain().await.unwrap();
    let after = reqwest::get(w.app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(after.contains("supplyline_outbox_pending 0"), "{after}");
    assert!(after.contains(&format!("supplyline_odoo_pushes_total{{supplier=\"{}\"}} 2", w.nordfast)), "{after}");
    assert!(after.contains("supplyline_odoo_push_seconds_count 2"), "{after}");
}

/// Two nodes' workers on one PostgreSQL: every row is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_postgres_never_push_the_same_row_twice() {
    let Some(w) = world(Backend::Postgres, OdooVersion::V19).await else { return };
    let pushed = queue_acknowledgements(&w, 30, 4).await;
    w.sim.faults().set_latency(5);
    let config = SyncConfig { concurrency: 8, ..fast_sync() };
    let (a, b) = (w.engine(config.clone()).worker(), w.engine(config).worker());
    assert_ne!(a.owner(), b.owner());
    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra + rb, 120, "every row handled once between them ({ra} + {rb})");
    assert!(ra > 0 && rb > 0, "both workers took a share ({ra} + {rb})");
    assert_eq!(
        w.app
            .count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND attempts <> 1 AND id > $1", 0)
            .await,
        0,
        "no row claimed twice"
    );
    assert_each_note_once(&w, &pushed, 4).await;
}

async fn the_ops_console_shows_dead_letters_and_replays_them_for_admins_only(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    let pushed = queue_acknowledgements(&w, 1, 1).await;
    // Odoo refuses the key: a permanent failure, parked at once.
    let base = connection::connection(&w.app.db, w.connection_id).await.unwrap().unwrap();
    let bot = supplyline::odoo::OdooClient::connect(
        supplyline::odoo::client::http_client(Duration::from_secs(5)),
        &base.endpoint(),
        "x",
        Secret::new(w.sim.admin_key()),
        false,
    )
    .await
    .unwrap();
    let uid = bot.search_read("res.users", json!([["login", "=", "nordfast-bot"]]), &["id"], None, None).await.unwrap()
        [0]["id"]
        .as_i64()
        .unwrap();
    w.sim.revoke_api_keys(uid);
    w.app.sync.worker().drain().await.unwrap();
    let admin = w.app.signed_in(ADMIN).await;
    let overview: serde_json::Value =
        w.app.rpc(&admin, "/rpc/sync_overview", String::new()).await.json().await.unwrap();
    assert_eq!(overview["dead"], 1, "{overview}");
    let letter = &overview["dead_letters"][0];
    assert_eq!(letter["error_kind"], "access_denied", "{overview}");
    assert_eq!(letter["supplier"], "Nordhavn Fasteners A/S");
    for who in [BUYER, NORDHAVN_USER] {
        let client = w.app.signed_in(who).await;
        assert_eq!(w.app.rpc(&client, "/rpc/sync_overview", String::new()).await.status(), 403, "{who}");
        assert_eq!(w.app.rpc(&client, "/rpc/replay_dead_letters", String::new()).await.status(), 403, "{who}");
    }
    let page = admin.get(w.app.url("/ops")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Dead letters") && html.contains("access_denied"), "the console shows Odoo's refusal");
    // The admin gives the bot a new key, then replays.
    let key = w.sim.create_api_key(uid, None);
    connection::bind(
        &w.app.db,
        &w.app.keys,
        w.connection_id,
        Some(w.nordfast),
        Some(w.vendor),
        "nordfast-bot",
        &Secret::new(key),
        None,
    )
    .await
    .unwrap();
    let id = letter["id"].as_i64().unwrap();
    assert_eq!(w.app.rpc(&admin, "/rpc/replay_dead_letters", "id=999999".into()).await.status(), 404);
    let replayed = w.app.rpc(&admin, "/rpc/replay_dead_letters", format!("id={id}")).await;
    assert_eq!(replayed.json::<i64>().await.unwrap(), 1);
    w.app.sync.worker().drain().await.unwrap();
    assert_each_note_once(&w, &pushed, 1).await;
    assert_eq!(
        w.app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sync.replayed' AND entity_id = $1", id).await,
        1
    );
}

async fn an_asn_fills_the_receipt_with_its_lots_exactly_once(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V19).await else { return };
    // Line 1: untracked bolts; line 2: lot-tracked nuts (see `World::odoo_po`).
    let (odoo_po, _po, lines, engine) = w.pulled_po(&[10.0, 4.0]).await;
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let user: Id = w
        .app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id FROM app_user WHERE email = $1").bind(NORDHAVN_USER))
        .await
        .unwrap();
    let eta = Utc::now() + Days::days(3);
    let mut tx = w.app.db.begin().await.unwrap();
    let asn: Id = tx
        .fetch_one(
            Sql::new("INSERT INTO asn (supplier_id, number, status, carrier, tracking_ref, ship_date, eta, created_by) VALUES ($1, 'ASN-1', 'submitted', 'DHL', '1Z999AA10123456784', NULL, $2, $3) RETURNING id")
                .bind(w.nordfast)
                .bind(eta)
                .bind(user.id),
        )
        .await
        .unwrap();
    for (line, quantity) in [(&lines[0], 10.0), (&lines[1], 4.0)] {
        let row: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO asn_line (asn_id, purchase_order_line_id, quantity) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(asn.id)
                .bind(line.id)
                .bind(quantity),
            )
            .await
            .unwrap();
        if line.id == lines[1].id {
            for (lot, q) in [("LOT-A", 3.0), ("LOT-B", 1.0)] {
                tx.execute(
                    Sql::new("INSERT INTO asn_lot (asn_line_id, lot_name, quantity) VALUES ($1, $2, $3)")
                        .bind(row.id)
                        .bind(lot)
                        .bind(q),
                )
                .await
                .unwrap();
            }
        }
    }
    emit_for_odoo(&mut tx, "asn.submitted", ("asn", asn.id), w.nordfast).await;
    tx.commit().await.unwrap();
    // The second lot's line is created in Odoo, but the answer is lost: the retry must not create it again.
    w.sim.faults().fail_next_matching(FaultKind::LostResponse, 1, Some("stock.move.line"), Some("create"));
    drain_all(&engine).await;
    assert_eq!(
        w.app.count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'done' AND attempts = 2 AND id > $1", 0).await,
        1,
        "retried once"
    );
    let odoo_lines = w.sim.search_ids("purchase.order.line", json!([["order_id", "=", odoo_po]]));
    let moves = w.sim.search_ids("stock.move", json!([["purchase_line_id", "=", odoo_lines[1]]]));
    let move_lines = w.sim.search_ids("stock.move.line", json!([["move_id", "=", moves[0]]]));
    let mut lots: Vec<(String, f64)> = move_lines
        .iter()
        .map(|id| {
            let ml = w.sim.read_record("stock.move.line", *id).unwrap();
            (ml["lot_name"].as_str().unwrap_or("").to_string(), ml["quantity"].as_f64().unwrap())
        })
        .collect();
    lots.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(lots, vec![("LOT-A".to_string(), 3.0), ("LOT-B".to_string(), 1.0)]);
    let picking = w.sim.read_record("stock.move", moves[0]).unwrap()["picking_id"][0].as_i64().unwrap();
    assert_eq!(
        w.sim.read_record("stock.picking", picking).unwrap()["scheduled_date"],
        json!(eta.format("%Y-%m-%d %H:%M:%S").to_string())
    );
    assert_eq!(
        w.notes_with(odoo_po, "1Z999AA10123456784"),
        1,
        "without stock_delivery the tracking number is in the chatter, once"
    );

    // The supplier amends: LOT-B becomes LOT-C and the bolts no longer ship.
    let mut tx = w.app.db.begin().await.unwrap();
    tx.execute(Sql::new("UPDATE asn_lot SET lot_name = 'LOT-C' WHERE lot_name = 'LOT-B'")).await.unwrap();
    tx.execute(
        Sql::new("DELETE FROM asn_line WHERE asn_id = $1 AND purchase_order_line_id = $2")
            .bind(asn.id)
            .bind(lines[0].id),
    )
    .await
    .unwrap();
    let previous = json!([
        {"line_id": lines[0].id, "lot_name": null},
        {"line_id": lines[1].id, "lot_name": "LOT-A"},
        {"line_id": lines[1].id, "lot_name": "LOT-B"},
    ]);
    let amended = supplyline::domain::event::NewEvent {
        event_type: "asn.amended",
        aggregate: ("asn", asn.id),
        supplier_id: Some(w.nordfast),
        payload: json!({ "asn_id": asn.id, "previous": previous }),
        destinations: &["odoo"],
    };
    supplyline::domain::event::emit(&mut tx, amended).await.unwrap();
    tx.commit().await.unwrap();
    drain_all(&engine).await;
    let mut lots: Vec<(String, f64)> = w
        .sim
        .search_ids("stock.move.line", json!([["move_id", "=", moves[0]]]))
        .iter()
        .map(|id| {
            let ml = w.sim.read_record("stock.move.line", *id).unwrap();
            (ml["lot_name"].as_str().unwrap_or("").to_string(), ml["quantity"].as_f64().unwrap())
        })
        .filter(|(name, _)| !name.is_empty())
        .collect();
    lots.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(lots, vec![("LOT-A".to_string(), 3.0), ("LOT-C".to_string(), 1.0)], "LOT-B left, LOT-C came");
    let bolts = w.sim.search_ids("stock.move", json!([["purchase_line_id", "=", odoo_lines[0]]]));
    for ml in w.sim.search_ids("stock.move.line", json!([["move_id", "=", bolts[0]]])) {
        assert_eq!(
            w.sim.read_record("stock.move.line", ml).unwrap()["quantity"],
            json!(0.0),
            "bolts no longer announced"
        );
    }
    assert_eq!(w.notes_with(odoo_po, "amended shipment ASN-1"), 1);

    // The supplier cancels: the receipt drops its lots and the announced quantity, the chatter says so.
    let mut tx = w.app.db.begin().await.unwrap();
    tx.execute(Sql::new("UPDATE asn SET status = 'cancelled' WHERE id = $1").bind(asn.id)).await.unwrap();
    emit_for_odoo(&mut tx, "asn.cancelled", ("asn", asn.id), w.nordfast).await;
    tx.commit().await.unwrap();
    drain_all(&engine).await;
    let lot_lines = w.sim.search_ids(
        "stock.move.line",
        json!([["move_id", "=", moves[0]], ["lot_name", "in", ["LOT-A", "LOT-B", "LOT-C"]]]),
    );
    assert!(lot_lines.is_empty(), "the ASN's lots left the receipt: {lot_lines:?}");
    for ml in w.sim.search_ids("stock.move.line", json!([["move_id", "=", bolts[0]]])) {
        assert_eq!(w.sim.read_record("stock.move.line", ml).unwrap()["quantity"], json!(0.0));
    }
    assert_eq!(w.notes_with(odoo_po, "cancelled shipment ASN-1"), 1);
}

on_both_backends!(
    an_asn_fills_the_receipt_with_its_lots_exactly_once,
    the_ops_console_shows_dead_letters_and_replays_them_for_admins_only,
    an_accepted_change_and_an_approved_lead_time_reach_odoo,
    reconciliation_repairs_drift_and_names_each_record,
    metrics_report_the_queue_and_the_pushes,
);

#[tokio::test]
async fn odoo_check_warns_when_a_key_sees_other_vendors() {
    let sim = Simulator::new(SimConfig { version: OdooVersion::V19, database: "db".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.unwrap();
    let vendor = sim.create_vendor("ACME", None);
    let other = sim.create_vendor("Other", None);
    sim.create_purchase_order(vendor, &[], false);
    sim.create_purchase_order(other, &[], false);
    let (_, bot_key) = sim.create_bot_user(vendor, "acme-bot");
    let endpoint = supplyline::odoo::Endpoint { base_url: format!("http://{addr}"), database: "db".into() };
    let http = supplyline::odoo::client::http_client(Duration::from_secs(5));
    let bot = supplyline::odoo::OdooClient::connect(http.clone(), &endpoint, "acme-bot", Secret::new(bot_key), false)
        .await
        .unwrap();
    let report = supplyline::sync::check::probe_supplier_key(&bot, Some(vendor)).await;
    assert!(report.iter().all(|l| !l.starts_with("WARN")), "{report:?}");
    assert!(report.iter().any(|l| l == "read purchase.order: ok"), "{report:?}");
    assert!(report.iter().any(|l| l.starts_with("write purchase.order (own, unchanged value): ok")), "{report:?}");
    assert!(
        report.iter().any(|l| l == "carrier tracking field: no (tracking numbers go to the chatter)"),
        "{report:?}"
    );
    // An admin key bound as a supplier's key sees everyone's POs: the check says so.
    let admin = supplyline::odoo::OdooClient::connect(http, &endpoint, "admin", Secret::new(sim.admin_key()), false)
        .await
        .unwrap();
    let report = supplyline::sync::check::probe_supplier_key(&admin, Some(vendor)).await;
    assert!(report.iter().any(|l| l.starts_with("WARN other vendors' POs visible: 1")), "{report:?}");
}

on_both_backends!(
    a_po_created_in_odoo_arrives_by_the_pull_with_its_lines,
    odoo_revising_an_acknowledged_line_asks_the_supplier_to_confirm_it_again,
    odoos_webhook_brings_a_new_po_without_waiting_for_the_pull,
    a_suppliers_acknowledgement_reaches_odoo_once,
    odoo_down_during_500_pushes_then_each_applied_exactly_once,
    serialization_failures_and_lost_responses_apply_nothing_twice,
    a_worker_killed_mid_push_loses_nothing_and_doubles_nothing,
    a_suppliers_key_cannot_touch_another_vendors_po,
);

/// `supplyline odoo provision` against a fresh Odoo (no demo users, no groups of ours): the supplier's
/// bot, group, access rights, record rules and the automation rule are made over RPC as the admin; with
/// the key the administrator then makes, the supplier pulls only its own POs and acknowledges; the
/// second run changes nothing; what someone breaks in Odoo is reported by a dry run and repaired.
async fn provisioning_a_fresh_odoo_reaches_a_working_supplier(backend: Backend) {
    use supplyline::sync::provision::{self, Change, SupplierTarget, Target, WebhookTarget};
    for version in [OdooVersion::V17, OdooVersion::V19] {
        let Some(app) = TestApp::spawn(backend).await else { return };
        let sim = Simulator::new(SimConfig { version, database: "brightwell".into(), stock_delivery: false });
        let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
        let vendor = sim.create_vendor("Nordhavn Fasteners", Some("orders@nordhavn.example"));
        let other_vendor = sim.create_vendor("Kessler Guss", None);
        let product = sim.create_product("FAST-M8", "Hex bolt M8x40", "none", "Units");
        let (connection_id, _) =
            connection::create_connection(&app.db, "main", &format!("http://{addr}"), "brightwell").await.unwrap();
        let nordfast = supplier_id(&app, "NORDFAST").await;
        app.db
            .exec()
            .execute(
                Sql::new("UPDATE supplier SET odoo_connection_id = $1, odoo_partner_id = $2 WHERE id = $3")
                    .bind(connection_id)
                    .bind(vendor)
                    .bind(nordfast),
            )
            .await
            .unwrap();
        let admin = odoo_client(&app, connection_id, "admin", sim.admin_key()).await;
        let target = |hash: String| Target {
            suppliers: vec![SupplierTarget {
                code: "NORDFAST".into(),
                name: "Nordhavn Fasteners".into(),
                partner_id: vendor,
            }],
            webhook: WebhookTarget {
                public_url: app.url(""),
                secret_hash: hash,
                fresh_secret: supplyline::secret::random_token(),
            },
            email_domain: "portal.example".into(),
        };
        let hash = || async { connection::webhook_secret_hash_of(&app.db, connection_id).await.unwrap() };

        let dry = provision::provision(&admin, &target(hash().await), false).await.unwrap();
        assert!(dry.changes() > 10, "{version:?}: a fresh Odoo lacks everything: {:?}", dry.findings);
        assert!(
            sim.search_ids("res.users", json!([["login", "=", "supplyline-bot-nordfast"]])).is_empty(),
            "dry run writes nothing"
        );

        let made = provision::provision(&admin, &target(hash().await), true).await.unwrap();
        let secret = made.new_webhook_secret.clone().expect("the automation rule got our URL");
        connection::set_webhook_secret(&app.db, connection_id, &secret).await.unwrap();
        let again = provision::provision(&admin, &target(hash().await), false).await.unwrap();
        assert_eq!(again.changes(), 0, "{version:?}: nothing left to do: {:?}", again.findings);
        let actions = sim.search_ids("ir.actions.server", json!([["state", "=", "webhook"]]));
        let url = sim.read_record("ir.actions.server", actions[0]).unwrap()["webhook_url"].clone();
        assert_eq!(url, json!(app.url(&format!("/hooks/odoo/{secret}"))));

        // The administrator's one manual step: an API key for the bot (no RPC makes one for another user).
        let bot = made.users.iter().find(|u| u.supplier.as_deref() == Some("NORDFAST")).unwrap();
        let key = sim.create_api_key(bot.uid.unwrap(), None);
        connection::bind(
            &app.db,
            &app.keys,
            connection_id,
            Some(nordfast),
            Some(vendor),
            &bot.login,
            &Secret::new(key),
            None,
        )
        .await
        .unwrap();
        let line =
            |qty| NewPoLine { product_id: product, qty, price_unit: 1.0, date_planned: Utc::now() + Days::days(9) };
        let own = sim.create_purchase_order(vendor, &[line(10.0)], true);
        sim.create_purchase_order(other_vendor, &[line(3.0)], true);
        let engine = SyncEngine::new(app.db.clone(), app.keys.clone(), fast_sync());
        assert_eq!(engine.pull_all().await.created, 1, "{version:?}: the bot sees its own vendor's PO only");
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        let po: Id = app
            .db
            .exec()
            .fetch_one(
                Sql::new("SELECT id FROM purchase_order WHERE odoo_connection_id = $1 AND odoo_id = $2")
                    .bind(connection_id)
                    .bind(own),
            )
            .await
            .unwrap();
        let client = app.signed_in(NORDHAVN_USER).await;
        let body = format!(
            "input[po_id]={}&input[revision]=1&input[decision]=accept_all&input[supplier_reference]=SO-1",
            po.id
        );
        assert_eq!(app.rpc(&client, "/rpc/acknowledge", body).await.status(), 200);
        assert_eq!(engine.worker().drain().await.unwrap(), 1);
        let flag = if version == OdooVersion::V19 { "acknowledged" } else { "mail_reception_confirmed" };
        let record = sim.read_record("purchase.order", own).unwrap();
        assert_eq!((record[flag].clone(), record["partner_ref"].clone()), (json!(true), json!("SO-1")), "{version:?}");
        let notes = sim.search_ids(
            "mail.message",
            json!([["model", "=", "purchase.order"], ["res_id", "=", own], ["body", "ilike", "Supplyline evt_"]]),
        );
        assert_eq!(notes.len(), 1, "{version:?}: one note, posted by the bot");
        let body = sim.read_record("mail.message", notes[0]).unwrap()["body"].clone();
        assert!(body.as_str().unwrap().starts_with("<p>Supplier accepted"), "{version:?}: HTML, not escaped: {body}");

        // Someone breaks Odoo's side: the bot's e-mail, a record rule, the webhook's address.
        let partner =
            sim.read_raw("res.users", bot.uid.unwrap(), &["partner_id"]).unwrap()["partner_id"].as_i64().unwrap();
        sim.write_record("res.partner", &[partner], json!({"email": false})).unwrap();
        let rule = sim.search_ids("ir.rule", json!([["name", "=", "Supplyline bot: own vendor's purchase.order"]]))[0];
        sim.write_record("ir.rule", &[rule], json!({"domain_force": "[(1, '=', 1)]"})).unwrap();
        sim.write_record("ir.actions.server", &actions, json!({"webhook_url": "https://elsewhere.example/hook"}))
            .unwrap();
        let broken = provision::provision(&admin, &target(hash().await), false).await.unwrap();
        let differs: Vec<&str> =
            broken.findings.iter().filter(|f| f.change != Change::Unchanged).map(|f| f.subject.as_str()).collect();
        assert_eq!(
            differs,
            [
                "record rule: purchase.order of the bot's own vendor only",
                "user supplyline-bot-nordfast",
                "automation rule: webhook on purchase order changes"
            ],
            "{version:?}"
        );
        let bot_client = odoo_client(&app, connection_id, &bot.login, sim.create_api_key(bot.uid.unwrap(), None)).await;
        let probe = supplyline::sync::check::probe_supplier_key(&bot_client, Some(vendor)).await;
        assert_eq!(
            probe.iter().any(|l| l.starts_with("WARN bot e-mail: none")),
            version != OdooVersion::V19,
            "{version:?}: {probe:?}"
        );
        let repaired = provision::provision(&admin, &target(hash().await), true).await.unwrap();
        assert_eq!(repaired.changes(), 3);
        if let Some(secret) = &repaired.new_webhook_secret {
            connection::set_webhook_secret(&app.db, connection_id, secret).await.unwrap();
        }
        assert_eq!(provision::provision(&admin, &target(hash().await), false).await.unwrap().changes(), 0);
    }
}

/// On Odoo 17 a note from a bot whose partner has no e-mail is refused; the acknowledgement it annotates
/// is applied all the same and the push ends done with a warning the ops page lists, not a dead letter.
async fn a_refused_chatter_note_is_a_warning_not_a_dead_letter(backend: Backend) {
    let Some(w) = world(backend, OdooVersion::V17).await else { return };
    let bot = w.sim.search_ids("res.users", json!([["login", "=", "nordfast-bot"]]))[0];
    let partner = w.sim.read_raw("res.users", bot, &["partner_id"]).unwrap()["partner_id"].as_i64().unwrap();
    w.sim.write_record("res.partner", &[partner], json!({"email": false})).unwrap();
    let (odoo_po, po, _, engine) = w.pulled_po(&[5.0]).await;
    let client = w.app.signed_in(NORDHAVN_USER).await;
    let body = format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all&input[supplier_reference]=SO-9");
    assert_eq!(w.app.rpc(&client, "/rpc/acknowledge", body).await.status(), 200);
    assert_eq!(engine.worker().drain().await.unwrap(), 1);
    assert_eq!(w.po_field(odoo_po, "mail_reception_confirmed"), json!(true));
    assert_eq!(w.po_field(odoo_po, "partner_ref"), json!("SO-9"));
    assert_eq!(w.notes_with(odoo_po, "Supplyline evt_"), 0);
    let warned = "SELECT COUNT(*) AS n FROM outbox WHERE destination = 'odoo' AND status = 'done' AND last_error_kind = 'warning'
                  AND last_error LIKE '%configure the sender%' AND event_id IN (SELECT id FROM event WHERE aggregate_id = $1)";
    assert_eq!(w.app.count(warned, po).await, 1);
    let ops = w.app.signed_in(ADMIN).await;
    let page = ops.get(w.app.url("/ops")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Applied with a warning") && page.contains("configure the sender"), "the ops page lists it");
    // Once the bot has an address, replaying the row adds the note, and only the note.
    w.sim.write_record("res.partner", &[partner], json!({"email": "bot@nordhavn.example"})).unwrap();
    let row = w.app.count("SELECT MAX(id) AS n FROM outbox WHERE destination = 'odoo' AND event_id IN (SELECT id FROM event WHERE aggregate_id = $1)", po).await;
    assert_eq!(supplyline::sync::outbox::replay(&w.app.db, Some(&[row])).await.unwrap(), 1);
    assert_eq!(engine.worker().drain().await.unwrap(), 1);
    assert_eq!(w.notes_with(odoo_po, "Supplyline evt_"), 1);
}

on_both_backends!(
    provisioning_a_fresh_odoo_reaches_a_working_supplier,
    a_refused_chatter_note_is_a_warning_not_a_dead_letter
);
