//! Persistence and domain services against SQLite and PostgreSQL: migrations, the demo dataset,
//! the PO list's filters, sorting, paging and scoping, user creation.

mod common;

use app::model::{PoQuery, Role};
use app::ports::{Actor, OrderPort};
use common::*;
use supplyline::auth::password::NewPassword;
use supplyline::db::{Db, Executor, Sql};
use supplyline::domain::account::{self, AccountError, NewUser};
use supplyline::domain::order::OrderService;

#[derive(sqlx::FromRow)]
struct N {
    n: i64,
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.exec().fetch_one::<N>(Sql::new(sql)).await.unwrap().n
}

async fn open(backend: Backend) -> Option<(TestDb, Db)> {
    let test_db = fresh_db(backend).await?;
    let db = supplyline::startup::open_database(&test_config(&test_db.url)).await.unwrap();
    Some((test_db, db))
}

macro_rules! db_or_skip {
    ($backend:expr) => {
        match open($backend).await {
            Some(pair) => pair,
            None => return,
        }
    };
}

async fn supplier_id(db: &Db, code: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
    }
    db.exec().fetch_one::<Row>(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code)).await.unwrap().id
}

async fn migrations_are_idempotent(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    db.migrate().await.expect("a second run applies nothing and fails nothing");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM purchase_order").await, 0);
}

/// A database that applied migration 0005 before its comment was reworded still starts, and one whose
/// recorded checksum matches no known text is still refused.
async fn a_database_migrated_before_a_comment_was_reworded_still_starts(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    let old = match backend {
        Backend::Sqlite => {
            "199432c94d89ba5ba6bfd9ff38d2f7835507a9552c52c2ac7e7f61ac780e8cc2e89b215fe4529b705581b36c6b17f24a"
        }
        Backend::Postgres => {
            "0a409653f3fc6378409c38f8e7699442734233e83257e764408beada52f3e89712f39ea78c977c6fcd7c2487d5e26829"
        }
    };
    let bytes: Vec<u8> = (0..old.len()).step_by(2).map(|i| u8::from_str_radix(&old[i..i + 2], 16).unwrap()).collect();
    let set =
        |checksum: Vec<u8>| Sql::new("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = 5").bind(checksum);
    db.exec().execute(set(bytes)).await.unwrap();
    db.migrate().await.expect("the previous checksum of 0005 is accepted");
    db.migrate().await.expect("and brought up to date");
    db.exec().execute(set(vec![0u8; 48])).await.unwrap();
    assert!(db.migrate().await.is_err(), "an unknown change to an applied migration still stops start-up");
}

async fn the_demo_dataset_is_realistic(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    assert!(supplyline::demo::seed_if_empty(&db).await.unwrap());
    assert!(!supplyline::demo::seed_if_empty(&db).await.unwrap(), "never seeds twice");
    assert!(count(&db, "SELECT COUNT(*) AS n FROM supplier").await >= 3);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM supplier s WHERE (SELECT COUNT(*) FROM app_user u WHERE u.supplier_id = s.id) < 2").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM app_user WHERE role = 'buyer'").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM app_user WHERE role = 'admin'").await, 1);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM purchase_order").await >= 40);
    let out_of_range = "SELECT COUNT(*) AS n FROM purchase_order po
        WHERE (SELECT COUNT(*) FROM purchase_order_line l WHERE l.purchase_order_id = po.id) NOT BETWEEN 1 AND 12";
    assert_eq!(count(&db, out_of_range).await, 0);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM product WHERE tracking = 'lot'").await > 0);
    assert!(count(&db, "SELECT COUNT(*) AS n FROM product WHERE tracking = 'none'").await > 0);
    assert!(count(&db, "SELECT COUNT(DISTINCT state) AS n FROM purchase_order").await >= 3);
    assert!(count(&db, "SELECT COUNT(DISTINCT ack_state) AS n FROM purchase_order").await >= 4);
}

async fn po_list_filters_sorts_and_pages(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    supplyline::demo::seed(&db, 60).await.unwrap();
    let orders = OrderService { db: db.clone() };
    let buyer = Actor::new(1, Role::Buyer, None).unwrap();
    let q = |f: fn(&mut PoQuery)| {
        let mut query = PoQuery::default();
        f(&mut query);
        query
    };

    let all = orders.list(&buyer, PoQuery::default()).await.unwrap();
    assert_eq!((all.total, all.items.len()), (60, 25));
    let dates: Vec<_> = all.items.iter().map(|p| p.order_date).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first by default");

    let page3 = orders.list(&buyer, q(|q| q.page = Some(3))).await.unwrap();
    assert_eq!(page3.items.len(), 10);
    let page2 = orders.list(&buyer, q(|q| q.page = Some(2))).await.unwrap();
    assert!(page2.items.iter().all(|p| !all.items.iter().any(|a| a.id == p.id)), "pages do not overlap");

    let by_total = orders.list(&buyer, q(|q| q.sort = Some("-total".into()))).await.unwrap();
    assert!(by_total.items.windows(2).all(|w| w[0].amount_total >= w[1].amount_total));

    let purchase = orders.list(&buyer, q(|q| q.state = Some("purchase".into()))).await.unwrap();
    assert!(purchase.total > 0 && purchase.items.iter().all(|p| p.state.as_str() == "purchase"));

    let by_number = orders.list(&buyer, q(|q| q.q = Some("p00017".into()))).await.unwrap();
    assert_eq!(by_number.items.iter().map(|p| p.number.as_str()).collect::<Vec<_>>(), ["P00017"]);

    // Our product code, the supplier's own code, and the product name all find the PO.
    for search in ["CST-HSG-220", "kg-gh220-b", "gearbox housing"] {
        let found = orders.list(&buyer, PoQuery { q: Some(search.into()), ..Default::default() }).await.unwrap();
        assert!(found.total > 0, "{search}");
        assert!(found.items.iter().all(|p| p.supplier_name == "Kessler Präzisionsguss GmbH"), "{search}");
    }
    let wildcard = orders.list(&buyer, q(|q| q.q = Some("%".into()))).await.unwrap();
    assert_eq!(wildcard.total, 0, "a typed % matches only a literal %");
}

async fn po_queries_are_scoped_to_the_suppliers_own(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    supplyline::demo::seed(&db, 12).await.unwrap();
    let orders = OrderService { db: db.clone() };
    let nordhavn = supplier_id(&db, "NORDFAST").await;
    let kessler = supplier_id(&db, "KESSLER").await;
    let supplier = Actor::new(99, Role::SupplierUser, Some(nordhavn)).unwrap();

    let own = orders.list(&supplier, PoQuery::default()).await.unwrap();
    assert_eq!(own.total, 3);
    assert!(own.items.iter().all(|p| p.supplier_id == nordhavn));
    let widened = orders.list(&supplier, PoQuery { supplier: Some(kessler), ..Default::default() }).await.unwrap();
    assert_eq!(widened.total, 3);
    assert!(widened.items.iter().all(|p| p.supplier_id == nordhavn));

    let buyer = Actor::new(1, Role::Buyer, None).unwrap();
    let theirs = orders.list(&buyer, PoQuery { supplier: Some(kessler), ..Default::default() }).await.unwrap();
    let foreign_id = theirs.items[0].id;
    assert_eq!(orders.get(&supplier, foreign_id).await.unwrap_err(), app::AppError::NotFound);
    let detail = orders.get(&buyer, foreign_id).await.unwrap();
    assert!(!detail.lines.is_empty());
    assert!(detail.lines.iter().all(|l| l.supplier_product_code.is_some()), "supplier codes come with each line");
    assert!(orders.supplier_options(&supplier).await.unwrap().is_empty());
    assert_eq!(orders.supplier_options(&buyer).await.unwrap().len(), 4);
}

async fn adding_users_checks_everything_before_writing(backend: Backend) {
    let (_guard, db) = db_or_skip!(backend);
    supplyline::demo::seed(&db, 1).await.unwrap();
    let pw = NewPassword::parse("a long enough password".into()).unwrap();
    let add = |email: &'static str, role: &'static str, supplier: Option<&'static str>| {
        let db = db.clone();
        let pw = NewPassword::parse(pw.expose().to_string()).unwrap();
        async move {
            account::add_user(&db, NewUser { email, display_name: None, role, supplier_code: supplier }, &pw).await
        }
    };
    let users_before = count(&db, "SELECT COUNT(*) AS n FROM app_user").await;
    assert!(matches!(add("x@y.example", "supplier_user", None).await, Err(AccountError::SupplierRequired(_))));
    assert!(matches!(add("x@y.example", "buyer", Some("NORDFAST")).await, Err(AccountError::SupplierNotAllowed(_))));
    assert!(matches!(add("x@y.example", "supplier_user", Some("NOPE")).await, Err(AccountError::UnknownSupplier(_))));
    assert!(matches!(add("x@y.example", "owner", None).await, Err(AccountError::UnknownRole(_))));
    assert!(matches!(add("LARS@nordhavn.example", "buyer", None).await, Err(AccountError::EmailTaken(_))));
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM app_user").await, users_before, "nothing written on an error");

    let id = add("New.Person@Nordhavn.example", "supplier_user", Some("NORDFAST")).await.unwrap();
    let user = account::find_by_id(&db, id).await.unwrap().unwrap();
    assert_eq!(user.email, "new.person@nordhavn.example");
    assert!(user.password_hash.unwrap().starts_with("$argon2id$"));
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.created'").await, users_before + 1);
}

async fn inbox_views_match_their_counts_and_mark_overdue_answers(backend: Backend) {
    use app::model::{AckState, PoState, PoView};
    let (_guard, db) = db_or_skip!(backend);
    supplyline::demo::seed(&db, 40).await.unwrap();
    let orders = OrderService { db: db.clone() };
    let nordhavn = supplier_id(&db, "NORDFAST").await;
    let buyer = Actor::new(1, Role::Buyer, None).unwrap();
    let supplier = Actor::new(2, Role::SupplierUser, Some(nordhavn)).unwrap();
    for actor in [&buyer, &supplier] {
        let counts = orders.view_counts(actor).await.unwrap();
        assert_eq!(counts.len(), PoView::ALL.len());
        for c in counts {
            let page =
                orders.list(actor, PoQuery { view: Some(c.view.as_str().into()), ..Default::default() }).await.unwrap();
            assert_eq!(page.total, c.count, "{:?} for {:?}", c.view, actor.role);
            for po in &page.items {
                let ok = match c.view {
                    PoView::NeedsAck => po.state == PoState::Purchase && po.ack_state == AckState::Pending,
                    PoView::ChangesProposed => po.ack_state == AckState::ChangesProposed,
                    PoView::Reconfirm => po.state == PoState::Purchase && po.ack_state == AckState::Reconfirm,
                    PoView::Open => po.state == PoState::Purchase,
                    PoView::Shipped => false,
                    PoView::Closed => matches!(po.state, PoState::Done | PoState::Cancel),
                };
                assert!(ok, "{} does not belong in {:?}", po.number, c.view);
                assert!(actor.supplier_scope().is_none_or(|own| own == po.supplier_id));
            }
        }
    }
    let needs = orders.list(&buyer, PoQuery { view: Some("needs_ack".into()), ..Default::default() }).await.unwrap();
    assert!(needs.total > 0, "the demo has POs awaiting an answer");
    // The demo's POs reached the portal days ago: those still awaiting an answer are overdue.
    assert!(needs.items.iter().all(|p| p.ack_due_at.is_some()));
    let old =
        needs.items.iter().find(|p| p.order_date < chrono::Utc::now() - chrono::Duration::days(3)).expect("an old PO");
    assert!(old.ack_overdue, "{} is past its SLA", old.number);
    let closed = orders.list(&buyer, PoQuery { view: Some("closed".into()), ..Default::default() }).await.unwrap();
    assert!(closed.items.iter().all(|p| p.ack_due_at.is_none() && !p.ack_overdue), "closed POs have no deadline");
}

async fn concurrent_sign_in_failures_all_count(backend: Backend) {
    use supplyline::auth::throttle::{Throttle, ThrottleKey};
    let (_guard, db) = db_or_skip!(backend);
    let config = supplyline::config::ThrottleConfig { account_max_failures: 8, ..Default::default() };
    let throttle = Throttle::new(db.clone(), config);
    let key = ThrottleKey::Account("x@y.example".into());
    let now = chrono::Utc::now();
    let attempts: Vec<_> = (0..7)
        .map(|_| {
            let (t, k) = (throttle.clone(), key.clone());
            tokio::spawn(async move { t.record_failure(&k, now).await.unwrap() })
        })
        .collect();
    for a in attempts {
        a.await.unwrap();
    }
    assert_eq!(throttle.locked_for(std::slice::from_ref(&key), now).await.unwrap(), None, "7 of 8: not locked yet");
    throttle.record_failure(&key, now).await.unwrap();
    let left = throttle.locked_for(&[key], now).await.unwrap().expect("the 8th failure locks");
    assert!((left.num_seconds() - 15 * 60).abs() <= 1, "{left}");
    // Once window and lock have run out, the row is pruned.
    assert_eq!(throttle.prune(now + chrono::Duration::minutes(31)).await.unwrap(), 1);
}

on_both_backends!(
    inbox_views_match_their_counts_and_mark_overdue_answers,
    concurrent_sign_in_failures_all_count,
    migrations_are_idempotent,
    a_database_migrated_before_a_comment_was_reworded_still_starts,
    the_demo_dataset_is_realistic,
    po_list_filters_sorts_and_pages,
    po_queries_are_scoped_to_the_suppliers_own,
    adding_users_checks_everything_before_writing,
);
