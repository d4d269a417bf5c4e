//! The application over HTTP, on SQLite and on PostgreSQL: sign-in, throttling, CSRF, session
//! renewal, tenancy through pages and server functions, health probes.

mod common;

use common::*;

/// The sign-in page's HTML after following the redirect of a sign-in attempt.
async fn login_page(app: &TestApp, client: &reqwest::Client) -> String {
    client.get(app.url("/login")).send().await.unwrap().text().await.unwrap()
}

/// The page with its per-response CSP nonce blanked, so two responses can be compared.
fn without_nonce(html: &str) -> String {
    let nonce = html.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    assert!(!nonce.is_empty(), "pages carry a nonce");
    html.replace(nonce, "NONCE")
}

async fn sign_in_succeeds_and_renews_the_session_id(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    // A failed attempt leaves a session (carrying the notice): the id a visitor had before.
    let failed = app.login(&client, NORDHAVN_USER, "wrong password!").await;
    let before = session_cookie(&failed).expect("a session cookie after a failed attempt");
    let ok = app.login(&client, NORDHAVN_USER, PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/pos");
    let set_cookie = ok.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let after = session_cookie(&ok).expect("a session cookie after sign-in");
    assert_ne!(before, after, "the session id changes at sign-in");

    let page = client.get(app.url("/pos")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Lars Holm"));

    // The id from before sign-in is worth nothing now.
    let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = stale.get(app.url("/pos")).header("cookie", format!("supplyline_session={before}")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login"));
}

async fn wrong_password_and_unknown_email_get_the_same_answer(backend: Backend) {
    let app = app_or_skip!(backend);
    let mut pages = Vec::new();
    for email in [NORDHAVN_USER, "nobody@nordhavn.example"] {
        let client = app.client();
        let res = app.login(&client, email, "not the password").await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/login");
        let html = login_page(&app, &client).await;
        assert!(html.contains("Incorrect e-mail or password."), "{email}");
        assert!(html.contains(&format!("value=\"{email}\"")), "the e-mail is kept for {email}");
        pages.push(without_nonce(&html).replace(email, "EMAIL"));
    }
    assert_eq!(pages[0], pages[1], "no difference between an unknown e-mail and a wrong password");
}

async fn repeated_failures_lock_the_account_and_say_when_to_retry(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    for _ in 0..3 {
        app.login(&client, KESSLER_USER, "not the password").await;
    }
    // Now even the right password is refused until the lock runs out.
    let res = app.login(&client, KESSLER_USER, PASSWORD).await;
    assert_eq!(location(&res), "/login");
    let html = login_page(&app, &client).await;
    assert!(html.contains("Too many failed sign-in attempts. Try again in 15 minutes."), "{html}");
    let page = client.get(app.url("/pos")).send().await.unwrap();
    assert_eq!(page.status(), 303, "still signed out");
    // Another account is not locked by these failures.
    app.signed_in(NORDHAVN_USER).await;
}

async fn repeated_failures_from_one_address_lock_that_address(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    for i in 0..6 {
        app.login(&client, &format!("guess{i}@example.com"), "not the password").await;
    }
    let res = app.login(&client, BUYER, PASSWORD).await;
    assert_eq!(location(&res), "/login", "the address is locked for every account");
    assert!(login_page(&app, &client).await.contains("Try again in"));
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = app_or_skip!(backend);
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = [("email", BUYER), ("password", PASSWORD)];
    let evil = plain.post(app.url("/login")).header("origin", "https://evil.example").form(&form).send().await.unwrap();
    assert_eq!(evil.status(), 403);
    assert!(evil.text().await.unwrap().contains("CSRF"));
    let fetch_meta =
        plain.post(app.url("/login")).header("sec-fetch-site", "cross-site").form(&form).send().await.unwrap();
    assert_eq!(fetch_meta.status(), 403);

    // A signed-in session: a server function called cross-site, or without any origin, is refused.
    let client = app.client();
    let signed_in = app.login(&client, BUYER, PASSWORD).await;
    let cookie = format!("supplyline_session={}", session_cookie(&signed_in).unwrap());
    let rpc = app.url("/rpc/purchase_orders");
    let body = "query[page]=1";
    let ct = "application/x-www-form-urlencoded";
    let no_origin =
        plain.post(&rpc).header("cookie", &cookie).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(no_origin.status(), 403);
    let cross = plain
        .post(&rpc)
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let logout = plain
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-site")
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 403, "sign-out is state-changing too");
    // The same request from our own origin passes.
    let same = client.post(&rpc).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(same.status(), 200);
}

async fn another_suppliers_po_is_404_as_a_page(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.signed_in(NORDHAVN_USER).await;
    let own = app.first_po_of("NORDFAST").await;
    let foreign = app.first_po_of("KESSLER").await;
    let res = client.get(app.url(&format!("/pos/{own}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("P00001"));
    let res = client.get(app.url(&format!("/pos/{foreign}"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found") && !html.contains("P00002"), "nothing of the foreign PO leaks");
    let missing = client.get(app.url("/pos/999999")).send().await.unwrap();
    assert_eq!(missing.status(), 404, "missing and foreign look the same");
}

async fn another_suppliers_po_is_404_through_the_server_function(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.signed_in(NORDHAVN_USER).await;
    let own = app.first_po_of("NORDFAST").await;
    let foreign = app.first_po_of("KESSLER").await;
    let call = |id: i64| {
        client
            .post(app.url("/rpc/purchase_order"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("id={id}"))
            .send()
    };
    let ok = call(own).await.unwrap();
    assert_eq!(ok.status(), 200);
    let po: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(po["summary"]["number"], "P00001");
    let res = call(foreign).await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.text().await.unwrap(), "\"NotFound\"");
}

async fn the_supplier_list_holds_only_own_pos_and_the_buyer_sees_all(backend: Backend) {
    let app = app_or_skip!(backend);
    let list = |client: reqwest::Client, body: String| {
        let url = app.url("/rpc/purchase_orders");
        async move {
            let res = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let supplier = list(app.signed_in(NORDHAVN_USER).await, "query[page]=1".into()).await;
    assert_eq!(supplier["total"], 2);
    let names: Vec<&str> =
        supplier["items"].as_array().unwrap().iter().map(|p| p["supplier_name"].as_str().unwrap()).collect();
    assert!(names.iter().all(|n| *n == "Nordhavn Fasteners A/S"), "{names:?}");
    // A supplier cannot widen its scope by asking for another supplier.
    let kessler_id = {
        let buyer_view = list(app.signed_in(BUYER).await, "query[page]=1".into()).await;
        assert_eq!(buyer_view["total"], SEEDED_POS as i64);
        buyer_view["items"].as_array().unwrap().iter().find(|p| p["number"] == "P00002").unwrap()["supplier_id"].clone()
    };
    let widened = list(app.signed_in(NORDHAVN_USER).await, format!("query[supplier]={kessler_id}")).await;
    assert_eq!(widened["total"], 2);
    assert!(widened["items"].as_array().unwrap().iter().all(|p| p["supplier_name"] == "Nordhavn Fasteners A/S"));
}

async fn server_functions_without_a_session_answer_401(backend: Backend) {
    let app = app_or_skip!(backend);
    let res = app
        .client()
        .post(app.url("/rpc/purchase_order"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn pages_send_signed_out_visitors_to_sign_in(backend: Backend) {
    let app = app_or_skip!(backend);
    let res = app.client().get(app.url("/pos?state=purchase")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/pos%3Fstate%3Dpurchase");
    let login = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    let signed_in = app.login(&client, BUYER, PASSWORD).await;
    let old = session_cookie(&signed_in).unwrap();
    let res = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?signed_out=1");
    // The server forgot the session: replaying the old cookie value is signed out too.
    let replay = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let after = replay.get(app.url("/pos")).header("cookie", format!("supplyline_session={old}")).send().await.unwrap();
    assert_eq!(after.status(), 303);
    assert!(location(&after).starts_with("/login"));
}

async fn responses_carry_security_headers(backend: Backend) {
    let app = app_or_skip!(backend);
    let res = app.client().get(app.url("/login")).send().await.unwrap();
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
}

async fn a_sign_in_never_redirects_to_another_site(backend: Backend) {
    let app = app_or_skip!(backend);
    for next in ["//evil.example", "/\t/evil.example", "https://evil.example/"] {
        let client = app.client();
        let res = client
            .post(app.url("/login"))
            .form(&[("email", BUYER), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(location(&res), "/pos", "{next:?}");
    }
}

async fn unknown_paths_are_404_pages(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.signed_in(BUYER).await;
    let res = client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

async fn invalid_filters_are_reported_on_the_page(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.signed_in(BUYER).await;
    let res = client.get(app.url("/pos?state=shipped")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Unknown state"));
}

async fn health_probes_answer(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.db.close().await;
    let down = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(down.status(), 503, "readiness follows the database");
}

on_both_backends!(
    sign_in_succeeds_and_renews_the_session_id,
    wrong_password_and_unknown_email_get_the_same_answer,
    repeated_failures_lock_the_account_and_say_when_to_retry,
    repeated_failures_from_one_address_lock_that_address,
    cross_site_posts_are_refused,
    another_suppliers_po_is_404_as_a_page,
    another_suppliers_po_is_404_through_the_server_function,
    the_supplier_list_holds_only_own_pos_and_the_buyer_sees_all,
    server_functions_without_a_session_answer_401,
    pages_send_signed_out_visitors_to_sign_in,
    sign_out_ends_the_session,
    responses_carry_security_headers,
    a_sign_in_never_redirects_to_another_site,
    unknown_paths_are_404_pages,
    invalid_filters_are_reported_on_the_page,
    health_probes_answer,
);
