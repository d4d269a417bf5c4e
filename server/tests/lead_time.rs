//! Lead-time proposals over HTTP, on SQLite and PostgreSQL: the supplier's own products only, the
//! late lines a proposal would cause, and the buyer's decision reaching Odoo through the outbox.

mod common;

use common::*;
use supplyline::db::{Executor, Sql};

/// The supplier product of `code` (our product code) and its current lead time.
async fn supplier_product(app: &TestApp, code: &str) -> (i64, i64) {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        lead_time_days: i64,
    }
    let r: Row = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT sp.id, sp.lead_time_days FROM supplier_product sp JOIN product p ON p.id = sp.product_id WHERE p.default_code = $1")
                .bind(code),
        )
        .await
        .unwrap();
    (r.id, r.lead_time_days)
}

fn proposal_body(sp: i64, days: i64, date: &str) -> String {
    format!("input[supplier_product_id]={sp}&input[days]={days}&input[effective_date]={date}&input[reason]=Furnace%20relining")
}

async fn a_supplier_proposes_and_the_buyer_approves(backend: Backend) {
    let app = app_or_skip!(backend);
    // Make one open line of the product due soon, so a longer lead time would make it late.
    let po = app.fresh_confirmed_po("KESSLER").await;
    let (sp, current) = supplier_product(&app, "CST-HSG-220").await;
    let soon = chrono::Utc::now() + chrono::Duration::days(10);
    app.db
        .exec()
        .execute(
            Sql::new(
                "UPDATE purchase_order_line SET product_id = (SELECT product_id FROM supplier_product WHERE id = $1), requested_date = $2, qty_received = 0
                  WHERE purchase_order_id = $3 AND line_no = 1",
            )
            .bind(sp)
            .bind(soon)
            .bind(po),
        )
        .await
        .unwrap();

    let supplier = app.signed_in(KESSLER_USER).await;
    let catalog: serde_json::Value =
        app.rpc(&supplier, "/rpc/lead_time_catalog", String::new()).await.json().await.unwrap();
    assert_eq!(catalog.as_array().unwrap().len(), 4, "Kessler supplies four products");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let res = app.rpc(&supplier, "/rpc/propose_lead_time", proposal_body(sp, current + 30, &tomorrow)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let again = app.rpc(&supplier, "/rpc/propose_lead_time", proposal_body(sp, current + 40, &tomorrow)).await;
    assert_eq!(again.status(), 422, "one pending proposal per product");

    let buyer = app.signed_in(BUYER).await;
    let queue: serde_json::Value =
        app.rpc(&buyer, "/rpc/pending_lead_times", String::new()).await.json().await.unwrap();
    let proposal = &queue[0];
    assert_eq!(proposal["proposed_days"], current + 30);
    let late = proposal["late_lines"].as_array().unwrap();
    assert!(late.iter().any(|l| l["po_id"] == po && l["line_no"] == 1), "the line due soon would be late: {late:?}");

    let id = proposal["id"].as_i64().unwrap();
    let rejected_bare =
        app.rpc(&buyer, "/rpc/decide_lead_time", format!("input[proposal_id]={id}&input[decision]=reject")).await;
    assert_eq!(rejected_bare.status(), 422, "a rejection needs a comment");
    let ok = app.rpc(&buyer, "/rpc/decide_lead_time", format!("input[proposal_id]={id}&input[decision]=accept")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(supplier_product(&app, "CST-HSG-220").await.1, current + 30);
    let pushed = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                   WHERE e.event_type = 'leadtime.decided' AND e.aggregate_id = $1 AND o.destination = 'odoo'";
    assert_eq!(app.count(pushed, sp).await, 1);
}

async fn lead_times_are_the_suppliers_own(backend: Backend) {
    let app = app_or_skip!(backend);
    let (kessler_sp, current) = supplier_product(&app, "CST-HSG-220").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let nordhavn = app.signed_in(NORDHAVN_USER).await;
    let catalog: serde_json::Value =
        app.rpc(&nordhavn, "/rpc/lead_time_catalog", String::new()).await.json().await.unwrap();
    assert!(catalog.as_array().unwrap().iter().all(|i| i["product_code"].as_str().unwrap().starts_with("FST-")));
    let foreign = app.rpc(&nordhavn, "/rpc/propose_lead_time", proposal_body(kessler_sp, current + 5, &tomorrow)).await;
    assert_eq!(foreign.status(), 404);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM leadtime_proposal WHERE supplier_product_id = $1", kessler_sp).await,
        0
    );
    let buyer = app.signed_in(BUYER).await;
    assert_eq!(app.rpc(&buyer, "/rpc/lead_time_catalog", String::new()).await.status(), 403);
    assert_eq!(app.rpc(&nordhavn, "/rpc/pending_lead_times", String::new()).await.status(), 403);
    let bad = app
        .rpc(
            &app.signed_in(KESSLER_USER).await,
            "/rpc/propose_lead_time",
            proposal_body(kessler_sp, current, "2000-01-01"),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let fields: serde_json::Value = bad.json().await.unwrap();
    let named: Vec<&str> = fields["Fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(named, ["days", "effective_date"]);
}

on_both_backends!(a_supplier_proposes_and_the_buyer_approves, lead_times_are_the_suppliers_own);
