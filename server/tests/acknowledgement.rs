//! Acknowledging POs over HTTP, on SQLite and PostgreSQL: the supplier's own PO only, everything
//! (acknowledgement, line states, proposals, events, outbox, audit) written together or not at all.

mod common;

use common::*;

async fn acknowledge(app: &TestApp, client: &reqwest::Client, body: String) -> reqwest::Response {
    app.rpc(client, "/rpc/acknowledge", body).await
}

async fn a_supplier_accepts_its_po_and_odoo_gets_an_outbox_row(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let client = app.signed_in(NORDHAVN_USER).await;
    let res = acknowledge(
        &app,
        &client,
        format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all&input[supplier_reference]=SO-4711"),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND ack_state = 'accepted' AND supplier_reference = 'SO-4711'", po).await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1 AND ack_state <> 'accepted'",
            po
        )
        .await,
        0
    );
    let outbox = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                   WHERE e.event_type = 'po.acknowledged' AND e.aggregate_id = $1 AND o.destination = 'odoo' AND o.status = 'pending'";
    assert_eq!(app.count(outbox, po).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'po.acknowledged' AND entity_id = $1", po).await,
        1
    );

    // Once acknowledged, a second acknowledgement is refused and writes nothing.
    let again =
        acknowledge(&app, &client, format!("input[po_id]={po}&input[revision]=1&input[decision]=accept_all")).await;
    assert_eq!(again.status(), 422);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM acknowledgement WHERE purchase_order_id = $1", po).await, 1);
}

async fn a_per_line_acknowledgement_records_proposals_for_the_buyer(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("KESSLER").await;
    let lines = app.po_lines(po).await;
    let q = lines[0].quantity + 10.0;
    let first = format!("&input[lines][{{i}}][action]=quantity&input[lines][{{i}}][quantity]={q}&input[lines][{{i}}][reason]=Pallet%20size");
    let body = per_line_body(po, &lines, &first);
    let client = app.signed_in(KESSLER_USER).await;
    let res = acknowledge(&app, &client, body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND ack_state = 'changes_proposed'", po)
            .await,
        1
    );
    let proposal = "SELECT COUNT(*) AS n FROM change_proposal cp JOIN purchase_order_line l ON l.id = cp.purchase_order_line_id
                     WHERE l.purchase_order_id = $1 AND cp.kind = 'quantity' AND cp.status = 'pending' AND cp.reason = 'Pallet size'";
    assert_eq!(app.count(proposal, po).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM event WHERE event_type = 'po.change_proposed' AND aggregate_id = $1", po)
            .await,
        1
    );

    // The PO page shows the proposal to the supplier.
    let html = client.get(app.url(&format!("/pos/{po}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("awaiting the buyer"), "the proposal is shown on the PO");
}

async fn mistakes_come_back_per_field_and_nothing_is_written(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let client = app.signed_in(NORDHAVN_USER).await;
    let res = acknowledge(
        &app,
        &client,
        format!("input[po_id]={po}&input[revision]=1&input[decision]=reject_all&input[reason]="),
    )
    .await;
    assert_eq!(res.status(), 422);
    let error: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error["Fields"][0]["field"], "reason");
    let stale =
        acknowledge(&app, &client, format!("input[po_id]={po}&input[revision]=7&input[decision]=accept_all")).await;
    assert_eq!(stale.status(), 422);
    assert!(stale.text().await.unwrap().contains("changed this order"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM acknowledgement WHERE purchase_order_id = $1", po).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM event WHERE aggregate_id = $1", po).await, 0);
}

async fn another_suppliers_po_cannot_be_acknowledged(backend: Backend) {
    let app = app_or_skip!(backend);
    let foreign = app.fresh_confirmed_po("KESSLER").await;
    let client = app.signed_in(NORDHAVN_USER).await;
    let res =
        acknowledge(&app, &client, format!("input[po_id]={foreign}&input[revision]=1&input[decision]=accept_all"))
            .await;
    assert_eq!(res.status(), 404);
    let buyer = app.signed_in(BUYER).await;
    let res =
        acknowledge(&app, &buyer, format!("input[po_id]={foreign}&input[revision]=1&input[decision]=accept_all")).await;
    assert_eq!(res.status(), 403, "buyers do not acknowledge on the supplier's behalf");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM acknowledgement WHERE purchase_order_id = $1", foreign).await, 0);
}

on_both_backends!(
    a_supplier_accepts_its_po_and_odoo_gets_an_outbox_row,
    a_per_line_acknowledgement_records_proposals_for_the_buyer,
    mistakes_come_back_per_field_and_nothing_is_written,
    another_suppliers_po_cannot_be_acknowledged,
);
