//! `supplyline odoo …` (connections, credentials, checks) and `supplyline sync …` (pull, push,
//! reconcile, dead letters, replay): the operator's side of the sync.

use std::io::Read;

use clap::Subcommand;
use serde_json::json;

use crate::config::Config;
use crate::db::{Db, Executor, Sql};
use crate::odoo::OdooClient;
use crate::secret::{MasterKeys, Secret};
use crate::startup::open_database;
use crate::sync::check::{kwargs, probe_supplier_key, verdict};
use crate::sync::connection::{self, Clients};
use crate::sync::provision::{self, Change};
use crate::sync::{outbox, reconcile, SyncEngine};

#[derive(Subcommand)]
pub enum OdooCommand {
    /// Register an Odoo database; prints the webhook URL secret once.
    Connect {
        #[arg(long)]
        name: String,
        /// e.g. https://odoo.example.com
        #[arg(long)]
        url: String,
        #[arg(long)]
        database: String,
    },
    /// Bind a supplier (or, with --planning, the connection's read-only planning user) to an Odoo
    /// login; the API key is read from standard input and stored sealed.
    Bind {
        #[arg(long)]
        connection: String,
        /// The supplier's code
        #[arg(long, conflicts_with = "planning")]
        supplier: Option<String>,
        #[arg(long)]
        planning: bool,
        #[arg(long)]
        login: String,
        /// The vendor's res.partner id in Odoo (supplier bindings)
        #[arg(long)]
        partner_id: Option<i64>,
    },
    /// Create, or check and repair, Odoo's side under an Odoo administrator's API key (read from
    /// standard input): the supplier sync group with its access rights and record rules, one bot user
    /// per supplier of the connection, the read-only planning user, and the automation rule whose
    /// webhook points at this portal. Prints what each bot still needs: an API key (Odoo has no call
    /// that makes one for another user).
    Provision {
        #[arg(long)]
        connection: String,
        /// The Odoo administrator who signs in (the API key is read from standard input)
        #[arg(long, default_value = "admin")]
        login: String,
        /// Show what would change, change nothing
        #[arg(long)]
        dry_run: bool,
        /// Where Odoo reaches this portal (defaults to public_url)
        #[arg(long)]
        public_url: Option<String>,
        /// Domain of the bot users' e-mail addresses (defaults to the public URL's host)
        #[arg(long)]
        email_domain: Option<String>,
    },
    /// Per supplier: reachable, version, user, what its key can read and write, whether its partner
    /// has the e-mail Odoo 17/18 need for chatter notes, and whether it sees other vendors' records.
    /// With --admin-login (the key on standard input) also Odoo's side of the connection: groups,
    /// rules, users and the automation rule's webhook, as `odoo provision --dry-run` reports them.
    Check {
        #[arg(long, requires = "admin_login")]
        connection: Option<String>,
        #[arg(long, requires = "connection")]
        admin_login: Option<String>,
    },
    /// Re-seal every stored key under the active master key (after adding a new one in front).
    RotateKeys,
    /// Print a new master key spec (`id:base64`) for SUPPLYLINE_MASTER_KEYS.
    NewMasterKey {
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Pull changed POs from Odoo for every bound supplier, and open MO demand, once.
    Pull,
    /// Push every due outbox row to Odoo, once.
    Push,
    /// Compare every open PO with Odoo, repair drift, print the report.
    Reconcile,
    /// List the dead letters with Odoo's error.
    DeadLetters,
    /// Put dead letters back in the queue: the given ids, or all of them.
    Replay {
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        ids: Vec<i64>,
    },
}

fn keys(config: &Config) -> Result<MasterKeys, String> {
    config.master_keys.keys().map_err(|e| e.to_string())
}

pub async fn odoo(command: OdooCommand, config: Config) -> Result<(), String> {
    if let OdooCommand::NewMasterKey { id } = &command {
        println!("{}", MasterKeys::new_spec(id));
        return Ok(());
    }
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    match command {
        OdooCommand::Connect { name, url, database } => {
            let (id, secret) =
                connection::create_connection(&db, &name, &url, &database).await.map_err(|e| e.to_string())?;
            println!("connection {name} registered (id {id})");
            println!("Odoo webhook URL (shown once): <public url>/hooks/odoo/{secret}");
            Ok(())
        }
        OdooCommand::Bind { connection: name, supplier, planning, login, partner_id } => {
            let keys = keys(&config)?;
            let conn = connection::connection_by_name(&db, &name)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no connection named {name:?} (supplyline odoo connect)"))?;
            let supplier_id = match (supplier, planning) {
                (Some(code), false) => Some(supplier_id(&db, &code).await?),
                (None, true) => None,
                _ => return Err("name a --supplier, or pass --planning".into()),
            };
            let key = read_api_key()?;
            connection::bind(&db, &keys, conn.id, supplier_id, partner_id, &login, &key, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "bound {} to {login} on {name}",
                if supplier_id.is_some() { "the supplier" } else { "the planning user" }
            );
            Ok(())
        }
        OdooCommand::Provision { connection, login, dry_run, public_url, email_domain } => {
            let public_url = public_url.or(config.public_url.clone()).ok_or(
                "Odoo's webhook must reach this portal: pass --public-url or set public_url (SUPPLYLINE_PUBLIC_URL)",
            )?;
            let (conn, odoo) = admin_client(&db, &config, &connection, &login).await?;
            let report = provision_connection(&db, &conn, &odoo, &public_url, email_domain, !dry_run).await?;
            print_provision_report(&report, dry_run);
            if report.new_webhook_secret.is_some() {
                println!(
                    "The automation rule now calls {public_url}/hooks/odoo/<new secret>; the old URL stopped working."
                );
            }
            if !dry_run {
                print_key_steps(&conn.name, &report);
            }
            Ok(())
        }
        OdooCommand::Check { connection, admin_login } => {
            let mut warnings = check(&db, &config).await?;
            if let (Some(name), Some(login)) = (connection, admin_login) {
                let public_url = config.public_url.clone().ok_or("set public_url to check the webhook's address")?;
                let (conn, odoo) = admin_client(&db, &config, &name, &login).await?;
                let report = provision_connection(&db, &conn, &odoo, &public_url, None, false).await?;
                println!("{} (as {login}): Odoo's side", conn.name);
                for f in report.findings.iter().filter(|f| f.change != Change::Unchanged) {
                    println!("  WARN {}: {}", f.subject, describe(&f.change, true));
                }
                println!(
                    "  {} item(s) checked, {} to repair (supplyline odoo provision)",
                    report.findings.len(),
                    report.changes()
                );
                warnings += report.changes();
            }
            if warnings > 0 {
                return Err(format!("{warnings} warning(s): see above"));
            }
            Ok(())
        }
        OdooCommand::RotateKeys => {
            let rotated = connection::rotate_master_key(&db, &keys(&config)?).await.map_err(|e| e.to_string())?;
            println!(
                "{rotated} credential(s) re-sealed under master key {:?}",
                keys(&config)?.active_id().unwrap_or("?")
            );
            Ok(())
        }
        OdooCommand::NewMasterKey { .. } => unreachable!("answered above"),
    }
}

/// An Odoo API key from standard input (never a flag: flags end up in shell history and `ps`).
pub(super) fn read_api_key() -> Result<Secret, String> {
    let mut key = String::new();
    std::io::stdin()
        .read_to_string(&mut key)
        .map_err(|e| format!("cannot read the API key from standard input: {e}"))?;
    let key = key.trim();
    if key.len() != 40 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("an Odoo API key is 40 hexadecimal characters; pipe it on standard input".into());
    }
    Ok(Secret::new(key))
}

/// A client for an Odoo administrator on a registered connection, the key read from standard input:
/// what onboarding (`supplier import`) and provisioning (`odoo provision`) act under.
pub(super) async fn admin_client(
    db: &Db,
    config: &Config,
    connection_name: &str,
    login: &str,
) -> Result<(connection::ConnectionRow, OdooClient), String> {
    let conn = connection::connection_by_name(db, connection_name)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no connection named {connection_name:?} (supplyline odoo connect)"))?;
    let key = read_api_key()?;
    let http = crate::odoo::client::http_client(std::time::Duration::from_secs(config.sync.request_timeout_secs));
    let client = OdooClient::connect(http, &conn.endpoint(), login, key, config.sync.force_jsonrpc)
        .await
        .map_err(|e| format!("{}: cannot sign in to Odoo as {login}: {e}", conn.name))?;
    Ok((conn, client))
}

async fn supplier_id(db: &Db, code: &str) -> Result<i64, String> {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let row: Option<Id> = db
        .exec()
        .fetch_optional(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code))
        .await
        .map_err(|e| e.to_string())?;
    row.map(|r| r.id).ok_or_else(|| format!("no supplier with code {code:?}"))
}

/// Runs provisioning for one connection's suppliers (those with an Odoo partner on it) and stores a
/// new webhook secret when the automation rule was given one.
async fn provision_connection(
    db: &Db,
    conn: &connection::ConnectionRow,
    odoo: &OdooClient,
    public_url: &str,
    email_domain: Option<String>,
    apply: bool,
) -> Result<provision::Report, String> {
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        name: String,
        odoo_partner_id: i64,
    }
    let rows: Vec<Row> = db
        .exec()
        .fetch_all(
            Sql::new(
                "SELECT code, name, odoo_partner_id FROM supplier
                 WHERE odoo_connection_id = $1 AND odoo_partner_id IS NOT NULL ORDER BY code",
            )
            .bind(conn.id),
        )
        .await
        .map_err(|e| e.to_string())?;
    let email_domain = email_domain
        .or_else(|| url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_string)))
        .ok_or_else(|| format!("{public_url} has no host: pass --email-domain"))?;
    let target = provision::Target {
        suppliers: rows
            .into_iter()
            .map(|r| provision::SupplierTarget { code: r.code, name: r.name, partner_id: r.odoo_partner_id })
            .collect(),
        webhook: provision::WebhookTarget {
            public_url: public_url.to_string(),
            secret_hash: connection::webhook_secret_hash_of(db, conn.id).await.map_err(|e| e.to_string())?,
            fresh_secret: crate::secret::random_token(),
        },
        email_domain,
    };
    let report = provision::provision(odoo, &target, apply).await.map_err(|e| format!("{}: {e}", conn.name))?;
    if let Some(secret) = &report.new_webhook_secret {
        connection::set_webhook_secret(db, conn.id, secret).await.map_err(|e| e.to_string())?;
    }
    Ok(report)
}

fn describe(change: &Change, dry_run: bool) -> String {
    match (change, dry_run) {
        (Change::Unchanged, _) => "ok".into(),
        (Change::Created, true) => "missing: would create".into(),
        (Change::Created, false) => "created".into(),
        (Change::Updated(what), true) => format!("differs ({what}): would repair"),
        (Change::Updated(what), false) => format!("repaired ({what})"),
    }
}

fn print_provision_report(report: &provision::Report, dry_run: bool) {
    for f in &report.findings {
        println!("{:<60} {}", f.subject, describe(&f.change, dry_run));
    }
    let verb = if dry_run { "would change" } else { "changed" };
    println!("{} item(s), {} {verb}", report.findings.len(), report.changes());
}

/// The administrator's manual step: an API key per user, then `odoo bind`.
fn print_key_steps(connection: &str, report: &provision::Report) {
    println!("\nNext, for each user below: make an API key in Odoo and bind it here. Odoo has no call that makes");
    println!("a key for another user, so either sign in to Odoo as that user once (give it a password first:");
    println!("Settings > Users > the user > Change Password), open Preferences > Account Security > New API Key,");
    println!("then remove the password again; or, on the Odoo server, in `odoo-bin shell -d <database>`:");
    println!("  env['res.users.apikeys'].with_user(env['res.users'].browse(UID)).sudo()._generate(None, 'Supplyline')  # 17.0");
    println!("  env['res.users.apikeys'].with_user(env['res.users'].browse(UID)).sudo()._generate(None, 'Supplyline', None)  # 18+");
    for user in &report.users {
        let uid = user.uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into());
        match (&user.supplier, user.vendor_partner_id) {
            (Some(code), Some(partner)) => println!(
                "  {} (uid {uid}):  supplyline odoo bind --connection {connection} --supplier {code} --login {} --partner-id {partner} < key",
                user.login, user.login
            ),
            _ => println!(
                "  {} (uid {uid}):  supplyline odoo bind --connection {connection} --planning --login {} < key",
                user.login, user.login
            ),
        }
    }
}

/// One line per probe, `ok` / `no` / `WARN`; returns the number of warnings.
async fn check(db: &Db, config: &Config) -> Result<usize, String> {
    let clients = Clients::new(
        db.clone(),
        keys(config)?,
        crate::odoo::client::http_client(std::time::Duration::from_secs(config.sync.request_timeout_secs)),
        config.sync.force_jsonrpc,
    );
    #[derive(sqlx::FromRow)]
    struct Bound {
        id: i64,
        code: String,
        odoo_partner_id: Option<i64>,
    }
    let suppliers: Vec<Bound> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT s.id, s.code, s.odoo_partner_id FROM supplier s JOIN odoo_credential c ON c.supplier_id = s.id ORDER BY s.code",
        ))
        .await
        .map_err(|e| e.to_string())?;
    let mut warnings = 0;
    for s in &suppliers {
        println!("{}:", s.code);
        let odoo = match clients.for_supplier(s.id).await {
            Ok(odoo) => odoo,
            Err(e) => {
                println!("  unreachable or refused: {e}");
                warnings += 1;
                continue;
            }
        };
        println!("  reachable: Odoo {} over {}, user id {}", odoo.version(), odoo.protocol().as_str(), odoo.uid());
        for report in probe_supplier_key(&odoo, s.odoo_partner_id).await {
            if report.starts_with("WARN") {
                warnings += 1;
            }
            println!("  {report}");
        }
    }
    for conn in connection::connections(db).await.map_err(|e| e.to_string())? {
        match clients.for_planning(conn.id).await {
            Ok(odoo) => {
                let mo = odoo.call("mrp.production", "search_count", None, kwargs(json!({"domain": []}))).await;
                println!("{} planning user: read mrp.production {}", conn.name, verdict(&mo));
            }
            Err(e) => println!("{} planning user: {e}", conn.name),
        }
    }
    Ok(warnings)
}

pub async fn sync(command: SyncCommand, config: Config) -> Result<(), String> {
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    let engine = SyncEngine::new(db.clone(), keys(&config)?, config.sync.clone());
    match command {
        SyncCommand::Pull => {
            let report = engine.pull_all().await;
            println!(
                "pulled {} PO(s): {} new, {} revised, {} updated",
                report.seen, report.created, report.revised, report.updated
            );
            let mos = engine.pull_manufacturing_orders().await;
            println!(
                "pulled {} open manufacturing order(s) using our products ({} component line(s)), {} gone",
                mos.orders, mos.components, mos.removed
            );
        }
        SyncCommand::Push => {
            let handled = engine.worker().drain().await.map_err(|e| e.to_string())?;
            let depth = outbox::depth(&db).await.map_err(|e| e.to_string())?;
            println!("handled {handled} row(s); {} waiting, {} dead letter(s)", depth.pending, depth.dead);
        }
        SyncCommand::Reconcile => {
            let r =
                reconcile::reconcile(&engine.clients, config.sync.pull_page_size).await.map_err(|e| e.to_string())?;
            println!(
                "report {}: {} checked, {} drifted, {} repaired, {} failed",
                r.report_id, r.checked, r.drifted, r.repaired, r.failed
            );
        }
        SyncCommand::DeadLetters => {
            for e in outbox::entries(&db, "dead", 1000).await.map_err(|e| e.to_string())? {
                println!(
                    "{:>6}  {:<20} {:<24} attempts {:<3} {}: {}",
                    e.id,
                    e.event_type,
                    e.ordering_key,
                    e.attempts,
                    e.last_error_kind.as_deref().unwrap_or("?"),
                    e.last_error.as_deref().unwrap_or("")
                );
            }
        }
        SyncCommand::Replay { all, ids } => {
            if !all && ids.is_empty() {
                return Err("name the dead letters to replay, or pass --all".into());
            }
            let replayed = outbox::replay(&db, if all { None } else { Some(&ids) }).await.map_err(|e| e.to_string())?;
            println!("{replayed} dead letter(s) back in the queue");
        }
    }
    Ok(())
}
