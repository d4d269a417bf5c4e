//! `supplyline odoo …` (connections, credentials, checks) and `supplyline sync …` (pull, push,
//! reconcile, dead letters, replay): the operator's side of the sync.

use std::io::Read;

use clap::Subcommand;
use serde_json::json;

use crate::config::Config;
use crate::db::{Db, Executor, Sql};
use crate::secret::{MasterKeys, Secret};
use crate::startup::open_database;
use crate::sync::check::{kwargs, probe_supplier_key, verdict};
use crate::odoo::OdooClient;
use crate::sync::connection::{self, Clients};
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
    /// Per supplier: reachable, version, user, what its key can read and write, and whether it sees
    /// other vendors' records.
    Check,
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
        OdooCommand::Check => check(&db, &config).await,
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

/// One line per probe, `ok` / `no` / `WARN`.
async fn check(db: &Db, config: &Config) -> Result<(), String> {
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
    if warnings > 0 {
        return Err(format!("{warnings} warning(s): see above"));
    }
    Ok(())
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
