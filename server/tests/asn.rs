//! Advance shipping notices over HTTP, on SQLite and PostgreSQL: the supplier's own open lines only,
//! every rule checked before anything is written, SSCCs with valid check digits, and the ASN queued
//! for Odoo in the same transaction.

mod common;

use common::*;
use serde_json::Value;

/// The supplier's first shippable line with a form body fragment that ships `quantity` of it.
async fn first_shippable(app: &TestApp, client: &reqwest::Client) -> Value {
    let draft: Value = app.rpc(client, "/rpc/shippable_lines", String::new()).await.json().await.unwrap();
    draft["lines"].as_array().expect("a list").first().cloned().expect("a confirmed PO has open lines")
}

/// Lots or serials fitting `quantity` of a line with this tracking.
fn lots_for(tracking: &str, quantity: u32) -> String {
    match tracking {
        "lot" if quantity > 1 => format!("LOT-A%3A%20{}%3B%20LOT-B%3A%201", quantity - 1),
        "lot" => "LOT-A".into(),
        "serial" => (1..=quantity).map(|i| format!("SN-{i}")).collect::<Vec<_>>().join("%2C"),
        _ => String::new(),
    }
}

fn asn_body(number: &str, line: &Value, quantity: u32, with_packages: bool) -> String {
    let tracking = line["tracking"].as_str().unwrap();
    let mut body = format!(
        "input[number]={number}&input[carrier]=DHL&input[tracking_ref]=1Z999&input[ship_date]={}&input[eta]={}T10%3A00\
         &input[lines][0][line_id]={}&input[lines][0][quantity]={quantity}&input[lines][0][lots]={}",
        chrono::Utc::now().date_naive(),
        chrono::Utc::now().date_naive() + chrono::Duration::days(2),
        line["line_id"],
        lots_for(tracking, quantity)
    );
    if with_packages {
        body.push_str("&input[lines][0][package]=2&input[packages][0][kind]=pallet&input[packages][1][kind]=carton&input[packages][1][parent]=1");
    }
    body
}

async fn a_supplier_announces_a_shipment_in_a_carton_on_a_pallet(backend: Backend) {
    let app = app_or_skip!(backend);
    app.fresh_confirmed_po("NORDFAST").await;
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let line = first_shippable(&app, &supplier).await;
    let res = app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-100", &line, 3, true)).await;
    assert_eq!(res.status(), 200);
    let id: i64 = res.json().await.unwrap();
    let asn: Value = app.rpc(&supplier, "/rpc/asn", format!("id={id}")).await.json().await.unwrap();
    let packages = asn["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2);
    for p in packages {
        assert!(supplyline::domain::sscc::is_valid(p["sscc"].as_str().unwrap()), "{p}");
    }
    assert_eq!(packages[1]["parent_number"], 1);
    assert_eq!(asn["lines"][0]["package_number"], 2);
    assert_eq!(asn["lines"][0]["quantity"], 3.0);
    let outbox = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                   WHERE e.event_type = 'asn.submitted' AND e.aggregate_id = $1 AND o.destination = 'odoo'";
    assert_eq!(app.count(outbox, id).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'asn.submitted' AND entity_id = $1", id).await,
        1
    );
    // The packing slip carries a label with the barcode for each package.
    let page = supplier.get(app.url(&format!("/asns/{id}"))).send().await.unwrap().text().await.unwrap();
    let sscc = packages[0]["sscc"].as_str().unwrap();
    assert!(
        page.contains(&format!("(00) {sscc}")) && page.contains("data-testid=\"sscc-barcode\""),
        "the label shows the SSCC"
    );
    // The announced quantity is no longer open.
    let again = first_shippable(&app, &supplier).await;
    if again["line_id"] == line["line_id"] {
        assert_eq!(again["announced"], 3.0);
    }
}

async fn rules_are_checked_before_anything_is_written(backend: Backend) {
    let app = app_or_skip!(backend);
    app.fresh_confirmed_po("NORDFAST").await;
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let line = first_shippable(&app, &supplier).await;
    let too_many = line["max_shippable"].as_f64().unwrap() as u32 + 1;
    let res = app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-1", &line, too_many, false)).await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains("lines[0].quantity") && text.contains("At most"), "{text}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM asn WHERE id > $1", 0).await, 0, "nothing written");
    // A reused number is refused, next to the number field.
    assert_eq!(app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-2", &line, 1, false)).await.status(), 200);
    let again = app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-2", &line, 1, false)).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("already used ASN number DN-2"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM asn WHERE id > $1", 0).await, 1);
}

async fn another_suppliers_lines_and_asns_are_404(backend: Backend) {
    let app = app_or_skip!(backend);
    app.fresh_confirmed_po("NORDFAST").await;
    let nordhavn = app.signed_in(NORDHAVN_USER).await;
    let line = first_shippable(&app, &nordhavn).await;
    let kessler = app.signed_in(KESSLER_USER).await;
    assert_eq!(app.rpc(&kessler, "/rpc/submit_asn", asn_body("K-1", &line, 1, false)).await.status(), 404);
    let id: i64 = app.rpc(&nordhavn, "/rpc/submit_asn", asn_body("N-1", &line, 1, false)).await.json().await.unwrap();
    assert_eq!(app.rpc(&kessler, "/rpc/asn", format!("id={id}")).await.status(), 404);
    assert_eq!(app.rpc(&kessler, "/rpc/cancel_asn", format!("id={id}")).await.status(), 404);
    assert_eq!(kessler.get(app.url(&format!("/asns/{id}"))).send().await.unwrap().status(), 404);
    let listed: Value = app.rpc(&kessler, "/rpc/asns", String::new()).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0);
    // The buyer reads every ASN but announces none.
    let buyer = app.signed_in(BUYER).await;
    assert_eq!(app.rpc(&buyer, "/rpc/asn", format!("id={id}")).await.status(), 200);
    assert_eq!(app.rpc(&buyer, "/rpc/submit_asn", asn_body("B-1", &line, 1, false)).await.status(), 403);
}

async fn a_cancelled_asn_gives_its_quantity_back(backend: Backend) {
    let app = app_or_skip!(backend);
    app.fresh_confirmed_po("NORDFAST").await;
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let line = first_shippable(&app, &supplier).await;
    let id: i64 = app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-9", &line, 2, false)).await.json().await.unwrap();
    assert_eq!(app.rpc(&supplier, "/rpc/cancel_asn", format!("id={id}")).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM asn WHERE id = $1 AND status = 'cancelled'", id).await, 1);
    let after = first_shippable(&app, &supplier).await;
    assert_eq!((after["line_id"].clone(), after["announced"].clone()), (line["line_id"].clone(), Value::from(0.0)));
    let twice = app.rpc(&supplier, "/rpc/cancel_asn", format!("id={id}")).await;
    assert_eq!(twice.status(), 422, "a cancelled ASN stays cancelled");
}

async fn an_announced_asn_is_amended_in_place_until_it_is_cancelled(backend: Backend) {
    let app = app_or_skip!(backend);
    app.fresh_confirmed_po("NORDFAST").await;
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let line = first_shippable(&app, &supplier).await;
    let id: i64 = app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-300", &line, 3, true)).await.json().await.unwrap();
    let open_before = first_shippable(&app, &supplier).await["open"].as_f64().unwrap();

    // While amending, what the ASN announced is free again; the same number may be kept.
    let draft: Value = app.rpc(&supplier, "/rpc/shippable_lines", format!("amend={id}")).await.json().await.unwrap();
    let freed = draft["lines"].as_array().unwrap().iter().find(|l| l["line_id"] == line["line_id"]).unwrap();
    assert_eq!(freed["open"].as_f64().unwrap(), open_before + 3.0);
    let amended = format!("{}&input[amends]={id}", asn_body("DN-300", &line, 2, false));
    let res = app.rpc(&supplier, "/rpc/submit_asn", amended).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(res.json::<i64>().await.unwrap(), id, "the same ASN, changed");
    let asn: Value = app.rpc(&supplier, "/rpc/asn", format!("id={id}")).await.json().await.unwrap();
    assert_eq!(asn["lines"][0]["quantity"], 2.0);
    assert_eq!(asn["packages"].as_array().unwrap().len(), 0, "the packages went with the amendment");
    assert_eq!(first_shippable(&app, &supplier).await["open"].as_f64().unwrap(), open_before + 1.0);
    let queued = "SELECT COUNT(*) AS n FROM outbox o JOIN event e ON e.id = o.event_id
                   WHERE e.event_type = 'asn.amended' AND e.aggregate_id = $1 AND o.destination = 'odoo'";
    assert_eq!(app.count(queued, id).await, 1);

    // Another supplier cannot amend it; a number used by another of one's ASNs is refused.
    let other = app.signed_in(KESSLER_USER).await;
    let res = app.rpc(&other, "/rpc/shippable_lines", format!("amend={id}")).await;
    assert_eq!(res.status(), 404);
    let second: i64 =
        app.rpc(&supplier, "/rpc/submit_asn", asn_body("DN-301", &line, 1, false)).await.json().await.unwrap();
    let clash = format!("{}&input[amends]={second}", asn_body("DN-300", &line, 1, false));
    let res = app.rpc(&supplier, "/rpc/submit_asn", clash).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("DN-300"));

    // Cancelled, it can no longer be amended.
    assert_eq!(app.rpc(&supplier, "/rpc/cancel_asn", format!("id={id}")).await.status(), 200);
    let late = format!("{}&input[amends]={id}", asn_body("DN-300", &line, 1, false));
    let res = app.rpc(&supplier, "/rpc/submit_asn", late).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("can no longer be amended"));
}

on_both_backends!(
    an_announced_asn_is_amended_in_place_until_it_is_cancelled,
    a_supplier_announces_a_shipment_in_a_carton_on_a_pallet,
    rules_are_checked_before_anything_is_written,
    another_suppliers_lines_and_asns_are_404,
    a_cancelled_asn_gives_its_quantity_back,
);
