//! The buyer's exception queue and supplier scorecards over HTTP, on SQLite and PostgreSQL, and the
//! pull of manufacturing-order demand from the Odoo simulator under the planning key.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use odoo_sim::{NewPoLine, OdooVersion, SimConfig, Simulator};
use serde_json::{json, Value};
use supplyline::db::{Executor, Sql};
use supplyline::secret::Secret;
use supplyline::sync::connection;
use supplyline::sync::SyncEngine;

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

async fn id(app: &TestApp, sql: Sql) -> i64 {
    app.db.exec().fetch_one::<Id>(sql).await.unwrap().id
}

async fn exec(app: &TestApp, sql: Sql) {
    app.db.exec().execute(sql).await.unwrap();
}

async fn supplier(app: &TestApp, code: &str) -> i64 {
    id(app, Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code)).await
}

/// The first line of `po`, open (nothing received), wanted at `requested`; returns (line, product).
async fn open_first_line(app: &TestApp, po: i64, requested: DateTime<Utc>) -> (i64, i64) {
    exec(app, Sql::new("UPDATE purchase_order_line SET qty_received = 0 WHERE purchase_order_id = $1").bind(po)).await;
    let line =
        id(app, Sql::new("SELECT id FROM purchase_order_line WHERE purchase_order_id = $1 AND line_no = 1").bind(po))
            .await;
    exec(
        app,
        Sql::new("UPDATE purchase_order_line SET requested_date = $1, required_date = NULL WHERE id = $2")
            .bind(requested)
            .bind(line),
    )
    .await;
    let product = id(app, Sql::new("SELECT product_id AS id FROM purchase_order_line WHERE id = $1").bind(line)).await;
    (line, product)
}

/// An MO (stored as the MO pull stores it) needing `qty` of `product`, starting at `start`.
async fn mo(app: &TestApp, odoo_id: i64, name: &str, product: i64, start: DateTime<Utc>, qty: f64) {
    let connection = id(app, Sql::new("SELECT MIN(id) AS id FROM odoo_connection")).await;
    let mo = id(
        app,
        Sql::new(
            "INSERT INTO manufacturing_order (odoo_connection_id, odoo_id, name, product_name, product_qty, state, date_start, synced_at)
             VALUES ($1, $2, $3, 'Gearbox GB-220', 10, 'confirmed', $4, $5) RETURNING id",
        )
        .bind(connection)
        .bind(odoo_id)
        .bind(name)
        .bind(start)
        .bind(Utc::now()),
    )
    .await;
    exec(
        app,
        Sql::new(
            "INSERT INTO mo_component (manufacturing_order_id, odoo_move_id, product_id, date, quantity_needed) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(mo)
        .bind(odoo_id * 10)
        .bind(product)
        .bind(start)
        .bind(qty),
    )
    .await;
}

async fn queue(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let res = app.rpc(client, "/rpc/exception_queue", String::new()).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn item(items: &[Value], line: i64) -> Option<(usize, Value)> {
    items.iter().position(|i| i["line_id"] == line).map(|at| (at, items[at].clone()))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().or(m["supplier_name"].as_str()).unwrap().to_string())
        .collect()
}

async fn a_late_asn_endangers_the_mos_starting_before_it_arrives(backend: Backend) {
    let app = app_or_skip!(backend);
    let now = Utc::now();
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let (line, product) = open_first_line(&app, po, now + Duration::days(10)).await;
    let nordfast = supplier(&app, "NORDFAST").await;
    let lars = id(&app, Sql::new("SELECT id FROM app_user WHERE email = $1").bind(NORDHAVN_USER)).await;
    let quantity = app.po_lines(po).await[0].quantity;
    let asn = id(
        &app,
        Sql::new(
            "INSERT INTO asn (supplier_id, number, status, eta, created_by, created_at, updated_at) VALUES ($1, 'DN-LATE', 'submitted', $2, $3, $4, $4) RETURNING id",
        )
        .bind(nordfast)
        .bind(now + Duration::days(14))
        .bind(lars)
        .bind(now),
    )
    .await;
    exec(
        &app,
        Sql::new("INSERT INTO asn_line (asn_id, purchase_order_line_id, quantity) VALUES ($1, $2, $3)")
            .bind(asn)
            .bind(line)
            .bind(quantity),
    )
    .await;
    mo(&app, 1, "WH/MO/00001", product, now + Duration::days(12), 40.0).await;
    mo(&app, 2, "WH/MO/00002", product, now + Duration::days(20), 40.0).await;
    // Kessler lists the same product with a 3-day lead time: the alternative.
    exec(
        &app,
        Sql::new("INSERT INTO supplier_product (supplier_id, product_id, supplier_code, lead_time_days, price) VALUES ($1, $2, 'KG-ALT', 3, 1.5)")
            .bind(supplier(&app, "KESSLER").await)
            .bind(product),
    )
    .await;

    let buyer = app.signed_in(BUYER).await;
    let items = queue(&app, &buyer).await;
    let (_, late) = item(&items, line).expect("the line shipped late is listed");
    assert_eq!(late["days_late"], 4);
    assert_eq!((late["cause"].as_str(), late["asn_number"].as_str()), (Some("asn"), Some("DN-LATE")));
    assert_eq!(late["required_date"], (now + Duration::days(10)).date_naive().to_string());
    assert_eq!(late["expected_date"], (now + Duration::days(14)).date_naive().to_string());
    assert_eq!(names(&late["endangered_mos"]), ["WH/MO/00001"], "the MO starting after the arrival is not listed");
    assert_eq!(late["endangered_mos"][0]["quantity"], 40.0);
    let alternatives = late["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 1, "{alternatives:?}");
    assert_eq!(alternatives[0]["supplier_name"], "Kessler Präzisionsguss GmbH");
    assert_eq!(alternatives[0]["lead_time_days"], 3);
    assert_eq!(alternatives[0]["earliest_date"], (now + Duration::days(3)).date_naive().to_string());
    assert_eq!(alternatives[0]["sooner"], true);

    // `component.delayed` is emitted once per line and expected date.
    assert_eq!(supplyline::domain::exceptions::announce_delays(&app.db).await.unwrap(), 1);
    assert_eq!(supplyline::domain::exceptions::announce_delays(&app.db).await.unwrap(), 0);
    let delayed = "SELECT COUNT(*) AS n FROM event WHERE event_type = 'component.delayed' AND aggregate_id = $1";
    assert_eq!(app.count(delayed, line).await, 1);

    // Cancelled, the shipment no longer sets the date: the line is on time again.
    exec(&app, Sql::new("UPDATE asn SET status = 'cancelled' WHERE id = $1").bind(asn)).await;
    assert!(item(&queue(&app, &buyer).await, line).is_none());
    // The admin reads the queue too; the page renders for the buyer.
    let admin = app.signed_in(ADMIN).await;
    assert_eq!(app.rpc(&admin, "/rpc/exception_queue", String::new()).await.status(), 200);
    assert_eq!(buyer.get(app.url("/exceptions")).send().await.unwrap().status(), 200);
}

async fn an_accepted_later_date_makes_the_line_late_and_ranks_by_endangered_production(backend: Backend) {
    let app = app_or_skip!(backend);
    let now = Utc::now();
    let po = app.fresh_confirmed_po("KESSLER").await;
    let (line, product) = open_first_line(&app, po, now + Duration::days(10)).await;
    let proposed = (now + Duration::days(30)).date_naive();
    let lines = app.po_lines(po).await;
    let body =
        per_line_body(po, &lines, &format!("&input[lines][{{i}}][action]=date&input[lines][{{i}}][date]={proposed}"));
    let kessler = app.signed_in(KESSLER_USER).await;
    assert_eq!(app.rpc(&kessler, "/rpc/acknowledge", body).await.status(), 200);
    let buyer = app.signed_in(BUYER).await;
    assert!(item(&queue(&app, &buyer).await, line).is_none(), "a proposal not yet accepted changes nothing");
    let proposal =
        id(&app, Sql::new("SELECT id FROM change_proposal WHERE purchase_order_line_id = $1").bind(line)).await;
    let res =
        app.rpc(&buyer, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=accept")).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // A second late line (by its ASN, fewer days late) whose MO starts sooner comes first.
    let other_po = app.fresh_confirmed_po("NORDFAST").await;
    let (other_line, other_product) = open_first_line(&app, other_po, now + Duration::days(5)).await;
    let nordfast = supplier(&app, "NORDFAST").await;
    let lars = id(&app, Sql::new("SELECT id FROM app_user WHERE email = $1").bind(NORDHAVN_USER)).await;
    let asn = id(
        &app,
        Sql::new("INSERT INTO asn (supplier_id, number, status, eta, created_by, created_at, updated_at) VALUES ($1, 'DN-7', 'submitted', $2, $3, $4, $4) RETURNING id")
            .bind(nordfast)
            .bind(now + Duration::days(7))
            .bind(lars)
            .bind(now),
    )
    .await;
    exec(
        &app,
        Sql::new("INSERT INTO asn_line (asn_id, purchase_order_line_id, quantity) VALUES ($1, $2, 1)")
            .bind(asn)
            .bind(other_line),
    )
    .await;
    mo(&app, 3, "WH/MO/00003", product, now + Duration::days(15), 5.0).await;
    mo(&app, 4, "WH/MO/00004", other_product, now + Duration::days(6), 5.0).await;

    let items = queue(&app, &buyer).await;
    let (at, late) = item(&items, line).expect("the line moved by the accepted proposal is listed");
    assert_eq!(late["days_late"], 20);
    assert_eq!(late["cause"], "accepted_date");
    assert_eq!(
        late["required_date"],
        (now + Duration::days(10)).date_naive().to_string(),
        "the date the buyer asked for"
    );
    assert_eq!(late["expected_date"], proposed.to_string());
    assert_eq!(names(&late["endangered_mos"]), ["WH/MO/00003"]);
    let (other_at, other) = item(&items, other_line).expect("the partly shipped line is listed");
    assert_eq!(other["days_late"], 2);
    assert!(other_at < at, "the MO starting first ranks first: {items:?}");
}

async fn suppliers_are_refused(backend: Backend) {
    let app = app_or_skip!(backend);
    for user in [NORDHAVN_USER, KESSLER_USER, "anna@nordhavn.example"] {
        let supplier = app.signed_in(user).await;
        assert_eq!(app.rpc(&supplier, "/rpc/exception_queue", String::new()).await.status(), 403, "{user}");
        assert_eq!(app.rpc(&supplier, "/rpc/supplier_scorecards", String::new()).await.status(), 403, "{user}");
        assert_eq!(app.rpc(&supplier, "/rpc/supplier_scorecards", "days=30".into()).await.status(), 403, "{user}");
        for page in ["/exceptions", "/scorecards", "/scorecards?days=30"] {
            let res = supplier.get(app.url(page)).send().await.unwrap();
            assert_eq!(res.status(), 403, "{user} {page}");
            let html = res.text().await.unwrap();
            assert!(
                !html.contains("Kessler Präzisionsguss") || user != NORDHAVN_USER,
                "nothing of another supplier on {page}"
            );
        }
    }
    let anonymous = app.client();
    assert_eq!(app.rpc(&anonymous, "/rpc/exception_queue", String::new()).await.status(), 401);
}

/// A supplier of its own with a known history: the scorecard's figures are exact.
async fn scorecard_figures_on_a_hand_built_dataset(backend: Backend) {
    let app = app_or_skip!(backend);
    let now = Utc::now();
    let testco = id(
        &app,
        Sql::new("INSERT INTO supplier (code, name, ack_sla_hours) VALUES ('TESTCO', 'Testco', 24) RETURNING id"),
    )
    .await;
    let user = id(&app, Sql::new("SELECT id FROM app_user WHERE email = $1").bind(BUYER)).await;
    let product = id(&app, Sql::new("SELECT MIN(id) AS id FROM product")).await;
    let uom = id(&app, Sql::new("SELECT uom_id AS id FROM product WHERE id = $1").bind(product)).await;
    let po = |number: &'static str, received: DateTime<Utc>| {
        Sql::new(
            "INSERT INTO purchase_order (supplier_id, number, state, ack_state, order_date, received_at) VALUES ($1, $2, 'purchase', 'accepted', $3, $3) RETURNING id",
        )
        .bind(testco)
        .bind(number)
        .bind(received)
    };
    let line = |po: i64, no: i64, received: f64, requested: DateTime<Utc>, receipt: Option<DateTime<Utc>>| {
        Sql::new(
            "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, requested_date, qty_received, last_receipt_at)
             VALUES ($1, $2, $3, 'Part', 10, $4, $5, $6, $7) RETURNING id",
        )
        .bind(po)
        .bind(no)
        .bind(product)
        .bind(uom)
        .bind(requested)
        .bind(received)
        .bind(receipt)
    };
    let ack = |po: i64, decision: &'static str, at: DateTime<Utc>| {
        Sql::new("INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, created_at) VALUES ($1, 1, $2, $3, $4) RETURNING id")
            .bind(po)
            .bind(user)
            .bind(decision)
            .bind(at)
    };
    // PO 1: answered after 4 h, both lines accepted; received in full, one line on time, one two days late.
    let received1 = now - Duration::days(10);
    let po1 = id(&app, po("SC-1", received1)).await;
    let a1 = id(&app, line(po1, 1, 10.0, now - Duration::days(8), Some(now - Duration::days(9)))).await;
    let b1 = id(&app, line(po1, 2, 10.0, now - Duration::days(8), Some(now - Duration::days(6)))).await;
    id(&app, ack(po1, "accept", received1 + Duration::hours(4))).await;
    // PO 2: answered after 30 h (late), line by line: one accepted, one with a proposal.
    let received2 = now - Duration::days(5);
    let po2 = id(&app, po("SC-2", received2)).await;
    let a2 = id(&app, line(po2, 1, 0.0, now + Duration::days(8), None)).await;
    let b2 = id(&app, line(po2, 2, 0.0, now + Duration::days(8), None)).await;
    let ack2 = id(&app, ack(po2, "per_line", received2 + Duration::hours(30))).await;
    for (l, decision) in [(a2, "accept"), (b2, "propose")] {
        exec(
            &app,
            Sql::new("INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision) VALUES ($1, $2, $3)")
                .bind(ack2)
                .bind(l)
                .bind(decision),
        )
        .await;
    }
    // PO 3: never answered, deadline long past. PO 4: arrived two hours ago, still inside its SLA.
    let po3 = id(&app, po("SC-3", now - Duration::days(3))).await;
    id(&app, line(po3, 1, 0.0, now + Duration::days(8), None)).await;
    let po4 = id(&app, po("SC-4", now - Duration::hours(2))).await;
    id(&app, line(po4, 1, 0.0, now + Duration::days(8), None)).await;
    // PO 5: answered after an hour, 200 days ago: only in a year's window.
    let received5 = now - Duration::days(200);
    let po5 = id(&app, po("SC-5", received5)).await;
    id(&app, line(po5, 1, 0.0, now + Duration::days(8), None)).await;
    id(&app, ack(po5, "accept", received5 + Duration::hours(1))).await;
    // Shipments: one received ASN as announced, one announcing 12 where 10 arrived.
    let asn = |number: &'static str, status: &'static str| {
        Sql::new("INSERT INTO asn (supplier_id, number, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
            .bind(testco)
            .bind(number)
            .bind(status)
            .bind(user)
            .bind(now - Duration::days(9))
    };
    for (number, status, l, q) in [("T-1", "received", a1, 10.0), ("T-2", "submitted", b1, 12.0)] {
        let asn = id(&app, asn(number, status)).await;
        exec(
            &app,
            Sql::new("INSERT INTO asn_line (asn_id, purchase_order_line_id, quantity) VALUES ($1, $2, $3)")
                .bind(asn)
                .bind(l)
                .bind(q),
        )
        .await;
    }

    let buyer = app.signed_in(BUYER).await;
    let card = |body: Value| {
        body["suppliers"].as_array().unwrap().iter().find(|c| c["supplier_id"] == testco).unwrap().clone()
    };
    let res = app.rpc(&buyer, "/rpc/supplier_scorecards", String::new()).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["window_days"], 90);
    let c = card(body);
    assert_eq!(c["pos_received"], 4);
    assert_eq!(c["median_ack_hours"], 17.0, "the median of 4 h and 30 h");
    assert_eq!(c["on_time_ack"], json!({"hits": 1, "of": 3}), "PO 4 is still inside its SLA");
    assert_eq!(c["confirmed_as_ordered"], json!({"hits": 3, "of": 4}));
    assert_eq!(c["lead_time_adherence"], json!({"hits": 1, "of": 2}));
    assert_eq!(c["asn_accuracy"], json!({"hits": 1, "of": 2}));

    let year: Value = app.rpc(&buyer, "/rpc/supplier_scorecards", "days=365".into()).await.json().await.unwrap();
    let c = card(year);
    assert_eq!((c["pos_received"].as_i64(), c["median_ack_hours"].as_f64()), (Some(5), Some(4.0)));
    // A supplier with nothing in the window reads n/a (null), not zero.
    let empty =
        id(&app, Sql::new("INSERT INTO supplier (code, name) VALUES ('EMPTY', 'Empty Ltd') RETURNING id")).await;
    let body: Value = app.rpc(&buyer, "/rpc/supplier_scorecards", "days=30".into()).await.json().await.unwrap();
    let e = body["suppliers"].as_array().unwrap().iter().find(|c| c["supplier_id"] == empty).unwrap().clone();
    assert_eq!(
        (e["median_ack_hours"].is_null(), e["on_time_ack"].is_null(), e["asn_accuracy"].is_null()),
        (true, true, true)
    );
    assert_eq!(app.rpc(&buyer, "/rpc/supplier_scorecards", "days=0".into()).await.status(), 422);
    assert_eq!(buyer.get(app.url("/scorecards?days=30")).send().await.unwrap().status(), 200);
}

/// The MO pull against the simulator: the planning key reads the open MOs that consume our products;
/// an MO that is done disappears.
async fn the_mo_pull_reads_open_demand_under_the_planning_key(backend: Backend) {
    let app = app_or_skip!(backend);
    let sim =
        Simulator::new(SimConfig { version: OdooVersion::V19, database: "brightwell".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let vendor = sim.create_vendor("Nordhavn Fasteners", None);
    let (_, bot_key) = sim.create_bot_user(vendor, "nordfast-bot");
    let bolt = sim.create_product("FAST-M8", "Hex bolt M8x40", "none", "Units");
    let paint = sim.create_product("PAINT", "Paint we do not buy", "none", "L");
    let gearbox = sim.create_product("GB-220", "Gearbox GB-220", "none", "Units");
    let (connection_id, _) =
        connection::create_connection(&app.db, "sim", &format!("http://{addr}"), "brightwell").await.unwrap();
    let nordfast = supplier(&app, "NORDFAST").await;
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
    .unwrap();
    let engine = SyncEngine::new(app.db.clone(), app.keys.clone(), Default::default());
    assert_eq!(engine.pull_manufacturing_orders().await.orders, 0, "no planning key: nothing read");
    let (_, planning_key) = sim.create_planning_user("planning");
    connection::bind(&app.db, &app.keys, connection_id, None, None, "planning", &Secret::new(planning_key), None)
        .await
        .unwrap();
    // A PO brings the bolt into the portal: it is one of our products.
    let line =
        NewPoLine { product_id: bolt, qty: 100.0, price_unit: 0.1, date_planned: Utc::now() + Duration::days(10) };
    sim.create_purchase_order(vendor, &[line], true);
    engine.pull_all().await;
    let our_bolt = id(
        &app,
        Sql::new("SELECT id FROM product WHERE odoo_connection_id = $1 AND odoo_id = $2")
            .bind(connection_id)
            .bind(bolt),
    )
    .await;

    let start = Utc::now() + Duration::days(5);
    let open = sim.create_manufacturing_order(gearbox, 10.0, start, &[(bolt, 40.0), (paint, 2.0)]);
    let done = sim.create_manufacturing_order(gearbox, 5.0, start, &[(bolt, 20.0)]);
    sim.write_record("mrp.production", &[done], json!({"state": "done"})).unwrap();
    sim.create_manufacturing_order(gearbox, 5.0, start, &[(paint, 1.0)]);
    let report = engine.pull_manufacturing_orders().await;
    assert_eq!((report.orders, report.components), (1, 1), "{report:?}");
    #[derive(sqlx::FromRow, Debug)]
    struct Stored {
        odoo_id: i64,
        product_name: String,
        date_start: DateTime<Utc>,
        product_id: i64,
        quantity_needed: f64,
    }
    let stored: Vec<Stored> = app
        .db
        .exec()
        .fetch_all(Sql::new(
            "SELECT mo.odoo_id, mo.product_name, mo.date_start, c.product_id, c.quantity_needed
               FROM manufacturing_order mo JOIN mo_component c ON c.manufacturing_order_id = mo.id",
        ))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!((stored[0].odoo_id, stored[0].product_id, stored[0].quantity_needed), (open, our_bolt, 40.0));
    assert_eq!(stored[0].product_name, "[GB-220] Gearbox GB-220", "Odoo's display name of what the MO makes");
    assert_eq!(stored[0].date_start.timestamp(), start.timestamp());
    // Pulled again: the same MO, not a second one.
    assert_eq!(engine.pull_manufacturing_orders().await.orders, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM manufacturing_order WHERE odoo_connection_id = $1", connection_id).await,
        1
    );
    // Done in Odoo: gone from the demand.
    sim.write_record("mrp.production", &[open], json!({"state": "done"})).unwrap();
    assert_eq!(engine.pull_manufacturing_orders().await.removed, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM manufacturing_order WHERE odoo_connection_id = $1", connection_id).await,
        0
    );
}

on_both_backends!(
    a_late_asn_endangers_the_mos_starting_before_it_arrives,
    an_accepted_later_date_makes_the_line_late_and_ranks_by_endangered_production,
    suppliers_are_refused,
    scorecard_figures_on_a_hand_built_dataset,
    the_mo_pull_reads_open_demand_under_the_planning_key,
);
