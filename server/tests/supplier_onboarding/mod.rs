//! Supplier onboarding (issue 11), part of the `sync` test binary (no binary of its own): Odoo's
//! vendors become suppliers against the simulator on Odoo 17 and 19, on SQLite and PostgreSQL; the
//! `supplyline supplier` command itself; the `/suppliers` page and its first-admin invitation.

use std::process::Stdio;
use std::time::Duration;

use odoo_sim::{OdooVersion, SimConfig, Simulator};
use serde_json::{json, Value};
use supplyline::db::{Executor, Sql};
use supplyline::domain::supplier::{self, ImportLine, ImportOutcome, NewSupplier, SupplierError, Upserted};
use supplyline::odoo::{Endpoint, OdooClient};
use supplyline::secret::Secret;
use supplyline::sync::connection;
use tokio::io::AsyncWriteExt;

use crate::common::*;
use crate::{app_or_skip, on_both_backends};

const CONNECTION: &str = "odoo";

/// An Odoo with vendors of every kind, registered in the portal as connection "odoo".
struct Odoo {
    sim: Simulator,
    connection_id: i64,
    admin: OdooClient,
    v: Vendors,
}

/// `res.partner` ids. The five vendors come first (in this order); the rest must never be imported.
struct Vendors {
    /// "ACME Components", no ref: code "ACME".
    acme: i64,
    /// "ACME Castings", no ref: "ACME" is taken, so "ACME-2".
    acme_castings: i64,
    /// "Borealis Bearings", ref "bor-01": code "BOR-01".
    borealis: i64,
    /// "Nordic Steel", ref "NORDFAST": another Odoo's vendor has that code, so "NORDIC".
    nordic: i64,
    /// "Müller Stahl", ref "Müller 7" (not a code): "MULLER".
    muller: i64,
    /// A company that is no vendor (supplier rank 0).
    customer: i64,
    /// A person with a supplier rank: not a company.
    person: i64,
    /// A contact of ACME (not a company).
    contact: i64,
}

fn vendor(sim: &Simulator, name: &str, reference: &str) -> i64 {
    sim.create_record("res.partner", json!({"name": name, "ref": reference, "is_company": true, "supplier_rank": 1}))
        .unwrap()
}

async fn odoo(app: &TestApp, version: OdooVersion) -> Odoo {
    let sim = Simulator::new(SimConfig { version, database: "brightwell".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let acme = sim.create_vendor("ACME Components", Some("Sales@ACME.example"));
    let v = Vendors {
        acme,
        acme_castings: sim.create_vendor("ACME Castings", None),
        borealis: vendor(&sim, "Borealis Bearings", "bor-01"),
        nordic: vendor(&sim, "Nordic Steel", "NORDFAST"),
        muller: vendor(&sim, "Müller Stahl", "Müller 7"),
        customer: sim.create_record("res.partner", json!({"name": "Brightwell Customer", "is_company": true})).unwrap(),
        person: sim.create_record("res.partner", json!({"name": "Fred Freelance", "supplier_rank": 2})).unwrap(),
        contact: sim
            .create_record("res.partner", json!({"name": "Olga Orders", "parent_id": acme, "supplier_rank": 1}))
            .unwrap(),
    };
    let base_url = format!("http://{addr}");
    let (connection_id, _) = connection::create_connection(&app.db, CONNECTION, &base_url, "brightwell").await.unwrap();
    let admin = OdooClient::connect(
        supplyline::odoo::client::http_client(Duration::from_secs(5)),
        &Endpoint { base_url, database: "brightwell".into() },
        "admin",
        Secret::new(sim.admin_key()),
        false,
    )
    .await
    .unwrap();
    Odoo { sim, connection_id, admin, v }
}

impl Odoo {
    /// Reads the vendors (two per page, so paging is exercised) and imports them.
    async fn import(&self, app: &TestApp, domain: &Value, dry_run: bool) -> Vec<ImportLine> {
        let vendors = supplier::read_vendors(&self.admin, domain, 2).await.expect("Odoo answers");
        supplier::import(&app.db, self.connection_id, &vendors, dry_run).await.expect("the import runs")
    }
}

fn line_of(lines: &[ImportLine], partner: i64) -> &ImportLine {
    lines.iter().find(|l| l.vendor.partner_id == partner).unwrap_or_else(|| panic!("no line for partner {partner}"))
}

fn done(line: &ImportLine) -> &Upserted {
    match &line.outcome {
        ImportOutcome::Done(done) => done,
        other => panic!("{other:?}"),
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    code: String,
    name: String,
    email: Option<String>,
    odoo_partner_id: Option<i64>,
}

async fn suppliers_of(app: &TestApp, connection_id: i64) -> Vec<Row> {
    let sql = "SELECT code, name, email, odoo_partner_id FROM supplier WHERE odoo_connection_id = $1 ORDER BY odoo_partner_id";
    app.db.exec().fetch_all(Sql::new(sql).bind(connection_id)).await.unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    #[derive(sqlx::FromRow)]
    struct N {
        n: i64,
    }
    let sql = "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1 AND entity_type = 'supplier'";
    app.db.exec().fetch_one::<N>(Sql::new(sql).bind(action)).await.unwrap().n
}

async fn all_suppliers(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM supplier WHERE id > $1", 0).await
}

async fn odoos_vendors_become_suppliers_and_a_second_import_changes_nothing(backend: Backend) {
    for version in [OdooVersion::V17, OdooVersion::V19] {
        let app = app_or_skip!(backend);
        let odoo = odoo(&app, version).await;
        let v = &odoo.v;
        let before = all_suppliers(&app).await;
        let lines = odoo.import(&app, &supplier::default_vendor_domain(), false).await;
        let mut seen: Vec<i64> = lines.iter().map(|l| l.vendor.partner_id).collect();
        seen.sort();
        assert_eq!(seen, vec![v.acme, v.acme_castings, v.borealis, v.nordic, v.muller], "{version:?}: only vendors");
        for (partner, code) in [
            (v.acme, "ACME"),
            (v.acme_castings, "ACME-2"),
            (v.borealis, "BOR-01"),
            (v.nordic, "NORDIC"),
            (v.muller, "MULLER"),
        ] {
            let outcome = done(line_of(&lines, partner));
            assert!(matches!(outcome, Upserted::Created { .. }), "{version:?} {code}: {outcome:?}");
            assert_eq!(outcome.code(), code, "{version:?}");
        }
        let note = |partner| match done(line_of(&lines, partner)) {
            Upserted::Created { code_note, .. } => code_note.clone().unwrap_or_default(),
            other => panic!("{other:?}"),
        };
        assert_eq!(note(v.borealis), "", "the code is Odoo's ref");
        assert!(note(v.acme).contains("no ref in Odoo"), "{}", note(v.acme));
        assert!(note(v.nordic).contains("\"NORDFAST\" is another Odoo vendor's supplier"), "{}", note(v.nordic));
        assert!(note(v.muller).contains("not a valid code"), "{}", note(v.muller));
        let rows = suppliers_of(&app, odoo.connection_id).await;
        assert_eq!(rows.len(), 5, "{rows:?}");
        let acme = rows.iter().find(|r| r.code == "ACME").unwrap();
        assert_eq!(
            (acme.name.as_str(), acme.email.as_deref(), acme.odoo_partner_id),
            ("ACME Components", Some("sales@acme.example"), Some(v.acme))
        );
        for never in [v.customer, v.person, v.contact] {
            assert!(rows.iter().all(|r| r.odoo_partner_id != Some(never)), "partner {never} is no vendor");
        }
        assert_eq!(audited(&app, "supplier.created").await, 5);
        assert_eq!(all_suppliers(&app).await, before + 5);

        let again = odoo.import(&app, &supplier::default_vendor_domain(), false).await;
        assert_eq!(again.len(), 5);
        assert!(
            again.iter().all(|l| matches!(l.outcome, ImportOutcome::Done(Upserted::Unchanged { .. }))),
            "{again:?}"
        );
        assert_eq!(all_suppliers(&app).await, before + 5, "no duplicates");
        assert_eq!((audited(&app, "supplier.created").await, audited(&app, "supplier.updated").await), (5, 0));

        // Renamed in Odoo, with a new address and even a new ref: the name and address follow, the code stays.
        odoo.sim
            .write_record(
                "res.partner",
                &[v.acme],
                json!({"name": "ACME Components GmbH", "email": "orders@acme.example", "ref": "ACME-NEW"}),
            )
            .unwrap();
        let renamed = odoo.import(&app, &supplier::default_vendor_domain(), false).await;
        match done(line_of(&renamed, v.acme)) {
            Upserted::Updated { code, changes, .. } => {
                assert_eq!(code, "ACME");
                assert_eq!(
                    changes,
                    &vec![
                        "name \"ACME Components\" → \"ACME Components GmbH\"".to_string(),
                        "e-mail \"sales@acme.example\" → \"orders@acme.example\"".to_string(),
                    ]
                );
            }
            other => panic!("{version:?}: {other:?}"),
        }
        let unchanged = renamed.iter().filter(|l| matches!(l.outcome, ImportOutcome::Done(Upserted::Unchanged { .. })));
        assert_eq!(unchanged.count(), 4);
        let rows = suppliers_of(&app, odoo.connection_id).await;
        let acme = rows.iter().find(|r| r.odoo_partner_id == Some(v.acme)).unwrap();
        assert_eq!((acme.code.as_str(), acme.name.as_str()), ("ACME", "ACME Components GmbH"));
        assert_eq!(audited(&app, "supplier.updated").await, 1);
        assert_eq!(all_suppliers(&app).await, before + 5);
    }
}

async fn a_domain_restricts_the_import_and_a_dry_run_changes_nothing(backend: Backend) {
    let app = app_or_skip!(backend);
    let odoo = odoo(&app, OdooVersion::V19).await;
    let domain = supplier::parse_domain(r#"[["supplier_rank", ">", 0], ["name", "ilike", "acme"]]"#).unwrap();
    let before = all_suppliers(&app).await;
    let planned = odoo.import(&app, &domain, true).await;
    let codes: Vec<(i64, &str)> = planned.iter().map(|l| (l.vendor.partner_id, done(l).code())).collect();
    assert_eq!(codes, vec![(odoo.v.acme, "ACME"), (odoo.v.acme_castings, "ACME-2")], "only what the domain selects");
    assert!(planned.iter().all(|l| matches!(l.outcome, ImportOutcome::Done(Upserted::Created { .. }))));
    assert_eq!(all_suppliers(&app).await, before, "a dry run writes nothing");
    assert_eq!(audited(&app, "supplier.created").await, 0, "nor an audit entry");

    let imported = odoo.import(&app, &domain, false).await;
    let codes: Vec<&str> = imported.iter().map(|l| done(l).code()).collect();
    assert_eq!(codes, vec!["ACME", "ACME-2"], "the dry run said what the run does");
    assert_eq!(all_suppliers(&app).await, before + 2);
    // Odoo's prefix operators work too; a person is a person whatever the domain says about the name.
    let either = supplier::parse_domain(
        r#"[["is_company", "=", true], "|", ["ref", "=", "bor-01"], ["name", "=", "Fred Freelance"]]"#,
    )
    .unwrap();
    let lines = odoo.import(&app, &either, false).await;
    assert_eq!(lines.iter().map(|l| l.vendor.partner_id).collect::<Vec<_>>(), vec![odoo.v.borealis]);
    assert_eq!(done(&lines[0]).code(), "BOR-01");
}

async fn a_supplier_added_by_hand_is_linked_by_its_code_and_codes_never_change(backend: Backend) {
    let app = app_or_skip!(backend);
    let odoo = odoo(&app, OdooVersion::V19).await;
    let by_hand = |code: &'static str, name: &'static str, odoo_link: Option<(i64, i64)>| NewSupplier {
        code,
        name,
        email: None,
        odoo: odoo_link,
    };
    let created = supplier::add(&app.db, by_hand("BOR-01", "Borealis (typed in)", None)).await.unwrap();
    assert!(matches!(created, Upserted::Created { .. }), "{created:?}");
    let again = supplier::add(&app.db, by_hand("BOR-01", "Borealis (typed in)", None)).await.unwrap();
    assert!(matches!(again, Upserted::Unchanged { .. }), "{again:?}");

    let lines = odoo.import(&app, &supplier::default_vendor_domain(), false).await;
    match done(line_of(&lines, odoo.v.borealis)) {
        Upserted::Updated { code, changes, .. } => {
            assert_eq!(code, "BOR-01");
            assert!(changes.contains(&format!("linked to Odoo partner {}", odoo.v.borealis)), "{changes:?}");
            assert!(changes.iter().any(|c| c.contains("→ \"Borealis Bearings\"")), "{changes:?}");
        }
        other => panic!("{other:?}"),
    }
    let rows = suppliers_of(&app, odoo.connection_id).await;
    assert_eq!(rows.iter().filter(|r| r.code.starts_with("BOR")).count(), 1, "linked, not duplicated: {rows:?}");

    let link = Some((odoo.connection_id, odoo.v.borealis));
    let renamed = supplier::add(&app.db, by_hand("BOREALIS", "Borealis", link)).await.unwrap_err();
    assert!(matches!(renamed, SupplierError::Conflict(_)), "{renamed:?}");
    let message = renamed.to_string();
    assert!(message.contains("is already supplier BOR-01") && message.contains("never changes"), "{message}");
    // A code already linked to a vendor of another Odoo is not this vendor's (nor is a code taken over).
    let taken = supplier::add(&app.db, by_hand("NORDFAST", "Customer", Some((odoo.connection_id, odoo.v.customer))))
        .await
        .unwrap_err()
        .to_string();
    assert!(taken.contains("supplier NORDFAST is linked to Odoo partner 10 on Brightwell Odoo (simulator)"), "{taken}");
    // By its code, without a link: the name and address change, the link stays.
    let email = supplier::add(
        &app.db,
        NewSupplier { code: "BOR-01", name: "Borealis Bearings", email: Some("Desk@Borealis.example"), odoo: None },
    )
    .await
    .unwrap();
    assert_eq!(
        email,
        Upserted::Updated {
            id: match email {
                Upserted::Updated { id, .. } => id,
                _ => 0,
            },
            code: "BOR-01".into(),
            changes: vec!["e-mail none → \"desk@borealis.example\"".into()],
        }
    );
    let rows = suppliers_of(&app, odoo.connection_id).await;
    let borealis = rows.iter().find(|r| r.code == "BOR-01").unwrap();
    assert_eq!(borealis.odoo_partner_id, Some(odoo.v.borealis));
}

/// `supplyline …` as an operator runs it, on the app's database; stdin as given. (success, stdout, stderr)
async fn supplyline(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    supplyline_with(app, args, stdin, &[]).await
}

/// [`supplyline`] with extra environment variables.
async fn supplyline_with(app: &TestApp, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_supplyline"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("SUPPLYLINE_") || n == "RUST_LOG") {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command
        .args(args)
        .env("DATABASE_URL", &app.config.database_url)
        .env("SUPPLYLINE_LOG_LEVEL", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the supplyline binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

async fn the_supplier_command_checks_its_input_imports_and_lists(backend: Backend) {
    let app = app_or_skip!(backend);
    let odoo = odoo(&app, OdooVersion::V19).await;
    let key = format!("{}\n", odoo.sim.admin_key());

    let (ok, _, err) =
        supplyline(&app, &["supplier", "add", "--code", "acme", "--name", " ", "--email", "nope"], "").await;
    assert!(!ok);
    assert!(err.contains("supplier code \"acme\" has lower-case letters"), "{err}");
    assert!(err.contains("the supplier's name is empty"), "every problem at once: {err}");
    assert!(err.contains("--email: \"nope\" is not a valid e-mail address"), "{err}");
    let (ok, _, err) =
        supplyline(&app, &["supplier", "add", "--code", "AC ME", "--name", "ACME", "--partner-id", "3"], "").await;
    assert!(!ok && err.contains("--connection"), "a partner id needs its connection: {err}");
    let (ok, _, err) = supplyline(
        &app,
        &["supplier", "add", "--code", "ACME", "--name", "ACME", "--connection", "nope", "--partner-id", "3"],
        "",
    )
    .await;
    assert!(!ok && err.contains("no connection named \"nope\""), "{err}");
    let add =
        ["supplier", "add", "--code", "BOR-01", "--name", "Borealis Bearings", "--email", "orders@borealis.example"];
    let (ok, out, err) = supplyline(&app, &add, "").await;
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "created supplier BOR-01: Borealis Bearings");
    let (ok, out, _) = supplyline(&app, &add, "").await;
    assert!(ok && out.contains("supplier BOR-01 is up to date"), "{out}");

    let import = ["supplier", "import", "--connection", CONNECTION, "--dry-run"];
    let (ok, _, err) = supplyline(&app, &import, "not a key").await;
    assert!(!ok && err.contains("40 hexadecimal characters"), "{err}");
    let (ok, _, err) =
        supplyline(&app, &["supplier", "import", "--connection", CONNECTION, "--domain", "[\"|\"]"], &key).await;
    assert!(!ok && err.contains("--domain item 1"), "{err}");

    let (ok, out, err) = supplyline(&app, &import, &key).await;
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("would create") && l.contains("ACME-2") && l.contains("ACME Castings")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("would update")
            && l.contains("BOR-01")
            && l.contains(&format!("linked to Odoo partner {}", odoo.v.borealis))),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with(
            "5 vendor(s) in Odoo: 4 created, 1 updated, 0 unchanged, 0 skipped (dry run: nothing was changed)"
        ),
        "{out}"
    );
    assert!(suppliers_of(&app, odoo.connection_id).await.is_empty(), "the dry run changed nothing");

    let (ok, out, err) = supplyline(&app, &import[..4], &key).await;
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l.starts_with("created ") && l.contains(" ACME ")), "{out}");
    assert!(out.contains("5 vendor(s) in Odoo: 4 created, 1 updated, 0 unchanged, 0 skipped\n"), "{out}");
    let (ok, out, _) = supplyline(&app, &import[..4], &key).await;
    assert!(ok && out.contains("5 vendor(s) in Odoo: 0 created, 0 updated, 5 unchanged, 0 skipped"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("unchanged")).count(), 5, "{out}");

    let (ok, out, err) = supplyline(&app, &["supplier", "list"], "").await;
    assert!(ok, "{err}");
    let header = out.lines().next().unwrap();
    for column in ["CODE", "NAME", "E-MAIL", "PARTNER", "BOUND", "USERS", "ADMIN"] {
        assert!(header.contains(column), "{header}");
    }
    let row = |code: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(code))
            .unwrap_or_else(|| panic!("no {code} in {out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("ACME"), format!("ACME ACME Components sales@acme.example {} no 0 no", odoo.v.acme));
    assert_eq!(
        row("NORDFAST"),
        "NORDFAST Nordhavn Fasteners A/S orders@nordhavn.example 10 no 2 yes",
        "the seeded supplier with its admin and user"
    );
}

async fn the_suppliers_page_is_for_buyers_and_admins_and_invites_a_first_admin(backend: Backend) {
    let app = app_or_skip!(backend);
    let acme =
        match supplier::add(&app.db, NewSupplier { code: "ACME", name: "ACME Components", email: None, odoo: None })
            .await
            .unwrap()
        {
            Upserted::Created { id, .. } => id,
            other => panic!("{other:?}"),
        };
    let admin = app.signed_in(ADMIN).await;
    let page = admin.get(app.url("/suppliers")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for text in ["Nordhavn Fasteners A/S", "NORDFAST", "ACME Components", "Invite first admin", "href=\"/suppliers\""] {
        assert!(html.contains(text), "{text} on the page");
    }
    assert_eq!(html.matches("data-testid=\"invite-admin-form\"").count(), 1, "only ACME lacks an admin");
    let list: Value = app.rpc(&admin, "/rpc/suppliers", String::new()).await.json().await.unwrap();
    let row = |list: &Value, code: &str| list.as_array().unwrap().iter().find(|s| s["code"] == code).unwrap().clone();
    let nordfast = row(&list, "NORDFAST");
    assert_eq!(
        (&nordfast["admin"], &nordfast["active_users"], &nordfast["odoo_bound"], &nordfast["odoo_partner_id"]),
        (&json!("active"), &json!(2), &json!(false), &json!(10))
    );
    assert_eq!(nordfast["odoo_connection"], "Brightwell Odoo (simulator)");
    assert_eq!((&row(&list, "ACME")["admin"], &row(&list, "ACME")["active_users"]), (&json!("missing"), &json!(0)));

    // The buyer invites ACME's first admin as a browser without WebAssembly posts the row's form.
    let buyer = app.signed_in(BUYER).await;
    assert_eq!(buyer.get(app.url("/suppliers")).send().await.unwrap().status(), 200);
    let post = |body: String| {
        buyer
            .post(app.url("/rpc/invite_member"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header("referer", app.url("/suppliers"))
            .body(body)
            .send()
    };
    let form = |email: &str| {
        format!(
            "input[role]=supplier_admin&input[supplier_id]={acme}&input[email]={email}&input[display_name]=Ada%20Boss"
        )
    };
    let wrong = post(form("ada-at-acme")).await.unwrap();
    assert_eq!(wrong.status(), 302);
    let back = location(&wrong);
    assert!(back.contains("__err="), "{back}");
    let html = buyer.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-testid=\"invite-error\"") && html.contains("is not a valid e-mail address"), "{html}");
    let sent = post(form("Ada%40ACME.example")).await.unwrap();
    assert_eq!(sent.status(), 302);
    // Back to the page, without the earlier error (Leptos leaves an empty query behind).
    assert_eq!(location(&sent).trim_end_matches('?'), app.url("/suppliers"));
    let list: Value = app.rpc(&buyer, "/rpc/suppliers", String::new()).await.json().await.unwrap();
    assert_eq!(row(&list, "ACME")["admin"], "invited");
    let invited = "SELECT COUNT(*) AS n FROM app_user WHERE email = 'ada@acme.example' AND role = 'supplier_admin'
                   AND password_hash IS NULL AND supplier_id = $1";
    assert_eq!(app.count(invited, acme).await, 1);
    let audit = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.invited' AND supplier_id = $1";
    assert_eq!(app.count(audit, acme).await, 1, "the team invitation, audited as such");
    let html = buyer.get(app.url("/suppliers")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Invited, not accepted yet") && html.contains("Invite again"));

    // Supplier roles are refused, as on the other staff pages, and see nothing of any supplier.
    for who in [NORDHAVN_USER, "anna@nordhavn.example"] {
        let client = app.signed_in(who).await;
        let page = client.get(app.url("/suppliers")).send().await.unwrap();
        assert_eq!(page.status(), 403, "{who}");
        let html = page.text().await.unwrap();
        assert!(!html.contains("ACME Components") && !html.contains("Kessler"), "{who}");
        assert!(!html.contains("href=\"/suppliers\""), "no nav link for {who}");
        assert_eq!(app.rpc(&client, "/rpc/suppliers", String::new()).await.status(), 403, "{who}");
    }
    assert_eq!(app.rpc(&app.client(), "/rpc/suppliers", String::new()).await.status(), 401);
}

/// README "Connecting a real Odoo", command by command, against a fresh Odoo 17 (no demo users, groups
/// or rules): connect, import the vendors, provision Odoo's side, make the keys (the simulator's stand-in
/// for Odoo's New API Key screen), bind, check, pull: the supplier's own PO arrives, the other's does not.
async fn the_documented_commands_take_a_fresh_odoo_to_a_working_supplier(backend: Backend) {
    let app = app_or_skip!(backend);
    let sim = Simulator::new(SimConfig { version: OdooVersion::V17, database: "prod".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.expect("simulator listens");
    let odoo_url = format!("http://{addr}");
    let acme = sim.create_vendor("ACME Components", Some("orders@acme.example"));
    let other = sim.create_record("res.partner", json!({"name": "Globex", "is_company": true})).unwrap();
    let product = sim.create_product("BRK-100", "Steel bracket", "none", "Units");
    let line = odoo_sim::NewPoLine {
        product_id: product,
        qty: 10.0,
        price_unit: 4.2,
        date_planned: chrono::Utc::now() + chrono::Duration::days(7),
    };
    let own_po = sim.create_purchase_order(acme, std::slice::from_ref(&line), true);
    sim.create_purchase_order(other, &[line], true);
    let (_, master, _) = supplyline(&app, &["odoo", "new-master-key", "--id", "k1"], "").await;
    let env = [("SUPPLYLINE_MASTER_KEYS", master.trim()), ("SUPPLYLINE_PUBLIC_URL", &app.url(""))];
    let admin_key = format!("{}\n", sim.admin_key());
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let run = |args: Vec<String>, stdin: String| {
        let (app, env) = (&app, &env);
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (ok, out, err) = supplyline_with(app, &args, &stdin, env).await;
            assert!(ok, "supplyline {args:?} failed: {err}\n{out}");
            out
        }
    };

    run(words(&["odoo", "connect", "--name", "main", "--url", &odoo_url, "--database", "prod"]), String::new()).await;
    let imported = run(words(&["supplier", "import", "--connection", "main"]), admin_key.clone()).await;
    assert!(imported.contains("ACME") && !imported.contains("Globex"), "{imported}");
    let dry = run(
        words(&["odoo", "provision", "--connection", "main", "--dry-run", "--email-domain", "portal.example"]),
        admin_key.clone(),
    )
    .await;
    assert!(dry.contains("missing: would create"), "{dry}");
    let made = run(
        words(&["odoo", "provision", "--connection", "main", "--email-domain", "portal.example"]),
        admin_key.clone(),
    )
    .await;
    assert!(
        made.contains("supplyline odoo bind --connection main --supplier ACME --login supplyline-bot-acme"),
        "{made}"
    );
    let key_for = |login: &str| {
        let url = format!("{odoo_url}/__sim/api-keys");
        let login = login.to_string();
        async move {
            let r: Value = reqwest::Client::new()
                .post(url)
                .json(&json!({"login": login}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            format!("{}\n", r["key"].as_str().unwrap())
        }
    };
    let partner = acme.to_string();
    run(
        words(&[
            "odoo",
            "bind",
            "--connection",
            "main",
            "--supplier",
            "ACME",
            "--login",
            "supplyline-bot-acme",
            "--partner-id",
            &partner,
        ]),
        key_for("supplyline-bot-acme").await,
    )
    .await;
    run(
        words(&["odoo", "bind", "--connection", "main", "--planning", "--login", "supplyline-planning"]),
        key_for("supplyline-planning").await,
    )
    .await;
    let checked =
        run(words(&["odoo", "check", "--connection", "main", "--admin-login", "admin"]), admin_key.clone()).await;
    assert!(checked.contains("bot e-mail: supplyline-bot-acme@portal.example"), "{checked}");
    assert!(checked.contains("other vendors' POs visible: none"), "{checked}");
    assert!(checked.contains("0 to repair"), "{checked}");
    let pulled = run(words(&["sync", "pull"]), String::new()).await;
    assert!(pulled.starts_with("pulled 1 PO(s): 1 new"), "{pulled}");
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
    }
    let owner: Row = app
        .db
        .exec()
        .fetch_one(
            Sql::new("SELECT s.code FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id WHERE po.odoo_id = $1 AND s.odoo_partner_id = $2")
                .bind(own_po)
                .bind(acme),
        )
        .await
        .unwrap();
    assert_eq!(owner.code, "ACME");
}

on_both_backends!(
    the_documented_commands_take_a_fresh_odoo_to_a_working_supplier,
    odoos_vendors_become_suppliers_and_a_second_import_changes_nothing,
    a_domain_restricts_the_import_and_a_dry_run_changes_nothing,
    a_supplier_added_by_hand_is_linked_by_its_code_and_codes_never_change,
    the_supplier_command_checks_its_input_imports_and_lists,
    the_suppliers_page_is_for_buyers_and_admins_and_invites_a_first_admin,
);
