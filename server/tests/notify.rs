//! Notifications over HTTP on SQLite and PostgreSQL, with e-mail delivered to a real SMTP server:
//! who hears of what, preferences, privacy, re-delivery, the acknowledgement reminder, and an SMTP
//! outage that delays e-mail without losing it.

mod common;

use common::smtp::{link_in, SmtpServer};
use common::*;
use supplyline::db::{Executor, Sql};

const NORDHAVN_ADMIN: &str = "anna@nordhavn.example";

async fn spawn_with_smtp(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let mail = smtp.mail_config();
    TestApp::spawn_with(backend, move |c| c.mail = mail).await
}

/// Lars proposes a new quantity on line 1 of a fresh Nordhavn PO; the buyer rejects it with a comment.
async fn proposal_rejected(app: &TestApp) -> i64 {
    let (po, _, proposal) = po_with_a_proposal(app, "NORDFAST", NORDHAVN_USER, |l| {
        format!("&input[lines][{{i}}][action]=quantity&input[lines][{{i}}][quantity]={}", l.quantity + 3.0)
    })
    .await;
    let buyer = app.signed_in(BUYER).await;
    let body =
        format!("input[proposal_id]={proposal}&input[decision]=reject&input[comment]=We%20need%20the%20full%20lot");
    let res = app.rpc(&buyer, "/rpc/decide_proposal", body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    po
}

async fn po_number(app: &TestApp, po: i64) -> String {
    #[derive(sqlx::FromRow)]
    struct N {
        number: String,
    }
    app.db
        .exec()
        .fetch_one::<N>(Sql::new("SELECT number FROM purchase_order WHERE id = $1").bind(po))
        .await
        .unwrap()
        .number
}

async fn list(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let res = app.rpc(client, "/rpc/notifications", String::new()).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_decision_reaches_the_suppliers_people_in_the_portal_and_by_email(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let po = proposal_rejected(&app).await;
    let number = po_number(&app, po).await;
    assert!(app.notifier().drain().await.unwrap() >= 2, "the acknowledgement and the decision");

    // Both Nordhavn people hear of the decision, with the buyer's comment and a link to the PO.
    let subject = format!("Your proposal on {number} was rejected");
    for person in [NORDHAVN_USER, NORDHAVN_ADMIN] {
        let mails: Vec<_> = smtp.messages_to(person).into_iter().filter(|m| m.subject == subject).collect();
        assert_eq!(mails.len(), 1, "{person}: {:?}", smtp.messages());
        assert!(mails[0].text.contains("Comment: We need the full lot"), "{}", mails[0].text);
        let link = link_in(&mails[0].text, &app.config.base_url(), &format!("/pos/{po}"));
        assert_eq!(link.as_deref(), Some(format!("{}/pos/{po}", app.config.base_url()).as_str()));
        assert!(mails[0].html.contains(&format!("href=\"{}/pos/{po}\"", app.config.base_url())), "{}", mails[0].html);
    }
    // The buyer hears of the proposal; nobody at another supplier hears anything.
    let buyer_mail = smtp.messages_to(BUYER);
    assert!(buyer_mail.iter().any(|m| m.subject.contains("proposed changes to") && m.subject.contains(&number)));
    assert!(smtp.messages_to(KESSLER_USER).is_empty());

    let lars = app.signed_in(NORDHAVN_USER).await;
    let mine = list(&app, &lars).await;
    assert_eq!(mine["unread"], 1);
    assert_eq!(mine["items"][0]["title"], subject);
    assert_eq!(mine["items"][0]["link"], format!("/pos/{po}"));
    let petra = app.signed_in(KESSLER_USER).await;
    assert_eq!(list(&app, &petra).await["items"].as_array().unwrap().len(), 0);
}

async fn with_email_off_the_notification_stays_in_the_portal(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let lars = app.signed_in(NORDHAVN_USER).await;
    // Only new POs by e-mail; decisions stay in the portal.
    let res = app
        .rpc(&lars, "/rpc/save_notification_preferences", "input[form]=preferences&input[email][0]=new_po".into())
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let prefs: serde_json::Value =
        app.rpc(&lars, "/rpc/notification_preferences", String::new()).await.json().await.unwrap();
    let decided = prefs.as_array().unwrap().iter().find(|p| p["topic"] == "proposal_decided").unwrap();
    assert_eq!(decided["email"], false);

    proposal_rejected(&app).await;
    app.notifier().drain().await.unwrap();
    assert!(smtp.messages_to(NORDHAVN_USER).is_empty(), "{:?}", smtp.messages_to(NORDHAVN_USER));
    assert_eq!(smtp.messages_to(NORDHAVN_ADMIN).len(), 1, "Anna kept the default");
    assert_eq!(list(&app, &lars).await["unread"], 1);

    let other_side = app
        .rpc(&lars, "/rpc/save_notification_preferences", "input[form]=preferences&input[email][0]=asn_received".into())
        .await;
    assert_eq!(other_side.status(), 422, "a supplier cannot subscribe to the buyers' topics");
}

async fn a_notification_is_its_owners_alone(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    proposal_rejected(&app).await;
    app.notifier().drain().await.unwrap();
    let lars = app.signed_in(NORDHAVN_USER).await;
    let id = list(&app, &lars).await["items"][0]["id"].as_i64().unwrap();

    let petra = app.signed_in(KESSLER_USER).await;
    let res = app.rpc(&petra, "/rpc/mark_notifications_read", format!("id={id}")).await;
    assert_eq!(res.status(), 404, "someone else's notification is not found");
    assert_eq!(list(&app, &lars).await["unread"], 1);

    let res = app.rpc(&lars, "/rpc/mark_notifications_read", format!("id={id}")).await;
    assert_eq!(res.status(), 200);
    let after = list(&app, &lars).await;
    assert_eq!(after["unread"], 0);
    assert_eq!(after["items"][0]["read"], true);
    let count: i64 = app.rpc(&lars, "/rpc/unread_notifications", String::new()).await.json().await.unwrap();
    assert_eq!(count, 0);

    // The buyer's own list is cleared in one go.
    let buyer = app.signed_in(BUYER).await;
    assert!(list(&app, &buyer).await["unread"].as_i64().unwrap() >= 1);
    assert_eq!(app.rpc(&buyer, "/rpc/mark_notifications_read", String::new()).await.status(), 200);
    assert_eq!(list(&app, &buyer).await["unread"], 0);
}

async fn a_redelivered_event_notifies_nobody_twice(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    proposal_rejected(&app).await;
    app.notifier().drain().await.unwrap();
    let before = smtp.messages().len();
    // As if the notifier died after sending but before completing its rows: they are delivered again.
    app.db
        .exec()
        .execute(Sql::new("UPDATE outbox SET status = 'pending', locked_until = NULL, lease_owner = NULL WHERE destination = 'notify'"))
        .await
        .unwrap();
    assert!(app.notifier().drain().await.unwrap() >= 2);
    assert_eq!(smtp.messages().len(), before, "no e-mail twice");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM notification n JOIN app_user u ON u.id = n.user_id WHERE u.email = 'lars@nordhavn.example' AND n.id >= $1", 0).await,
        1
    );
}

async fn mail_that_cannot_go_out_waits_and_goes_out_later(backend: Backend) {
    // Nothing listens on this port yet: the notifier cannot reach a mail server.
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.mail = supplyline::mail::MailConfig {
            transport: supplyline::mail::TransportKind::Smtp,
            smtp_host: "127.0.0.1".into(),
            smtp_port,
            smtp_tls: supplyline::mail::SmtpTls::None,
            smtp_timeout_secs: 2,
            ..Default::default()
        }
    })
    .await
    else {
        return;
    };
    proposal_rejected(&app).await;
    app.notifier().drain().await.unwrap();
    let waiting = "SELECT COUNT(*) AS n FROM outbox WHERE destination = 'notify' AND status = 'pending'
                     AND last_error_kind = 'mail' AND attempts >= $1";
    assert!(app.count(waiting, 1).await >= 1, "the failed delivery waits for a retry");
    let lars = app.signed_in(NORDHAVN_USER).await;
    assert_eq!(list(&app, &lars).await["unread"], 1, "the in-app notification does not wait for mail");

    // The mail server comes back; the retry falls due.
    let smtp = SmtpServer::start();
    app.db.exec().execute(Sql::new("UPDATE outbox SET next_attempt_at = $1").bind(chrono::Utc::now())).await.unwrap();
    let mailer = supplyline::mail::Mailer::from_config(&smtp.mail_config()).unwrap();
    let notifier = supplyline::startup::notifier(&app.db, std::sync::Arc::new(mailer), &app.config);
    notifier.drain().await.unwrap();
    assert_eq!(smtp.messages_to(NORDHAVN_USER).len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM outbox WHERE destination = 'notify' AND status <> 'done' AND id > $1", 0)
            .await,
        0
    );
}

async fn the_supplier_is_reminded_once_before_the_acknowledgement_is_due(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = spawn_with_smtp(backend, &smtp).await else { return };
    let po = app.fresh_confirmed_po("NORDFAST").await;
    let number = po_number(&app, po).await;
    // Nordhavn's SLA runs out in 3 hours: inside the 4-hour reminder window.
    let received = chrono::Utc::now() - chrono::Duration::hours(21);
    app.db.exec().execute(Sql::new("UPDATE supplier SET ack_sla_hours = 24 WHERE code = 'NORDFAST'")).await.unwrap();
    app.db
        .exec()
        .execute(Sql::new("UPDATE purchase_order SET received_at = $1 WHERE id = $2").bind(received).bind(po))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let queued = supplyline::notify::reminder::queue_due(&app.db, 4, now).await.unwrap();
    assert!(queued >= 1);
    assert_eq!(supplyline::notify::reminder::queue_due(&app.db, 4, now).await.unwrap(), 0, "once");
    app.notifier().drain().await.unwrap();
    let reminders: Vec<_> = smtp
        .messages_to(NORDHAVN_USER)
        .into_iter()
        .filter(|m| m.subject == format!("Acknowledge {number} soon"))
        .collect();
    assert_eq!(reminders.len(), 1, "{:?}", smtp.messages_to(NORDHAVN_USER));
    assert!(reminders[0].text.contains("due for acknowledgement by"), "{}", reminders[0].text);
}

on_both_backends!(
    a_decision_reaches_the_suppliers_people_in_the_portal_and_by_email,
    with_email_off_the_notification_stays_in_the_portal,
    a_notification_is_its_owners_alone,
    a_redelivered_event_notifies_nobody_twice,
    mail_that_cannot_go_out_waits_and_goes_out_later,
    the_supplier_is_reminded_once_before_the_acknowledgement_is_due,
);
