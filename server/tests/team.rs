//! Team administration and one-time account links over HTTP, on SQLite and PostgreSQL, with the
//! e-mails delivered to a real SMTP server: invitations, deactivation, password reset, isolation.

mod common;

use common::smtp::{link_in, SmtpServer};
use common::*;
use supplyline::db::{Executor, Sql};

const NORDHAVN_ADMIN: &str = "anna@nordhavn.example";
const KESSLER_ADMIN: &str = "jonas@kessler-guss.example";
const NEW_PASSWORD: &str = "a long new password 42";

async fn spawn_with_smtp(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let mail = smtp.mail_config();
    TestApp::spawn_with(backend, move |c| c.mail = mail).await
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    app.db.exec().fetch_one::<Id>(Sql::new("SELECT id FROM app_user WHERE email = $1").bind(email)).await.unwrap().id
}

/// The token of the one-time link e-mailed to `to` (the last one).
fn token_from(smtp: &SmtpServer, app: &TestApp, to: &str, path: &str) -> String {
    let mails = smtp.messages_to(to);
    let mail = mails.last().unwrap_or_else(|| panic!("no e-mail to {to}: {:?}", smtp.messages()));
    let link = link_in(&mail.text, &app.config.base_url(), path).unwrap_or_else(|| panic!("no link in {}", mail.text));
    link.rsplit('/').next().unwrap().to_string()
}

async fn set_password(app: &TestApp, path: &str, token: &str, password: &str, confirm: &str) -> reqwest::Response {
    app.client()
        .post(app.url(path))
        .form(&[("token", token), ("password", password), ("confirm", confirm)])
        .send()
        .await
        .unwrap()
}

async fn an_invited_person_chooses_a_password_once_and_signs_in(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let anna = app.signed_in(NORDHAVN_ADMIN).await;
    let body = "input[email]=New.Hire%40Nordhavn.example&input[display_name]=Nils%20Berg&input[role]=supplier_user";
    let res = app.rpc(&anna, "/rpc/invite_member", body.into()).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let mails = smtp.messages_to("new.hire@nordhavn.example");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "You are invited to Supplyline");
    assert!(mails[0].html.contains("Accept the invitation"));
    let token = token_from(&smtp, &app, "new.hire@nordhavn.example", "/invitation/");
    // Only the hash is kept.
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) AS n FROM account_token WHERE token_sha256 = '{token}' AND id > $1"), 0)
            .await,
        0
    );

    let page = app.client().get(app.url(&format!("/invitation/{token}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Nils Berg"));
    // Not signed in yet: the account has no password.
    assert_ne!(location(&app.login(&app.client(), "new.hire@nordhavn.example", "").await), "/pos");

    let mismatch = set_password(&app, "/invitation", &token, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(location(&mismatch), format!("/invitation/{token}"), "back to the form with the error");
    let short = set_password(&app, "/invitation", &token, "short", "short").await;
    assert_eq!(location(&short), format!("/invitation/{token}"));
    let ok = set_password(&app, "/invitation", &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(location(&ok), "/login?password_set=1");

    let client = app.client();
    let signed_in = app.login(&client, "new.hire@nordhavn.example", NEW_PASSWORD).await;
    assert_eq!(location(&signed_in), "/pos");
    let session: serde_json::Value = app.rpc(&client, "/rpc/session", String::new()).await.json().await.unwrap();
    assert_eq!(session["role"], "supplier_user");
    assert_eq!(session["supplier_name"], "Nordhavn Fasteners A/S");

    let again = set_password(&app, "/invitation", &token, "another long password", "another long password").await;
    assert_eq!(location(&again), format!("/invitation/{token}"), "a spent link does not work twice");
    let status: serde_json::Value = app
        .rpc(&app.client(), "/rpc/account_link", format!("token={token}&invitation=true"))
        .await
        .json()
        .await
        .unwrap();
    assert!(status["Invalid"]["reason"].as_str().unwrap().contains("expired or has already been used"));
}

async fn an_expired_invitation_does_not_work(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let buyer = app.signed_in(BUYER).await;
    let team: serde_json::Value = app.rpc(&buyer, "/rpc/team", String::new()).await.json().await.unwrap();
    let kessler =
        team["suppliers"].as_array().unwrap().iter().find(|s| s["name"].as_str().unwrap().contains("Kessler")).unwrap()
            ["id"]
            .clone();
    let body = format!("input[email]=chef%40kessler-guss.example&input[display_name]=Chef&input[role]=supplier_admin&input[supplier_id]={kessler}");
    assert_eq!(app.rpc(&buyer, "/rpc/invite_member", body).await.status(), 200);
    let token = token_from(&smtp, &app, "chef@kessler-guss.example", "/invitation/");
    app.db
        .exec()
        .execute(
            Sql::new("UPDATE account_token SET expires_at = $1")
                .bind(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .await
        .unwrap();
    let res = set_password(&app, "/invitation", &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(location(&res), format!("/invitation/{token}"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM app_user WHERE password_hash IS NULL AND id = $1",
            user_id(&app, "chef@kessler-guss.example").await
        )
        .await,
        1
    );

    // Inviting again renews the invitation with a fresh link.
    let body = format!("input[email]=chef%40kessler-guss.example&input[display_name]=Chef&input[role]=supplier_admin&input[supplier_id]={kessler}");
    assert_eq!(app.rpc(&buyer, "/rpc/invite_member", body).await.status(), 200);
    let fresh = token_from(&smtp, &app, "chef@kessler-guss.example", "/invitation/");
    assert_ne!(fresh, token);
    assert_eq!(
        location(&set_password(&app, "/invitation", &fresh, NEW_PASSWORD, NEW_PASSWORD).await),
        "/login?password_set=1"
    );
}

async fn who_may_administer_whom(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let lars = app.signed_in(NORDHAVN_USER).await;
    assert_eq!(app.rpc(&lars, "/rpc/team", String::new()).await.status(), 403);
    let body = "input[email]=x%40nordhavn.example&input[display_name]=X&input[role]=supplier_user";
    assert_eq!(app.rpc(&lars, "/rpc/invite_member", body.into()).await.status(), 403);

    let anna = app.signed_in(NORDHAVN_ADMIN).await;
    let team: serde_json::Value = app.rpc(&anna, "/rpc/team", String::new()).await.json().await.unwrap();
    let emails: Vec<&str> = team["members"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert!(emails.contains(&NORDHAVN_USER) && !emails.contains(&KESSLER_USER), "{emails:?}");
    // Another supplier's user is not found, whatever the action.
    let petra = user_id(&app, KESSLER_USER).await;
    let res = app.rpc(&anna, "/rpc/set_member_active", format!("input[user_id]={petra}&input[active]=false")).await;
    assert_eq!(res.status(), 404);
    // A supplier admin cannot invite a buyer.
    let body = "input[email]=boss%40nordhavn.example&input[display_name]=Boss&input[role]=buyer";
    assert_eq!(app.rpc(&anna, "/rpc/invite_member", body.into()).await.status(), 422);
    // An address that has an account is refused by name.
    let body = format!(
        "input[email]={}&input[display_name]=Again&input[role]=supplier_user",
        KESSLER_USER.replace('@', "%40")
    );
    let res = app.rpc(&anna, "/rpc/invite_member", body).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already has an account"));
    let me = user_id(&app, NORDHAVN_ADMIN).await;
    let res = app.rpc(&anna, "/rpc/set_member_active", format!("input[user_id]={me}&input[active]=false")).await;
    assert_eq!(res.status(), 422, "nobody locks themselves out");

    // Kessler's admin deactivates Petra: her open session ends at once; reactivated, she signs in again.
    let petra_client = app.signed_in(KESSLER_USER).await;
    let jonas = app.signed_in(KESSLER_ADMIN).await;
    let res = app.rpc(&jonas, "/rpc/set_member_active", format!("input[user_id]={petra}&input[active]=false")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.rpc(&petra_client, "/rpc/purchase_orders", "query[view]=all".into()).await.status(), 401);
    assert_ne!(location(&app.login(&app.client(), KESSLER_USER, PASSWORD).await), "/pos");
    let res = app.rpc(&jonas, "/rpc/set_member_active", format!("input[user_id]={petra}&input[active]=true")).await;
    assert_eq!(res.status(), 200);
    app.signed_in(KESSLER_USER).await;
    assert!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.deactivated' AND entity_id = $1", petra)
            .await
            == 1
    );

    // Buyers administer suppliers' people, not each other.
    let buyer = app.signed_in(BUYER).await;
    let admin_id = user_id(&app, ADMIN).await;
    let res = app.rpc(&buyer, "/rpc/set_member_active", format!("input[user_id]={admin_id}&input[active]=false")).await;
    assert_eq!(res.status(), 404);
}

async fn a_password_reset_reveals_nothing_and_works_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let ask = |email: &'static str| {
        let client = app.client();
        let url = app.url("/forgot-password");
        async move {
            let res = client.post(url.clone()).form(&[("email", email)]).send().await.unwrap();
            let to = location(&res);
            let page = client.get(url.replace("/forgot-password", &to)).send().await.unwrap().text().await.unwrap();
            (to, page)
        }
    };
    let (to_known, known) = ask(NORDHAVN_USER).await;
    let (to_unknown, unknown) = ask("nobody@nordhavn.example").await;
    assert_eq!(to_known, to_unknown);
    let notice = |page: &str, email: &str| page.contains(&format!("If {email} has an account, we have sent it a link"));
    assert!(notice(&known, NORDHAVN_USER) && notice(&unknown, "nobody@nordhavn.example"), "{known}");

    let mails = smtp.wait_for(NORDHAVN_USER, 1).await;
    assert_eq!(mails.len(), 1);
    assert!(smtp.messages_to("nobody@nordhavn.example").is_empty());
    // A second request at once sends no second e-mail.
    ask(NORDHAVN_USER).await;
    let token = token_from(&smtp, &app, NORDHAVN_USER, "/reset-password/");

    let res = set_password(&app, "/reset-password", &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(location(&res), "/login?password_set=1");
    assert_ne!(location(&app.login(&app.client(), NORDHAVN_USER, PASSWORD).await), "/pos", "the old password is gone");
    assert_eq!(location(&app.login(&app.client(), NORDHAVN_USER, NEW_PASSWORD).await), "/pos");
    let again =
        set_password(&app, "/reset-password", &token, "yet another long password", "yet another long password").await;
    assert_eq!(location(&again), format!("/reset-password/{token}"));
    assert_eq!(smtp.messages_to(NORDHAVN_USER).len(), 1);
}

on_both_backends!(
    an_invited_person_chooses_a_password_once_and_signs_in,
    an_expired_invitation_does_not_work,
    who_may_administer_whom,
    a_password_reset_reveals_nothing_and_works_once,
);
