//! Single sign-on through a real OpenID Connect provider (`end2end/oidc/provider.mjs`, the npm
//! package `oidc-provider`), on SQLite and PostgreSQL: the whole authorization code flow with PKCE,
//! driven like a browser through the provider's login and consent pages.
//!
//! Needs Node and `node_modules/oidc-provider` at the repository root (`npm ci`).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use common::*;
use supplyline::auth::sso::{Provision, SsoConfig};
use supplyline::secret::Secret;

const CLIENT_ID: &str = "supplyline-test";
const CLIENT_SECRET: &str = "a-test-client-secret";

/// The provider's accounts: login name → claims.
fn accounts() -> serde_json::Value {
    serde_json::json!({
        "maria": { "email": BUYER.to_uppercase(), "email_verified": true, "name": "Maria" },
        "ops": { "email": ADMIN, "email_verified": true },
        "newbie": { "email": "newbie@brightwell.example", "email_verified": true, "name": "New Buyer" },
        "unverified": { "email": BUYER, "email_verified": false },
        "lars": { "email": NORDHAVN_USER, "email_verified": true },
    })
}

/// A running `oidc-provider`; killed when dropped.
struct OidcProvider {
    issuer: String,
    _child: tokio::process::Child,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("server/ lives in the repository").to_path_buf()
}

async fn start_provider() -> OidcProvider {
    let root = repo_root();
    assert!(
        root.join("node_modules/oidc-provider/package.json").exists(),
        "node_modules/oidc-provider is missing under {}: run `npm ci` at the repository root first",
        root.display()
    );
    let mut child = tokio::process::Command::new("node")
        .arg("end2end/oidc/provider.mjs")
        .arg("0")
        .current_dir(&root)
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_REDIRECT_URIS", "http://127.0.0.1/auth/sso/callback")
        .env("OIDC_ACCOUNTS", accounts().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (the SSO tests need Node.js)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let issuer = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(issuer) = line.strip_prefix("oidc-provider ready ") {
                return issuer.trim().to_string();
            }
        }
        panic!("oidc-provider exited before it was ready");
    })
    .await
    .expect("oidc-provider starts within 30 s");
    // Keep reading its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    OidcProvider { issuer, _child: child }
}

/// The app with SSO against `provider`. The port is chosen first: the provider must send the
/// browser back to where the app listens.
async fn app_with_sso(backend: Backend, provider: &OidcProvider, provision: Provision) -> Option<TestApp> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let issuer = provider.issuer.clone();
    TestApp::spawn_with(backend, move |c| {
        c.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        c.sso = SsoConfig {
            enabled: true,
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            display_name: "Brightwell ID".into(),
            provision,
            ..SsoConfig::default()
        };
    })
    .await
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + "action=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

/// Starts SSO at the app, signs in at the provider as `login` (and consents), and answers the app's
/// response to the provider's redirect back (the callback).
async fn sign_in_through_provider(app: &TestApp, client: &reqwest::Client, login: &str) -> reqwest::Response {
    let mut res = client.get(app.url("/auth/sso")).send().await.unwrap();
    assert_eq!(res.status(), 303, "/auth/sso redirects to the provider");
    let callback = app.url("/auth/sso/callback");
    for _ in 0..20 {
        let here = res.url().clone();
        if res.status().is_redirection() {
            let to = here.join(&location(&res)).unwrap();
            if to.as_str().starts_with(&callback) {
                return client.get(to).send().await.unwrap();
            }
            res = client.get(to).send().await.unwrap();
            continue;
        }
        let status = res.status();
        let html = res.text().await.unwrap();
        assert_eq!(status, 200, "the provider answers a page: {html}");
        let action = here.join(&form_action(&html).expect("the provider's page has a form")).unwrap();
        let form: Vec<(&str, &str)> = if html.contains(r#"name="prompt" value="login""#) {
            vec![("prompt", "login"), ("login", login), ("password", "any")]
        } else if html.contains(r#"name="prompt" value="consent""#) {
            vec![("prompt", "consent")]
        } else {
            panic!("an unexpected page at the provider: {html}");
        };
        res = client.post(action).form(&form).send().await.unwrap();
    }
    panic!("the sign-in did not come back to the app");
}

/// The notice the sign-in page shows (its `login-error` paragraph), if any.
async fn login_error(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let Some(at) = html.find(r#"data-testid="login-error""#) else { return String::new() };
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find("</p>").unwrap() + start;
    html[start..end].replace("&#x27;", "'").replace("&quot;", "\"")
}

async fn is_signed_in_as_buyer(app: &TestApp, client: &reqwest::Client) -> bool {
    app.rpc(client, "/rpc/exception_queue", String::new()).await.status() == 200
}

async fn a_buyer_signs_in_through_the_provider(backend: Backend) {
    let provider = start_provider().await;
    let Some(app) = app_with_sso(backend, &provider, Provision::None).await else { return };
    let client = app.client();

    // The sign-in page offers it as a plain link.
    let html = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"href="/auth/sso""#) && html.contains("Sign in with Brightwell ID"), "{html}");
    assert!(!is_signed_in_as_buyer(&app, &client).await);

    // The provider answers Maria's address in capitals: matched regardless of case.
    let res = sign_in_through_provider(&app, &client, "maria").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/pos");
    assert!(is_signed_in_as_buyer(&app, &client).await, "the session is Maria's, a buyer");
    let audited = "SELECT COUNT(*) AS n FROM audit_log a JOIN app_user u ON u.id = a.user_id
                    WHERE a.action = 'session.login' AND a.detail LIKE '%sso%' AND u.id = $1";
    let maria = app.count("SELECT id AS n FROM app_user WHERE email = 'maria@brightwell.example' AND id > $1", 0).await;
    assert_eq!(app.count(audited, maria).await, 1, "the sign-in is audited with method sso");

    // An admin signs in the same way.
    let admin = app.client();
    let res = sign_in_through_provider(&app, &admin, "ops").await;
    assert_eq!(location(&res), "/pos");
    assert_eq!(app.rpc(&admin, "/rpc/exception_queue", String::new()).await.status(), 200);
}

async fn who_may_not_sign_in_is_told_why(backend: Backend) {
    let provider = start_provider().await;
    let Some(app) = app_with_sso(backend, &provider, Provision::None).await else { return };

    // Unknown e-mail without provisioning.
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "newbie").await;
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client)
        .await
        .contains("No Supplyline account has the address newbie@brightwell.example"));
    assert!(!is_signed_in_as_buyer(&app, &client).await);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM app_user WHERE email = 'newbie@brightwell.example' AND id > $1", 0).await,
        0
    );

    // An e-mail the provider has not verified.
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "unverified").await;
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("has not verified your e-mail address"));
    assert!(!is_signed_in_as_buyer(&app, &client).await);

    // A supplier's user: never by SSO.
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "lars").await;
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("Supplier accounts sign in with their e-mail and password"));
    assert_eq!(client.get(app.url("/pos")).send().await.unwrap().status(), 303, "not signed in");

    // A deactivated buyer.
    use supplyline::db::{Executor, Sql};
    app.db.exec().execute(Sql::new("UPDATE app_user SET active = FALSE WHERE email = $1").bind(ADMIN)).await.unwrap();
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "ops").await;
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("deactivated"));
}

async fn an_unknown_verified_email_becomes_a_buyer_when_provisioning_is_on(backend: Backend) {
    let provider = start_provider().await;
    let Some(app) = app_with_sso(backend, &provider, Provision::Buyer).await else { return };
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "newbie").await;
    assert_eq!(location(&res), "/pos");
    assert!(is_signed_in_as_buyer(&app, &client).await);
    let new_buyer = "SELECT COUNT(*) AS n FROM app_user
                      WHERE email = 'newbie@brightwell.example' AND role = 'buyer' AND supplier_id IS NULL
                        AND display_name = 'New Buyer' AND active = TRUE AND id > $1";
    assert_eq!(app.count(new_buyer, 0).await, 1);

    // Provisioning never turns a supplier's user into anything.
    let client = app.client();
    let res = sign_in_through_provider(&app, &client, "lars").await;
    assert_eq!(location(&res), "/login");
}

async fn a_tampered_or_missing_state_is_refused(backend: Backend) {
    let provider = start_provider().await;
    let Some(app) = app_with_sso(backend, &provider, Provision::Buyer).await else { return };

    // A callback nobody started.
    let client = app.client();
    let res = client.get(app.url("/auth/sso/callback?code=abc&state=xyz")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("was not started here or has expired"));

    // A started sign-in whose answer carries another state: refused, and the flow is spent.
    let client = app.client();
    let res = client.get(app.url("/auth/sso")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let to_provider = reqwest::Url::parse(&location(&res)).unwrap();
    let query: std::collections::HashMap<_, _> = to_provider.query_pairs().into_owned().collect();
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert_eq!(query.get("scope").map(String::as_str), Some("openid email profile"));
    assert!(query.contains_key("nonce") && query.contains_key("state"));
    let res = client.get(app.url("/auth/sso/callback?code=abc&state=not-the-state")).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("does not belong to this sign-in"));
    assert!(!is_signed_in_as_buyer(&app, &client).await);

    // The real flow, whose code arrives with a tampered state: refused; nothing provisioned.
    let client = app.client();
    let mut res = client.get(app.url("/auth/sso")).send().await.unwrap();
    let callback = app.url("/auth/sso/callback");
    let back = loop {
        let here = res.url().clone();
        if res.status().is_redirection() {
            let to = here.join(&location(&res)).unwrap();
            if to.as_str().starts_with(&callback) {
                break to;
            }
            res = client.get(to).send().await.unwrap();
            continue;
        }
        let html = res.text().await.unwrap();
        let action = here.join(&form_action(&html).unwrap()).unwrap();
        let form: Vec<(&str, &str)> = if html.contains(r#"value="login""#) {
            vec![("prompt", "login"), ("login", "newbie"), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        res = client.post(action).form(&form).send().await.unwrap();
    };
    let mut tampered = back.clone();
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .map(|(k, v)| if k == "state" { (k.into_owned(), format!("{v}x")) } else { (k.into_owned(), v.into_owned()) })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    let res = client.get(tampered).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("does not belong to this sign-in"));
    assert!(!is_signed_in_as_buyer(&app, &client).await);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM app_user WHERE email = 'newbie@brightwell.example' AND id > $1", 0).await,
        0
    );
}

async fn without_sso_the_login_page_offers_none_and_the_routes_refuse(backend: Backend) {
    let app = app_or_skip!(backend);
    let client = app.client();
    let html = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("/auth/sso"));
    let res = client.get(app.url("/auth/sso")).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    assert!(login_error(&app, &client).await.contains("Single sign-on is not available"));
}

on_both_backends!(
    a_buyer_signs_in_through_the_provider,
    who_may_not_sign_in_is_told_why,
    an_unknown_verified_email_becomes_a_buyer_when_provisioning_is_on,
    a_tampered_or_missing_state_is_refused,
    without_sso_the_login_page_offers_none_and_the_routes_refuse,
);
