//! The partner API over real HTTP, on SQLite and PostgreSQL: tokens issued in the browser's
//! console, scopes, another supplier's objects, expired and revoked tokens, Idempotency-Key,
//! OAuth client credentials, rate limits, the feeds and the OpenAPI document.

mod common;

use common::*;
use serde_json::{json, Value};
use supplyline::db::{Executor, Sql};

const NORDHAVN_ADMIN: &str = "anna@nordhavn.example";
const KESSLER_ADMIN: &str = "jonas@kessler-guss.example";

/// Issues a credential through the integration console, as a person in the browser would.
async fn issue(app: &TestApp, email: &str, kind: &str, scopes: &[&str]) -> Value {
    issue_as(app, &app.signed_in(email).await, kind, scopes).await
}

async fn issue_as(app: &TestApp, client: &reqwest::Client, kind: &str, scopes: &[&str]) -> Value {
    let mut body = format!("input[kind]={kind}&input[name]=ERP%20link&input[expires_in_days]=30");
    for (i, scope) in scopes.iter().enumerate() {
        body.push_str(&format!("&input[scopes][{i}]={scope}"));
    }
    let res = app.rpc(client, "/rpc/create_credential", body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let console: Value = app.rpc(client, "/rpc/integration_console", String::new()).await.json().await.unwrap();
    let issued = console["just_issued"].clone();
    assert!(issued["secret"].as_str().unwrap().starts_with("spl_"), "{console}");
    // Shown once: the next look at the console no longer has it.
    let again: Value = app.rpc(client, "/rpc/integration_console", String::new()).await.json().await.unwrap();
    assert!(again["just_issued"].is_null());
    issued
}

async fn new_token(app: &TestApp, email: &str, scopes: &[&str]) -> String {
    issue(app, email, "token", scopes).await["secret"].as_str().unwrap().to_string()
}

fn api() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    api().get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = api().post(app.url(path)).bearer_auth(token).json(body);
    if let Some(key) = key {
        req = req.header("idempotency-key", format!("\"{key}\""));
    }
    req.send().await.unwrap()
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert!(body["type"].as_str().unwrap().starts_with("urn:supplyline:problem:"), "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

const ALL_SCOPES: [&str; 9] = [
    "po:read",
    "po:ack",
    "asn:read",
    "asn:write",
    "leadtime:write",
    "quality:read",
    "quality:write",
    "events:read",
    "webhooks:manage",
];

async fn a_supplier_admin_issues_a_token_that_sees_only_its_supplier(backend: Backend) {
    let app = app_or_skip!(backend);
    let token = new_token(&app, NORDHAVN_ADMIN, &["po:read"]).await;
    let stored = "SELECT COUNT(*) AS n FROM api_credential WHERE id = $1 AND secret_sha256 <> ''";
    assert_eq!(app.count(stored, 1).await, 1);
    let raw = "SELECT COUNT(*) AS n FROM api_credential WHERE secret_sha256 = display_hint OR id <> $1";
    assert_eq!(app.count(raw, 1).await, 0, "only the hash and a hint are kept");

    let res = get(&app, &token, "/api/v1/purchase-orders?limit=200").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("ratelimit-policy"));
    let page: Value = res.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), SEEDED_POS / 4, "{page}");
    assert!(items.iter().all(|po| po["supplier_name"].as_str().unwrap().contains("Nordhavn")), "{page}");

    let kessler_po = app.first_po_of("KESSLER").await;
    let foreign = get(&app, &token, &format!("/api/v1/purchase-orders/{kessler_po}")).await;
    problem(foreign, 404).await;
    let own_po = app.first_po_of("NORDFAST").await;
    let own: Value = get(&app, &token, &format!("/api/v1/purchase-orders/{own_po}")).await.json().await.unwrap();
    assert_eq!(own["summary"]["id"], own_po);

    // Last use is recorded with the address.
    let used = "SELECT COUNT(*) AS n FROM api_credential WHERE id = $1 AND last_used_at IS NOT NULL AND last_used_ip = '127.0.0.1'";
    assert_eq!(app.count(used, 1).await, 1);
}

async fn who_may_issue_what(backend: Backend) {
    let app = app_or_skip!(backend);
    // A supplier user manages no tokens.
    let user = app.signed_in(NORDHAVN_USER).await;
    let res = app
        .rpc(
            &user,
            "/rpc/create_credential",
            "input[kind]=token&input[name]=x&input[expires_in_days]=30&input[scopes][0]=po:read".into(),
        )
        .await;
    assert_eq!(res.status(), 403);
    // A buyer cannot grant what a buyer cannot do; the expiry is bounded; a name is needed.
    let buyer = app.signed_in(BUYER).await;
    let res = app
        .rpc(
            &buyer,
            "/rpc/create_credential",
            "input[kind]=token&input[name]=&input[expires_in_days]=400&input[scopes][0]=po:ack".into(),
        )
        .await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    for field in ["name", "expires_in_days", "scopes"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    // No scope, no credential.
    let res = app
        .rpc(&buyer, "/rpc/create_credential", "input[kind]=token&input[name]=BI&input[expires_in_days]=30".into())
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM api_credential WHERE id >= $1", 0).await, 0);
    // A buyer's token sees every supplier's POs.
    let token = new_token(&app, BUYER, &["po:read"]).await;
    let page: Value = get(&app, &token, "/api/v1/purchase-orders?limit=200").await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), SEEDED_POS);
}

async fn bad_expired_and_revoked_tokens_answer_401(backend: Backend) {
    let app = app_or_skip!(backend);
    let none = api().get(app.url("/api/v1/purchase-orders")).send().await.unwrap();
    assert!(none.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer realm=\"supplyline\""));
    problem(none, 401).await;
    let made_up = get(&app, "spl_000000000000000000000000000000000000", "/api/v1/purchase-orders").await;
    let body = problem(made_up, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("malformed"), "{body}");

    let issued = issue(&app, NORDHAVN_ADMIN, "token", &["po:read"]).await;
    let token = issued["secret"].as_str().unwrap();
    assert_eq!(get(&app, token, "/api/v1/purchase-orders").await.status(), 200);
    let expire = Sql::new("UPDATE api_credential SET expires_at = $1 WHERE id = $2")
        .bind(chrono::Utc::now() - chrono::Duration::minutes(1))
        .bind(issued["id"].as_i64().unwrap());
    app.db.exec().execute(expire).await.unwrap();
    let body = problem(get(&app, token, "/api/v1/purchase-orders").await, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");

    let other = issue(&app, NORDHAVN_ADMIN, "token", &["po:read"]).await;
    let admin = app.signed_in(NORDHAVN_ADMIN).await;
    // Another supplier's admin cannot revoke it.
    let kessler = app.signed_in(KESSLER_ADMIN).await;
    let res = app.rpc(&kessler, "/rpc/revoke_credential", format!("id={}", other["id"])).await;
    assert_eq!(res.status(), 404);
    let res = app.rpc(&admin, "/rpc/revoke_credential", format!("id={}", other["id"])).await;
    assert_eq!(res.status(), 200);
    let body = problem(get(&app, other["secret"].as_str().unwrap(), "/api/v1/purchase-orders").await, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("revoked"), "{body}");
}

/// Every endpoint, as (method, path, body) for the PO and objects of `supplier`.
fn endpoints(po: i64, asn: i64, hold: i64, hook: i64) -> Vec<(&'static str, String, Value, &'static str)> {
    let ack = json!({ "revision": 1, "decision": "accept_all" });
    let asn_body = json!({ "number": "DN-1", "ship_date": "2026-12-01", "eta": "2026-12-03T10:00:00Z", "lines": [] });
    let lead = json!({ "supplier_product_id": 1, "days": 12, "effective_date": "2027-01-10" });
    let answer = json!({ "containment": "c", "root_cause": "r", "corrective_action": "a", "corrective_due": "2027-01-10",
                         "preventive_action": "p", "preventive_due": "2027-01-20" });
    vec![
        ("GET", "/api/v1/purchase-orders".into(), Value::Null, "po:read"),
        ("GET", format!("/api/v1/purchase-orders/{po}"), Value::Null, "po:read"),
        ("POST", format!("/api/v1/purchase-orders/{po}/acknowledgement"), ack, "po:ack"),
        ("GET", "/api/v1/asns".into(), Value::Null, "asn:read"),
        ("GET", format!("/api/v1/asns/{asn}"), Value::Null, "asn:read"),
        ("GET", "/api/v1/asns/shippable-lines".into(), Value::Null, "asn:write"),
        ("POST", "/api/v1/asns".into(), asn_body, "asn:write"),
        ("POST", format!("/api/v1/asns/{asn}/cancel"), json!({}), "asn:write"),
        ("GET", "/api/v1/lead-times".into(), Value::Null, "leadtime:write"),
        ("POST", "/api/v1/lead-time-proposals".into(), lead, "leadtime:write"),
        ("GET", "/api/v1/quality-holds".into(), Value::Null, "quality:read"),
        ("GET", format!("/api/v1/quality-holds/{hold}"), Value::Null, "quality:read"),
        ("POST", format!("/api/v1/quality-holds/{hold}/response"), answer, "quality:write"),
        ("GET", "/api/v1/events".into(), Value::Null, "events:read"),
        ("GET", "/api/v1/webhooks".into(), Value::Null, "webhooks:manage"),
        ("POST", "/api/v1/webhooks".into(), json!({ "url": "https://hooks.nordhavn.example/in" }), "webhooks:manage"),
        ("GET", format!("/api/v1/webhooks/{hook}"), Value::Null, "webhooks:manage"),
        ("POST", format!("/api/v1/webhooks/{hook}/rotate-secret"), json!({}), "webhooks:manage"),
        ("POST", format!("/api/v1/webhooks/{hook}/test"), json!({}), "webhooks:manage"),
        ("GET", format!("/api/v1/webhooks/{hook}/deliveries"), Value::Null, "webhooks:manage"),
        (
            "POST",
            format!("/api/v1/webhooks/{hook}/replay-failed"),
            json!({ "since": "2026-01-01T00:00:00Z" }),
            "webhooks:manage",
        ),
    ]
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: &Value) -> reqwest::Response {
    match method {
        "GET" => get(app, token, path).await,
        _ => post(app, token, path, body, None).await,
    }
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

async fn first_id(app: &TestApp, sql: &str, code: &str) -> i64 {
    let row: Option<Id> = app.db.exec().fetch_optional(Sql::new(sql).bind(code)).await.unwrap();
    row.map_or(999_999, |r| r.id)
}

async fn every_endpoint_needs_its_scope_and_hides_other_suppliers(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("KESSLER").await;
    let asn = first_id(
        &app,
        "SELECT a.id FROM asn a JOIN supplier s ON s.id = a.supplier_id WHERE s.code = $1 ORDER BY a.id LIMIT 1",
        "KESSLER",
    )
    .await;
    let hold = first_id(&app, "SELECT q.id FROM quality_hold q JOIN supplier s ON s.id = q.supplier_id WHERE s.code = $1 ORDER BY q.id LIMIT 1", "KESSLER").await;
    // Kessler's own endpoint, registered over the API by Kessler's admin.
    let kessler = new_token(&app, KESSLER_ADMIN, &["webhooks:manage"]).await;
    let created =
        post(&app, &kessler, "/api/v1/webhooks", &json!({ "url": "https://hooks.kessler.example/in" }), None).await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let created: Value = created.json().await.unwrap();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"), "{created}");
    let hook = created["endpoint"]["id"].as_i64().unwrap();
    let listed: Value = get(&app, &kessler, "/api/v1/webhooks").await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let endpoints = endpoints(po, asn, hold, hook);

    // With every scope but the one needed: 403 naming it.
    let admin = app.signed_in(NORDHAVN_ADMIN).await;
    for (method, path, body, needed) in &endpoints {
        let others: Vec<&str> = ALL_SCOPES.iter().copied().filter(|s| s != needed).collect();
        let token = issue_as(&app, &admin, "token", &others).await["secret"].as_str().unwrap().to_string();
        let res = call(&app, &token, method, path, body).await;
        assert_eq!(res.status(), 403, "{method} {path}");
        let problem = problem(res, 403).await;
        assert_eq!(problem["required_scope"], *needed, "{method} {path}: {problem}");
    }

    // With every scope, Nordhavn's token meets Kessler's objects as if they did not exist.
    let token = new_token(&app, NORDHAVN_ADMIN, &ALL_SCOPES).await;
    for (method, path, body, _) in
        endpoints.iter().filter(|(_, path, _, _)| path.split('/').any(|segment| segment.parse::<i64>().is_ok()))
    {
        let res = call(&app, &token, method, path, body).await;
        assert_eq!(res.status(), 404, "{method} {path}");
        problem(res, 404).await;
    }
    // Nothing was written for Kessler's PO.
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM acknowledgement WHERE purchase_order_id = $1", po).await, 0);
}

async fn an_acknowledgement_is_idempotent_per_key(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let token = new_token(&app, NORDHAVN_ADMIN, &["po:ack", "po:read"]).await;
    let path = format!("/api/v1/purchase-orders/{po}/acknowledgement");
    let body = json!({ "revision": 1, "decision": "accept_all", "supplier_reference": "SO-1" });

    let first = post(&app, &token, &path, &body, Some("k-1")).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["summary"]["ack_state"], "accepted");

    let replay = post(&app, &token, &path, &body, Some("k-1")).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM acknowledgement WHERE purchase_order_id = $1", po).await, 1);

    // Another body under the same key: 422, nothing done.
    let other = json!({ "revision": 1, "decision": "reject_all", "reason": "no" });
    let body422 = problem(post(&app, &token, &path, &other, Some("k-1")).await, 422).await;
    assert_eq!(body422["type"], "urn:supplyline:problem:idempotency-key-reused");

    // Without a key, the second acknowledgement is refused by the domain (already answered); an
    // error is replayed too under its key.
    let refused = post(&app, &token, &path, &body, Some("k-2")).await;
    assert_eq!(refused.status(), 422);
    let again = post(&app, &token, &path, &body, Some("k-2")).await;
    assert_eq!(again.status(), 422);
    assert_eq!(again.headers()["idempotent-replayed"], "true");

    // A duplicate while the first is still running: 409.
    let running = Sql::new("UPDATE idempotency_record SET status = 'in_flight' WHERE idempotency_key = 'k-1'");
    app.db.exec().execute(running).await.unwrap();
    let conflict = problem(post(&app, &token, &path, &body, Some("k-1")).await, 409).await;
    assert_eq!(conflict["type"], "urn:supplyline:problem:idempotency-conflict");

    // Keys belong to one credential: another token's k-1 is its own.
    let second = new_token(&app, NORDHAVN_ADMIN, &["po:ack"]).await;
    let theirs = post(&app, &second, &path, &other, Some("k-1")).await;
    assert_eq!(theirs.status(), 422, "a fresh key runs: the PO is already answered");
    assert!(theirs.headers().get("idempotent-replayed").is_none());
}

async fn malformed_bodies_get_a_problem_naming_the_field(backend: Backend) {
    let app = app_or_skip!(backend);
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let token = new_token(&app, NORDHAVN_ADMIN, &["po:ack", "asn:write"]).await;
    let path = format!("/api/v1/purchase-orders/{po}/acknowledgement");
    let res = post(&app, &token, &path, &json!({ "revision": 1, "decision": "maybe" }), None).await;
    let body = problem(res, 422).await;
    assert!(body["detail"].as_str().unwrap().contains("decision"), "{body}");
    let res = post(
        &app,
        &token,
        "/api/v1/asns",
        &json!({ "number": "", "ship_date": "2026-12-01", "eta": "2026-11-01T10:00:00Z", "lines": [] }),
        None,
    )
    .await;
    let body = problem(res, 422).await;
    let pointers: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert!(pointers.contains(&"/number") && pointers.contains(&"/eta"), "{body}");
}

async fn oauth_clients_get_short_lived_tokens_within_their_scopes(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = issue(&app, NORDHAVN_ADMIN, "oauth_client", &["po:read", "events:read"]).await;
    let (id, secret) = (client["client_id"].as_str().unwrap(), client["secret"].as_str().unwrap());
    let http = api();
    let res = http
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "po:read")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let granted: Value = res.json().await.unwrap();
    assert_eq!(granted["token_type"], "Bearer");
    assert_eq!(granted["scope"], "po:read");
    let expires_in = granted["expires_in"].as_i64().unwrap();
    assert!((3500..=3600).contains(&expires_in), "{granted}");
    let access = granted["access_token"].as_str().unwrap();
    assert_eq!(get(&app, access, "/api/v1/purchase-orders").await.status(), 200);
    problem(get(&app, access, "/api/v1/events").await, 403).await;

    let wrong = http
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", "spl_nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.json::<Value>().await.unwrap()["error"], "invalid_client");
    let greedy = http
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "po:read po:ack")])
        .send()
        .await
        .unwrap();
    assert_eq!(greedy.status(), 400);
    assert_eq!(greedy.json::<Value>().await.unwrap()["error"], "invalid_scope");
    let password = http.post(app.url("/oauth/token")).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(password.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");

    // Revoking the client ends its access tokens at once; the client secret is not a bearer token.
    problem(get(&app, secret, "/api/v1/purchase-orders").await, 401).await;
    let admin = app.signed_in(NORDHAVN_ADMIN).await;
    let res = app.rpc(&admin, "/rpc/revoke_credential", format!("id={}", client["id"])).await;
    assert_eq!(res.status(), 200);
    problem(get(&app, access, "/api/v1/purchase-orders").await, 401).await;
}

async fn the_feeds_page_with_cursors(backend: Backend) {
    let app = app_or_skip!(backend);
    let token = new_token(&app, BUYER, &["po:read", "events:read"]).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/purchase-orders?limit=3&cursor={c}"),
            None => "/api/v1/purchase-orders?limit=3".into(),
        };
        let page: Value = get(&app, &token, &path).await.json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|po| po["id"].as_i64().unwrap()));
        cursor = page["next_cursor"].as_str().map(str::to_string);
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (SEEDED_POS, SEEDED_POS));
    // Polling from the last cursor after a change returns just the changed PO.
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let nordhavn = new_token(&app, NORDHAVN_ADMIN, &["po:ack"]).await;
    let res = post(
        &app,
        &nordhavn,
        &format!("/api/v1/purchase-orders/{po}/acknowledgement"),
        &json!({ "revision": 1, "decision": "accept_all" }),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let page: Value =
        get(&app, &token, &format!("/api/v1/purchase-orders?cursor={}", cursor.unwrap())).await.json().await.unwrap();
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![po]);
    problem(get(&app, &token, "/api/v1/purchase-orders?cursor=bogus").await, 422).await;

    // The events feed: the acknowledgement is there; Kessler's token does not see it.
    let events: Value = get(&app, &token, "/api/v1/events?limit=200").await.json().await.unwrap();
    assert!(
        events["items"].as_array().unwrap().iter().any(|e| e["type"] == "po.acknowledged" && e["aggregate_id"] == po),
        "{events}"
    );
    let kessler = new_token(&app, KESSLER_ADMIN, &["events:read"]).await;
    let theirs: Value = get(&app, &kessler, "/api/v1/events?limit=200").await.json().await.unwrap();
    assert!(theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["aggregate_id"] != po || e["type"] != "po.acknowledged"));
}

async fn requests_beyond_the_limit_answer_429(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.api.requests_per_minute_per_token = 3).await else { return };
    let token = new_token(&app, NORDHAVN_ADMIN, &["po:read"]).await;
    for _ in 0..3 {
        assert_eq!(get(&app, &token, "/api/v1/purchase-orders").await.status(), 200);
    }
    let limited = get(&app, &token, "/api/v1/purchase-orders").await;
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(limited.headers()["ratelimit-policy"], "\"token\";q=3;w=60");
    assert_eq!(limited.headers()["ratelimit-remaining"], "0");
    problem(limited, 429).await;
    // Another credential has its own budget.
    let other = new_token(&app, NORDHAVN_ADMIN, &["po:read"]).await;
    assert_eq!(get(&app, &other, "/api/v1/purchase-orders").await.status(), 200);
}

on_both_backends!(
    a_supplier_admin_issues_a_token_that_sees_only_its_supplier,
    who_may_issue_what,
    bad_expired_and_revoked_tokens_answer_401,
    every_endpoint_needs_its_scope_and_hides_other_suppliers,
    an_acknowledgement_is_idempotent_per_key,
    malformed_bodies_get_a_problem_naming_the_field,
    oauth_clients_get_short_lived_tokens_within_their_scopes,
    the_feeds_page_with_cursors,
    requests_beyond_the_limit_answer_429,
);

/// The OpenAPI document is generated from the code; this snapshot makes every change to it deliberate.
/// After an intended change: `UPDATE_SNAPSHOTS=1 cargo test -p supplyline --test api openapi`.
#[test]
fn openapi_document_matches_its_snapshot() {
    let document = serde_json::to_value(supplyline::api::docs::document()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for path in
        ["/api/v1/purchase-orders", "/api/v1/purchase-orders/{id}/acknowledgement", "/api/v1/asns", "/oauth/token"]
    {
        assert!(document["paths"].get(path).is_some(), "{path} is documented");
    }
    let text = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        expected == text,
        "the OpenAPI document changed; review and run `UPDATE_SNAPSHOTS=1 cargo test -p supplyline --test api openapi`"
    );
}
