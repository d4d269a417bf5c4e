//! Quality holds from Odoo (Community QC location and OCA `qc.inspection`) against the simulator, on SQLite and PostgreSQL: a lot moved
//! to WH/Quality Control becomes a hold of the supplier whose receipt carried it (found under that
//! supplier's own key), once; validating the QC transfer closes it. OCA inspections are read when the
//! planning user may read them, and skipped (with the QC-location holds still pulled) when not.

mod common;

use chrono::{Duration as Days, Utc};
use common::*;
use odoo_sim::{NewPoLine, OdooVersion, SimConfig, Simulator};
use serde_json::json;
use supplyline::db::{Executor, Sql};
use supplyline::secret::Secret;
use supplyline::sync::config::SyncConfig;
use supplyline::sync::connection;
use supplyline::sync::SyncEngine;

const ODOO_ADMIN: i64 = 2;

struct World {
    app: TestApp,
    sim: Simulator,
    connection_id: i64,
    nordfast: i64,
    vendor: i64,
    other_vendor: i64,
    unbound_vendor: i64,
    product: i64,
}

async fn supplier_id(app: &TestApp, code: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    app.db.exec().fetch_one::<Id>(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code)).await.unwrap().id
}

/// NORDFAST and KESSLER bound to their own bots, a planning user bound to the connection, and a
/// third vendor nobody in the portal supplies for.
async fn world(backend: Backend, version: OdooVersion) -> Option<World> {
    let app = TestApp::spawn(backend).await?;
    let sim = Simulator::new(SimConfig { version, database: "brightwell".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let vendor = sim.create_vendor("Nordhavn Fasteners", None);
    let other_vendor = sim.create_vendor("Kessler Guss", None);
    let unbound_vendor = sim.create_vendor("Somebody Else", None);
    let (_, nordfast_key) = sim.create_bot_user(vendor, "nordfast-bot");
    let (_, kessler_key) = sim.create_bot_user(other_vendor, "kessler-bot");
    let (_, planning_key) = sim.create_planning_user("planning");
    let product = sim.create_product("FAST-LOT", "Locking nut M8 (lot)", "lot", "Units");
    let (connection_id, _) =
        connection::create_connection(&app.db, "sim", &format!("http://{addr}"), "brightwell").await.unwrap();
    let nordfast = supplier_id(&app, "NORDFAST").await;
    let kessler = supplier_id(&app, "KESSLER").await;
    for (supplier, partner, login, key) in
        [(nordfast, vendor, "nordfast-bot", nordfast_key), (kessler, other_vendor, "kessler-bot", kessler_key)]
    {
        connection::bind(
            &app.db,
            &app.keys,
            connection_id,
            Some(supplier),
            Some(partner),
            login,
            &Secret::new(key),
            None,
        )
        .await
        .expect("binds the supplier");
    }
    connection::bind(&app.db, &app.keys, connection_id, None, None, "planning", &Secret::new(planning_key), None)
        .await
        .expect("binds the planning user");
    Some(World { app, sim, connection_id, nordfast, vendor, other_vendor, unbound_vendor, product })
}

impl World {
    fn engine(&self) -> std::sync::Arc<SyncEngine> {
        SyncEngine::new(
            self.app.db.clone(),
            self.app.keys.clone(),
            SyncConfig { enabled: false, hint_delay_ms: 0, ..SyncConfig::default() },
        )
    }

    /// A confirmed PO of `vendor` for 10 of the lot-tracked product, received into stock as `lot`:
    /// answers the lot's id in Odoo.
    fn received_lot(&self, vendor: i64, lot: &str) -> i64 {
        let line = NewPoLine {
            product_id: self.product,
            qty: 10.0,
            price_unit: 1.5,
            date_planned: Utc::now() + Days::days(7),
        };
        let po = self.sim.create_purchase_order(vendor, &[line], true);
        let picking = self.sim.read_record("purchase.order", po).unwrap()["picking_ids"][0].as_i64().unwrap();
        let ml = self.sim.search_ids("stock.move.line", json!([["picking_id", "=", picking]]))[0];
        self.sim.write_record("stock.move.line", &[ml], json!({"lot_name": lot})).unwrap();
        self.sim.call_method(ODOO_ADMIN, "stock.picking", "button_validate", Some(vec![picking]), json!({})).unwrap();
        self.sim.search_ids("stock.lot", json!([["name", "=", lot]]))[0]
    }

    async fn holds(&self) -> Vec<HoldRow> {
        self.app
            .db
            .exec()
            .fetch_all(Sql::new(
                "SELECT id, supplier_id, lot_name, quantity, status, source, odoo_model, odoo_id, odoo_reference, purchase_order_id
                   FROM quality_hold WHERE source = 'odoo' ORDER BY id",
            ))
            .await
            .unwrap()
    }

    async fn event_count(&self, event_type: &str) -> i64 {
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        self.app
            .db
            .exec()
            .fetch_one::<N>(Sql::new("SELECT COUNT(*) AS n FROM event WHERE event_type = $1").bind(event_type))
            .await
            .unwrap()
            .n
    }
}

#[derive(Debug, sqlx::FromRow)]
struct HoldRow {
    id: i64,
    supplier_id: i64,
    lot_name: Option<String>,
    quantity: Option<f64>,
    status: String,
    source: String,
    odoo_model: Option<String>,
    odoo_id: Option<i64>,
    odoo_reference: Option<String>,
    purchase_order_id: Option<i64>,
}

async fn a_lot_in_quality_control_becomes_the_suppliers_hold_until_released(backend: Backend, version: OdooVersion) {
    let Some(w) = world(backend, version).await else { return };
    let lot = w.received_lot(w.vendor, "NH-Q-1");
    let foreign_lot = w.received_lot(w.unbound_vendor, "ELSE-1");
    let engine = w.engine();
    engine.pull_all().await; // the POs, so the hold can name its PO
    let qc = w.sim.quality_hold(lot);
    w.sim.quality_hold(foreign_lot);

    let report = engine.pull_quality().await;
    assert_eq!((report.seen, report.raised, report.unowned), (1, 1, 1), "{report:?}");
    assert!(!report.inspections_read, "the planning user is not in OCA's Quality Control group");
    let holds = w.holds().await;
    assert_eq!(holds.len(), 1, "the lot of a vendor nobody supplies for is not imported");
    let h = &holds[0];
    assert_eq!((h.supplier_id, h.lot_name.as_deref(), h.quantity), (w.nordfast, Some("NH-Q-1"), Some(10.0)));
    assert_eq!((h.status.as_str(), h.source.as_str(), h.odoo_model.as_deref()), ("open", "odoo", Some("stock.move")));
    assert!(h.odoo_reference.as_deref().is_some_and(|r| r.contains("QC")), "{h:?}");
    assert!(h.purchase_order_id.is_some(), "the PO the lot came on");
    assert_eq!(w.event_count("quality_hold.raised").await, 1);

    // The supplier sees it in the portal; the other supplier does not.
    let nordhavn = w.app.signed_in(NORDHAVN_USER).await;
    let view = w.app.rpc(&nordhavn, "/rpc/quality_hold", format!("id={}", h.id)).await;
    assert_eq!(view.status(), 200);
    let kessler = w.app.signed_in(KESSLER_USER).await;
    assert_eq!(w.app.rpc(&kessler, "/rpc/quality_hold", format!("id={}", h.id)).await.status(), 404);

    // Pulling again changes nothing.
    let again = engine.pull_quality().await;
    assert_eq!((again.seen, again.raised, again.released), (1, 0, 0));
    assert_eq!(w.holds().await.len(), 1);
    assert_eq!(w.event_count("quality_hold.raised").await, 1);

    // Odoo releases the lot (the QC transfer is validated): the hold closes in the portal, once.
    w.sim.call_method(ODOO_ADMIN, "stock.picking", "button_validate", Some(vec![qc]), json!({})).unwrap();
    let released = engine.pull_quality().await;
    assert_eq!(released.released, 1, "{released:?}");
    let h = &w.holds().await[0];
    assert_eq!(h.status, "closed");
    assert_eq!(
        w.app
            .count(
                "SELECT COUNT(*) AS n FROM quality_hold_history WHERE quality_hold_id = $1 AND action = 'released'",
                h.id
            )
            .await,
        1
    );
    assert_eq!(engine.pull_quality().await.released, 0);
    assert_eq!(w.event_count("quality_hold.closed").await, 1);
}

async fn oca_inspections_are_read_when_the_planning_user_may(backend: Backend, version: OdooVersion) {
    let Some(w) = world(backend, version).await else { return };
    let lot = w.received_lot(w.other_vendor, "KG-Q-7");
    let receipt = w.sim.search_ids("stock.picking", json!([["partner_id", "=", w.other_vendor]]))[0];
    let inspection = w.sim.create_qc_inspection(lot, Some(receipt), "failed");
    let engine = w.engine();
    // Under the simulator's planning role (no Quality Control group): Odoo refuses, nothing breaks.
    let report = engine.pull_quality().await;
    assert!(!report.inspections_read);
    assert!(w.holds().await.is_empty());
    // A planning user the Odoo admin put in OCA's Quality Control group: the simulator's admin stands in.
    connection::bind(
        &w.app.db,
        &w.app.keys,
        w.connection_id,
        None,
        None,
        "admin",
        &Secret::new(w.sim.admin_key()),
        None,
    )
    .await
    .unwrap();
    let engine = w.engine();
    let report = engine.pull_quality().await;
    assert!(report.inspections_read);
    assert_eq!(report.raised, 1, "{report:?}");
    let h = &w.holds().await[0];
    assert_eq!(
        h.supplier_id,
        supplier_id(&w.app, "KESSLER").await,
        "the lot's owner, decided under each bot's own key"
    );
    assert_eq!(
        (h.odoo_model.as_deref(), h.odoo_id, h.lot_name.as_deref()),
        (Some("qc.inspection"), Some(inspection), Some("KG-Q-7"))
    );
    // The inspection passes: the hold closes.
    w.sim.write_record("qc.inspection", &[inspection], json!({"state": "success"})).unwrap();
    assert_eq!(engine.pull_quality().await.released, 1);
    assert_eq!(w.holds().await[0].status, "closed");
}

mod odoo {
    use super::*;

    macro_rules! both {
        ($name:ident, $version:expr) => {
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn qc_location_sqlite() {
                    a_lot_in_quality_control_becomes_the_suppliers_hold_until_released(Backend::Sqlite, $version).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn qc_location_postgres() {
                    a_lot_in_quality_control_becomes_the_suppliers_hold_until_released(Backend::Postgres, $version)
                        .await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn inspections_sqlite() {
                    oca_inspections_are_read_when_the_planning_user_may(Backend::Sqlite, $version).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn inspections_postgres() {
                    oca_inspections_are_read_when_the_planning_user_may(Backend::Postgres, $version).await
                }
            }
        };
    }
    both!(v17, OdooVersion::V17);
    both!(v19, OdooVersion::V19);
}
