//! The buyer's decisions on supplier proposals over HTTP, on SQLite and PostgreSQL.

mod common;

use common::*;
use supplyline::db::{Executor, Sql};

type Line = PoLine;

async fn post(app: &TestApp, client: &reqwest::Client, endpoint: &str, body: String) -> reqwest::Response {
    app.rpc(client, endpoint, body).await
}

/// Kessler's first PO, confirmed, with line 1 answered by `line1` (form fields) and the rest accepted.
async fn po_with_a_proposal(app: &TestApp, line1: impl Fn(&Line) -> String) -> (i64, Vec<Line>, i64) {
    common::po_with_a_proposal(app, "KESSLER", KESSLER_USER, line1).await
}

async fn the_buyer_accepts_a_quantity_and_the_line_changes(backend: Backend) {
    let app = app_or_skip!(backend);
    let (po, lines, proposal) = po_with_a_proposal(&app, |l| {
        format!("&input[lines][{{i}}][action]=quantity&input[lines][{{i}}][quantity]={}", l.quantity + 5.0)
    })
    .await;
    let buyer = app.signed_in(BUYER).await;
    let queue = post(&app, &buyer, "/rpc/pending_proposals", String::new()).await;
    assert_eq!(queue.status(), 200);
    let queue: serde_json::Value = queue.json().await.unwrap();
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["proposal"]["id"], proposal);

    let res =
        post(&app, &buyer, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=accept"))
            .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let changed = format!(
        "SELECT COUNT(*) AS n FROM purchase_order_line WHERE id = $1 AND ack_state = 'accepted' AND quantity = {}",
        lines[0].quantity + 5.0
    );
    assert_eq!(app.count(&changed, lines[0].id).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND ack_state = 'accepted'", po).await,
        1
    );
    let pushed = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                   WHERE e.event_type = 'po.change_decided' AND e.aggregate_id = $1 AND o.destination = 'odoo'";
    assert_eq!(app.count(pushed, po).await, 1);

    let twice = post(
        &app,
        &buyer,
        "/rpc/decide_proposal",
        format!("input[proposal_id]={proposal}&input[decision]=reject&input[comment]=x"),
    )
    .await;
    assert_eq!(twice.status(), 422, "a decided proposal stays decided");
}

async fn a_rejection_needs_a_comment_and_returns_the_line_to_the_supplier(backend: Backend) {
    let app = app_or_skip!(backend);
    let (po, lines, proposal) =
        po_with_a_proposal(&app, |_| "&input[lines][{i}][action]=date&input[lines][{i}][date]=2099-01-15".to_string())
            .await;
    let buyer = app.signed_in(BUYER).await;
    let bare =
        post(&app, &buyer, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=reject"))
            .await;
    assert_eq!(bare.status(), 422);
    let res = post(
        &app,
        &buyer,
        "/rpc/decide_proposal",
        format!("input[proposal_id]={proposal}&input[decision]=reject&input[comment]=Line%20stoppage%20risk"),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE id = $1 AND ack_state = 'pending'", lines[0].id)
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order WHERE id = $1 AND ack_state = 'pending'", po).await,
        1
    );
    let nothing_pushed = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                           WHERE e.event_type = 'po.change_decided' AND e.aggregate_id = $1 AND o.destination = 'odoo'";
    assert_eq!(app.count(nothing_pushed, po).await, 0, "a rejection does not touch Odoo");
    let told = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                 WHERE e.event_type = 'po.change_decided' AND e.aggregate_id = $1 AND o.destination = 'notify'";
    assert_eq!(app.count(told, po).await, 1, "the supplier is told of it");
    // The supplier sees the outcome and the buyer's comment on the PO, and may answer the line again.
    let supplier = app.signed_in(KESSLER_USER).await;
    let html = supplier.get(app.url(&format!("/pos/{po}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("rejected by the buyer: Line stoppage risk"), "the outcome is on the PO");
    assert!(html.contains("data-testid=\"ack-form\""), "the line can be answered again");
}

async fn an_accepted_split_becomes_lines_that_add_up(backend: Backend) {
    let app = app_or_skip!(backend);
    let (po, lines, proposal) = po_with_a_proposal(&app, |l| {
        let first = (l.quantity / 2.0).floor();
        format!(
            "&input[lines][{{i}}][action]=split&input[lines][{{i}}][split]={first}%20@%202099-01-10;%20{}%20@%202099-02-10",
            l.quantity - first
        )
    })
    .await;
    let lines_before =
        app.count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1", po).await;
    let buyer = app.signed_in(BUYER).await;
    let res =
        post(&app, &buyer, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=accept"))
            .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM purchase_order_line WHERE purchase_order_id = $1", po).await,
        lines_before + 1
    );
    // The line keeps the first delivery; the second is a new line (no Odoo id until it is synced).
    let kept: Line = app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id, quantity FROM purchase_order_line WHERE id = $1").bind(lines[0].id))
        .await
        .unwrap();
    let added: Line = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT id, quantity FROM purchase_order_line WHERE purchase_order_id = $1 AND odoo_id IS NULL")
                .bind(po),
        )
        .await
        .unwrap();
    assert_eq!(kept.quantity, (lines[0].quantity / 2.0).floor());
    assert!((kept.quantity + added.quantity - lines[0].quantity).abs() < 1e-9, "the deliveries add up to the order");
}

async fn only_buyers_decide_and_unknown_proposals_are_404(backend: Backend) {
    let app = app_or_skip!(backend);
    let (_, _, proposal) =
        po_with_a_proposal(&app, |_| "&input[lines][{i}][action]=date&input[lines][{i}][date]=2099-01-15".to_string())
            .await;
    let supplier = app.signed_in(KESSLER_USER).await;
    let res =
        post(&app, &supplier, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=accept"))
            .await;
    assert_eq!(res.status(), 403, "a supplier does not decide its own proposal");
    assert_eq!(post(&app, &supplier, "/rpc/pending_proposals", String::new()).await.status(), 403);
    let other = app.signed_in(NORDHAVN_USER).await;
    assert_eq!(
        post(&app, &other, "/rpc/decide_proposal", format!("input[proposal_id]={proposal}&input[decision]=accept"))
            .await
            .status(),
        403
    );
    let buyer = app.signed_in(BUYER).await;
    assert_eq!(
        post(&app, &buyer, "/rpc/decide_proposal", "input[proposal_id]=999999&input[decision]=accept".into())
            .await
            .status(),
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM change_proposal WHERE id = $1 AND status = 'pending'", proposal).await,
        1
    );
}

async fn the_monitor_shows_what_waits_per_supplier(backend: Backend) {
    let app = app_or_skip!(backend);
    let (_, _, _) =
        po_with_a_proposal(&app, |_| "&input[lines][{i}][action]=date&input[lines][{i}][date]=2099-01-15".to_string())
            .await;
    let nordhavn_po = app.fresh_confirmed_po("NORDFAST").await;
    let buyer = app.signed_in(BUYER).await;
    let res = post(&app, &buyer, "/rpc/confirmation_monitor", String::new()).await;
    assert_eq!(res.status(), 200);
    let rows: serde_json::Value = res.json().await.unwrap();
    let row = |name: &str| rows.as_array().unwrap().iter().find(|r| r["supplier_name"] == name).unwrap().clone();
    assert_eq!(row("Kessler Präzisionsguss GmbH")["proposals_pending"], 1);
    let nordhavn = row("Nordhavn Fasteners A/S");
    let awaiting = "SELECT COUNT(*) AS n FROM purchase_order WHERE supplier_id = (SELECT supplier_id FROM purchase_order WHERE id = $1)
                     AND state = 'purchase' AND ack_state = 'pending'";
    assert_eq!(nordhavn["awaiting"], app.count(awaiting, nordhavn_po).await);
    assert!(nordhavn["awaiting"].as_i64().unwrap() >= 1);
    let supplier = app.signed_in(NORDHAVN_USER).await;
    assert_eq!(post(&app, &supplier, "/rpc/confirmation_monitor", String::new()).await.status(), 403);
    let page = supplier.get(app.url("/monitor")).send().await.unwrap();
    assert_eq!(page.status(), 403, "the page answers with the same status");
}

on_both_backends!(
    the_monitor_shows_what_waits_per_supplier,
    the_buyer_accepts_a_quantity_and_the_line_changes,
    a_rejection_needs_a_comment_and_returns_the_line_to_the_supplier,
    an_accepted_split_becomes_lines_that_add_up,
    only_buyers_decide_and_unknown_proposals_are_404,
);
