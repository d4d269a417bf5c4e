//! `supplyline supplier …`: add a supplier, import Odoo's vendors as suppliers, list them.

use clap::Subcommand;

use crate::config::Config;
use crate::db::Db;
use crate::domain::supplier::{self, ImportLine, ImportOutcome, NewSupplier, Upserted};
use crate::startup::open_database;
use crate::sync::connection;

#[derive(Subcommand)]
pub enum SupplierCommand {
    /// Add a supplier, or update the one with this code (or this Odoo vendor); run again, it changes nothing.
    Add {
        /// Capital letters, digits and "-", e.g. ACME (never changes once given)
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The supplier's general address (without it, an existing address stays)
        #[arg(long)]
        email: Option<String>,
        /// The Odoo connection the vendor is in (with --partner-id)
        #[arg(long, requires = "partner_id")]
        connection: Option<String>,
        /// The vendor's res.partner id in Odoo (with --connection)
        #[arg(long, requires = "connection", allow_negative_numbers = true)]
        partner_id: Option<i64>,
    },
    /// Create or update a supplier for each vendor in Odoo, under an Odoo administrator's API key read
    /// from standard input. Safe to run again: what has not changed in Odoo is reported unchanged.
    Import {
        #[arg(long)]
        connection: String,
        /// The Odoo administrator whose API key is on standard input
        #[arg(long, default_value = "admin")]
        login: String,
        /// Which res.partner records, as an Odoo domain in JSON
        /// [default: [["supplier_rank", ">", 0], ["is_company", "=", true]]]
        #[arg(long)]
        domain: Option<String>,
        /// Print what would happen and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// List the suppliers: code, name, e-mail, Odoo partner, whether their own Odoo key is bound, users.
    List,
}

pub async fn supplier(command: SupplierCommand, config: Config) -> Result<(), String> {
    // A bad domain is named before anything is opened or read.
    let domain = match &command {
        SupplierCommand::Import { domain: Some(raw), .. } => supplier::parse_domain(raw)?,
        _ => supplier::default_vendor_domain(),
    };
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    let result = match command {
        SupplierCommand::Add { code, name, email, connection, partner_id } => {
            add(&db, &code, &name, email.as_deref(), connection.as_deref().zip(partner_id)).await
        }
        SupplierCommand::Import { connection, login, dry_run, .. } => {
            import(&db, &config, &connection, &login, &domain, dry_run).await
        }
        SupplierCommand::List => list(&db).await,
    };
    db.close().await;
    result
}

async fn add(db: &Db, code: &str, name: &str, email: Option<&str>, odoo: Option<(&str, i64)>) -> Result<(), String> {
    let odoo = match odoo {
        Some((name, partner)) => {
            let conn = connection::connection_by_name(db, name)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no connection named {name:?} (supplyline odoo connect)"))?;
            Some((conn.id, partner))
        }
        None => None,
    };
    let done = supplier::add(db, NewSupplier { code, name, email, odoo }).await.map_err(|e| e.to_string())?;
    match done {
        Upserted::Created { code, .. } => println!("created supplier {code}: {}", name.trim()),
        Upserted::Updated { code, changes, .. } => println!("updated supplier {code}: {}", changes.join("; ")),
        Upserted::Unchanged { code, .. } => println!("supplier {code} is up to date: nothing changed"),
    }
    Ok(())
}

async fn import(
    db: &Db,
    config: &Config,
    connection_name: &str,
    login: &str,
    domain: &serde_json::Value,
    dry_run: bool,
) -> Result<(), String> {
    let (conn, odoo) = super::odoo::admin_client(db, config, connection_name, login).await?;
    let vendors = supplier::read_vendors(&odoo, domain, config.sync.pull_page_size)
        .await
        .map_err(|e| format!("{}: reading the vendors (res.partner) failed: {e}", conn.name))?;
    let lines = supplier::import(db, conn.id, &vendors, dry_run).await.map_err(|e| e.to_string())?;
    for line in &lines {
        println!("{}", import_line(line, dry_run));
    }
    println!("{}", totals(&lines, dry_run));
    Ok(())
}

/// `created      ACME             partner 42       ACME Components (code made from the name: no ref in Odoo)`
fn import_line(line: &ImportLine, dry_run: bool) -> String {
    let would = |verb: &str| if dry_run { format!("would {verb}") } else { format!("{verb}d") };
    let (verb, code, detail) = match &line.outcome {
        ImportOutcome::Done(Upserted::Created { code, code_note, .. }) => {
            (would("create"), code.as_str(), code_note.as_ref().map(|n| format!("code {n}")))
        }
        ImportOutcome::Done(Upserted::Updated { code, changes, .. }) => {
            (would("update"), code.as_str(), Some(changes.join("; ")))
        }
        ImportOutcome::Done(Upserted::Unchanged { code, .. }) => ("unchanged".to_string(), code.as_str(), None),
        ImportOutcome::Skipped(why) => {
            (if dry_run { "would skip".into() } else { "skipped".into() }, "-", Some(why.clone()))
        }
    };
    let notes: Vec<String> = detail.into_iter().chain(line.notes.iter().cloned()).collect();
    let name = line.vendor.name.as_deref().unwrap_or("(no name)");
    let mut text = format!("{verb:<12} {code:<16} partner {:<8} {name}", line.vendor.partner_id);
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text
}

fn totals(lines: &[ImportLine], dry_run: bool) -> String {
    let count = |f: fn(&ImportOutcome) -> bool| lines.iter().filter(|l| f(&l.outcome)).count();
    let created = count(|o| matches!(o, ImportOutcome::Done(Upserted::Created { .. })));
    let updated = count(|o| matches!(o, ImportOutcome::Done(Upserted::Updated { .. })));
    let unchanged = count(|o| matches!(o, ImportOutcome::Done(Upserted::Unchanged { .. })));
    let skipped = count(|o| matches!(o, ImportOutcome::Skipped(_)));
    let mut text = format!(
        "{} vendor(s) in Odoo: {created} created, {updated} updated, {unchanged} unchanged, {skipped} skipped",
        lines.len()
    );
    if dry_run {
        text.push_str(" (dry run: nothing was changed)");
    }
    text
}

async fn list(db: &Db) -> Result<(), String> {
    let suppliers = supplier::list(db).await.map_err(|e| e.to_string())?;
    if suppliers.is_empty() {
        println!("No suppliers yet: `supplyline supplier import --connection NAME` reads them from Odoo.");
        return Ok(());
    }
    let rows: Vec<[String; 7]> = suppliers
        .into_iter()
        .map(|s| {
            [
                s.code,
                s.name,
                s.email.unwrap_or_else(|| "-".into()),
                s.odoo_partner_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                if s.odoo_bound { "yes" } else { "no" }.into(),
                s.active_users.to_string(),
                match s.admin {
                    app::model::SupplierAdminStatus::Active => "yes",
                    app::model::SupplierAdminStatus::Invited => "invited",
                    app::model::SupplierAdminStatus::Missing => "no",
                }
                .into(),
            ]
        })
        .collect();
    let header = ["CODE", "NAME", "E-MAIL", "PARTNER", "BOUND", "USERS", "ADMIN"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(())
}
