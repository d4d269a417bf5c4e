//! Quality holds over HTTP, on SQLite and PostgreSQL: a buyer raises a hold, the supplier answers
//! with an 8D record and attaches a file, the buyer closes and reopens it; another supplier's hold,
//! answer, upload and download answer 404; suppliers cannot raise or close (403); plain forms
//! (no WebAssembly) come back to the page with the error and what was typed.

mod common;

use common::*;
use serde_json::Value;
use supplyline::db::{Executor, Sql};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

/// The demo hold of the supplier with `code` (the demo seeds one open hold for NORDFAST and KESSLER).
async fn demo_hold(app: &TestApp, code: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
    }
    let row: Row = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT h.id FROM quality_hold h JOIN supplier s ON s.id = h.supplier_id WHERE s.code = $1 ORDER BY h.id LIMIT 1")
                .bind(code),
        )
        .await
        .unwrap();
    row.id
}

async fn supplier_product(app: &TestApp, product_code: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
    }
    let row: Row = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT sp.id FROM supplier_product sp JOIN product p ON p.id = sp.product_id WHERE p.default_code = $1")
                .bind(product_code),
        )
        .await
        .unwrap();
    row.id
}

fn future(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn answer_body(hold: i64, corrective_due: &str, preventive_due: &str) -> String {
    format!(
        "input[hold_id]={hold}&input[containment]=Stock%20sorted%2C%2012%20blocked&input[root_cause]=Worn%20die\
         &input[corrective_action]=Die%20replaced&input[corrective_due]={corrective_due}\
         &input[preventive_action]=Die%20life%20counter&input[preventive_due]={preventive_due}"
    )
}

/// A multipart/form-data body with one file field, as a browser's plain form sends it.
fn multipart(filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----supplylineTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    hold: i64,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (ct, body) = multipart(filename, content_type, bytes);
    client
        .post(app.url(&format!("/quality/{hold}/attachments")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn hold_json(app: &TestApp, client: &reqwest::Client, hold: i64) -> Value {
    let res = app.rpc(client, "/rpc/quality_hold", format!("id={hold}")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn events(app: &TestApp, hold: i64) -> Vec<String> {
    #[derive(sqlx::FromRow)]
    struct Row {
        event_type: String,
    }
    let rows: Vec<Row> = app
        .db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT event_type FROM event WHERE aggregate_type = 'quality_hold' AND aggregate_id = $1 ORDER BY id",
            )
            .bind(hold),
        )
        .await
        .unwrap();
    rows.into_iter().map(|r| r.event_type).collect()
}

async fn a_hold_is_raised_answered_closed_and_reopened(backend: Backend) {
    let app = app_or_skip!(backend);
    let buyer = app.signed_in(BUYER).await;
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let sp = supplier_product(&app, "FST-M10-40").await;

    // The buyer raises a hold on one of Nordhavn's products; mistakes are named field by field.
    let bad = app
        .rpc(
            &buyer,
            "/rpc/raise_quality_hold",
            format!("input[supplier_product_id]={sp}&input[quantity]=-2&input[reason]="),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let text = bad.text().await.unwrap();
    assert!(text.contains("\"quantity\"") && text.contains("\"reason\""), "{text}");
    let raised = app
        .rpc(
            &buyer,
            "/rpc/raise_quality_hold",
            format!("input[supplier_product_id]={sp}&input[lot_name]=NH-LOT-7&input[quantity]=250&input[reason]=Heads%20crack%20under%20torque"),
        )
        .await;
    assert_eq!(raised.status(), 200);
    let hold: i64 = raised.json().await.unwrap();

    // The supplier sees it in its list and answers with an 8D record.
    let list: Value = app.rpc(&supplier, "/rpc/quality_holds", "status=open".into()).await.json().await.unwrap();
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&hold), "{list}");
    assert!(list.as_array().unwrap().iter().all(|h| h["supplier_name"] == "Nordhavn Fasteners A/S"));
    let view = hold_json(&app, &supplier, hold).await;
    assert_eq!(view["summary"]["lot_name"], "NH-LOT-7");
    assert_eq!((view["can_respond"].as_bool(), view["can_close"].as_bool()), (Some(true), Some(false)));

    let backwards = app.rpc(&supplier, "/rpc/respond_quality_hold", answer_body(hold, &future(10), &future(5))).await;
    assert_eq!(backwards.status(), 422);
    assert!(backwards.text().await.unwrap().contains("preventive_due"));
    let ok = app.rpc(&supplier, "/rpc/respond_quality_hold", answer_body(hold, &future(3), &future(30))).await;
    assert_eq!(ok.status(), 200);
    let up = upload(&app, &supplier, hold, "8D report.pdf", "application/pdf", PDF).await;
    assert_eq!(up.status(), 303);
    assert_eq!(location(&up), format!("/quality/{hold}#attachments"));

    // The buyer sees the answer and the file, and closes the hold.
    let view = hold_json(&app, &buyer, hold).await;
    assert_eq!(view["summary"]["status"], "responded");
    assert_eq!(view["responses"].as_array().unwrap().len(), 1);
    assert_eq!(view["responses"][0]["root_cause"], "Worn die");
    let file = &view["attachments"][0];
    assert_eq!(
        (file["filename"].as_str(), file["content_type"].as_str()),
        (Some("8D report.pdf"), Some("application/pdf"))
    );
    let download = buyer.get(app.url(&format!("/quality/{hold}/attachments/{}", file["id"]))).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"8D report.pdf\""));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);

    assert_eq!(
        app.rpc(
            &buyer,
            "/rpc/close_quality_hold",
            format!("input[hold_id]={hold}&input[comment]=Die%20change%20verified")
        )
        .await
        .status(),
        200
    );
    let again = app.rpc(&buyer, "/rpc/close_quality_hold", format!("input[hold_id]={hold}")).await;
    assert_eq!(again.status(), 422, "a closed hold is not closed twice");
    // Closed: no more answers, no more files.
    let late = app.rpc(&supplier, "/rpc/respond_quality_hold", answer_body(hold, &future(3), &future(30))).await;
    assert_eq!(late.status(), 422);
    assert!(late.text().await.unwrap().contains("closed"));
    let late_file = upload(&app, &supplier, hold, "more.pdf", "application/pdf", PDF).await;
    assert_eq!(late_file.status(), 303);
    assert!(location(&late_file).contains("upload_error="));

    // Reopening needs a reason; then the supplier answers again and the first answer is kept.
    assert_eq!(
        app.rpc(&buyer, "/rpc/reopen_quality_hold", format!("input[hold_id]={hold}&input[comment]=")).await.status(),
        422
    );
    let reopened = app
        .rpc(
            &buyer,
            "/rpc/reopen_quality_hold",
            format!("input[hold_id]={hold}&input[comment]=Cracks%20again%20in%20lot%208"),
        )
        .await;
    assert_eq!(reopened.status(), 200);
    assert_eq!(hold_json(&app, &supplier, hold).await["summary"]["status"], "open");
    assert_eq!(
        app.rpc(&supplier, "/rpc/respond_quality_hold", answer_body(hold, &future(2), &future(20))).await.status(),
        200
    );
    let view = hold_json(&app, &supplier, hold).await;
    assert_eq!(view["responses"].as_array().unwrap().len(), 2, "earlier answers are history");
    let history: Vec<&str> =
        view["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(history, ["raised", "responded", "closed", "reopened", "responded"]);
    assert_eq!(
        events(&app, hold).await,
        [
            "quality_hold.raised",
            "quality_hold.responded",
            "quality_hold.attachment_added",
            "quality_hold.closed",
            "quality_hold.reopened",
            "quality_hold.responded"
        ]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE entity_type = 'quality_hold' AND entity_id = $1", hold)
            .await,
        6
    );
}

async fn another_suppliers_hold_answers_404_everywhere(backend: Backend) {
    let app = app_or_skip!(backend);
    let nordhavn = app.signed_in(NORDHAVN_USER).await;
    let kessler = app.signed_in(KESSLER_USER).await;
    let foreign = demo_hold(&app, "KESSLER").await;
    let own = demo_hold(&app, "NORDFAST").await;
    // Kessler attaches a file to its own hold, so there is one to try to download.
    assert_eq!(upload(&app, &kessler, foreign, "sort.csv", "text/csv", b"lot;ok\nKG-1;yes\n").await.status(), 303);
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let file: Id = app
        .db
        .exec()
        .fetch_one(Sql::new("SELECT id FROM quality_attachment WHERE quality_hold_id = $1").bind(foreign))
        .await
        .unwrap();

    // Page, server functions, upload, download: all 404, and nothing written.
    let page = nordhavn.get(app.url(&format!("/quality/{foreign}"))).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(!page.text().await.unwrap().contains("Porosity"));
    assert_eq!(nordhavn.get(app.url(&format!("/quality/{own}"))).send().await.unwrap().status(), 200);
    assert_eq!(app.rpc(&nordhavn, "/rpc/quality_hold", format!("id={foreign}")).await.status(), 404);
    assert_eq!(app.rpc(&nordhavn, "/rpc/quality_hold", "id=999999".into()).await.status(), 404);
    let respond = app.rpc(&nordhavn, "/rpc/respond_quality_hold", answer_body(foreign, &future(3), &future(30))).await;
    assert_eq!(respond.status(), 404);
    assert_eq!(upload(&app, &nordhavn, foreign, "x.pdf", "application/pdf", PDF).await.status(), 404);
    // Too large or the wrong kind must not reveal the hold either.
    assert_eq!(upload(&app, &nordhavn, foreign, "x.exe", "application/pdf", b"MZ\x90\0").await.status(), 404);
    let download = nordhavn.get(app.url(&format!("/quality/{foreign}/attachments/{}", file.id))).send().await.unwrap();
    assert_eq!(download.status(), 404);
    // Nor through its own hold's URL.
    let sideways = nordhavn.get(app.url(&format!("/quality/{own}/attachments/{}", file.id))).send().await.unwrap();
    assert_eq!(sideways.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quality_response WHERE quality_hold_id = $1", foreign).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quality_attachment WHERE quality_hold_id = $1", foreign).await, 1);

    // The list holds only the supplier's own, even when another supplier is asked for.
    let kessler_id =
        app.rpc(&kessler, "/rpc/quality_hold", format!("id={foreign}")).await.json::<Value>().await.unwrap()["summary"]
            ["supplier_id"]
            .clone();
    let list: Value =
        app.rpc(&nordhavn, "/rpc/quality_holds", format!("supplier={kessler_id}")).await.json().await.unwrap();
    assert!(!list.as_array().unwrap().is_empty());
    assert!(list.as_array().unwrap().iter().all(|h| h["supplier_name"] == "Nordhavn Fasteners A/S"), "{list}");

    // Suppliers cannot raise, close or reopen; buyers cannot answer for the supplier.
    let sp = supplier_product(&app, "FST-M8-30").await;
    let raise = format!("input[supplier_product_id]={sp}&input[reason]=x");
    assert_eq!(app.rpc(&nordhavn, "/rpc/raise_quality_hold", raise).await.status(), 403);
    assert_eq!(app.rpc(&nordhavn, "/rpc/quality_raise_options", String::new()).await.status(), 403);
    assert_eq!(app.rpc(&nordhavn, "/rpc/close_quality_hold", format!("input[hold_id]={own}")).await.status(), 403);
    assert_eq!(
        app.rpc(&nordhavn, "/rpc/reopen_quality_hold", format!("input[hold_id]={own}&input[comment]=x")).await.status(),
        403
    );
    let buyer = app.signed_in(BUYER).await;
    assert_eq!(
        app.rpc(&buyer, "/rpc/respond_quality_hold", answer_body(own, &future(3), &future(30))).await.status(),
        403
    );
    // The buyer sees every supplier's holds and may filter by one.
    let all: Value = app.rpc(&buyer, "/rpc/quality_holds", String::new()).await.json().await.unwrap();
    assert!(all.as_array().unwrap().len() >= 2);
    let only: Value =
        app.rpc(&buyer, "/rpc/quality_holds", format!("supplier={kessler_id}")).await.json().await.unwrap();
    assert!(only.as_array().unwrap().iter().all(|h| h["supplier_id"] == kessler_id));
    let bad_status = app.rpc(&buyer, "/rpc/quality_holds", "status=lost".into()).await;
    assert_eq!(bad_status.status(), 422);

    // Signed out: the upload and the download answer 401, the page sends to sign-in.
    let anonymous = app.client();
    assert_eq!(anonymous.get(app.url(&format!("/quality/{own}"))).send().await.unwrap().status(), 303);
    assert_eq!(upload(&app, &anonymous, own, "x.pdf", "application/pdf", PDF).await.status(), 401);
}

async fn uploads_are_checked_by_content_size_and_origin(backend: Backend) {
    let app = app_or_skip!(backend);
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let hold = demo_hold(&app, "NORDFAST").await;
    // A script renamed to .pdf and declared as a PDF is refused, with the list of what is accepted.
    let fake = upload(&app, &supplier, hold, "invoice.pdf", "application/pdf", b"<script>alert(1)</script>").await;
    assert_eq!(fake.status(), 303);
    let back = location(&fake);
    assert!(back.starts_with(&format!("/quality/{hold}?upload_error=")), "{back}");
    let page = supplier.get(app.url(&back)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("is not an accepted file") && page.contains("Word (.docx)"),
        "the error is shown on the page"
    );
    // Over the limit: refused with the limit named.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let res = upload(&app, &supplier, hold, "big.txt", "text/plain", &big).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).contains("10%20MiB"), "{}", location(&res));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quality_attachment WHERE quality_hold_id = $1", hold).await, 0);
    // A cross-site multipart post is refused by the CSRF layer before anything is read.
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let login = app.login(&app.client(), NORDHAVN_USER, PASSWORD).await;
    let cookie = format!("supplyline_session={}", session_cookie(&login).unwrap());
    let (ct, body) = multipart("x.pdf", "application/pdf", PDF);
    let cross = plain
        .post(app.url(&format!("/quality/{hold}/attachments")))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("content-type", ct.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let no_origin = plain
        .post(app.url(&format!("/quality/{hold}/attachments")))
        .header("cookie", &cookie)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quality_attachment WHERE quality_hold_id = $1", hold).await, 0);
    // A real CSV is accepted; its sha256 and size are kept.
    assert_eq!(
        upload(&app, &supplier, hold, "../../sort results.csv", "application/octet-stream", b"lot;ok\n1;yes\n")
            .await
            .status(),
        303
    );
    let view = hold_json(&app, &supplier, hold).await;
    assert_eq!(view["attachments"][0]["filename"], "sort results.csv");
    assert_eq!(view["attachments"][0]["content_type"], "text/csv");
}

async fn a_plain_form_comes_back_with_the_error_and_what_was_typed(backend: Backend) {
    let app = app_or_skip!(backend);
    let supplier = app.signed_in(NORDHAVN_USER).await;
    let hold = demo_hold(&app, "NORDFAST").await;
    let page = app.url(&format!("/quality/{hold}"));
    // As a browser without WebAssembly posts the form: HTML accepted, the page as referer.
    let res = supplier
        .post(app.url("/rpc/respond_quality_hold"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .header("referer", &page)
        .body(answer_body(hold, "2000-01-01", &future(30)).replace("Worn%20die", "Worn%20thread%20die"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let back = location(&res);
    assert!(back.contains("__err="), "{back}");
    let html = supplier.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("2000-01-01 is in the past."), "the error is next to its field");
    assert!(html.contains("Worn thread die"), "what was typed is kept");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM quality_response WHERE quality_hold_id = $1", hold).await, 0);
    // The draft is shown once.
    let again = supplier.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains("Worn thread die"));
}

on_both_backends!(
    a_hold_is_raised_answered_closed_and_reopened,
    another_suppliers_hold_answers_404_everywhere,
    uploads_are_checked_by_content_size_and_origin,
    a_plain_form_comes_back_with_the_error_and_what_was_typed,
);
