//! The `supplyline` command: serve (the default), migrate, demo, user add, supplier, odoo, sync.

mod odoo;
mod supplier;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::auth::password::NewPassword;
use crate::config::{redact_url, Config};
use crate::domain::account::{self, NewUser};
use crate::secret::{MasterKeySpec, MasterKeys};
use crate::startup::{open_database, Application};
use crate::{demo, telemetry};

#[derive(Parser)]
#[command(name = "supplyline", version, about = "Supplier collaboration portal for manufacturers that run Odoo")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed the demo dataset into an empty database, then serve, printing the logins.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Suppliers: add one, import Odoo's vendors, list them.
    Supplier {
        #[command(subcommand)]
        command: supplier::SupplierCommand,
    },
    /// Odoo connections and per-supplier credentials.
    Odoo {
        #[command(subcommand)]
        command: odoo::OdooCommand,
    },
    /// Run the sync by hand: pull, push, reconcile, dead letters, replay.
    Sync {
        #[command(subcommand)]
        command: odoo::SyncCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from standard input; from a terminal, one is generated
    /// and printed once.
    Add {
        #[arg(long)]
        email: String,
        /// supplier_user, supplier_admin, buyer or admin
        #[arg(long)]
        role: String,
        /// The supplier's code (required for supplier roles)
        #[arg(long)]
        supplier: Option<String>,
        /// The name shown in the portal (defaults to the e-mail's local part)
        #[arg(long)]
        name: Option<String>,
    },
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("supplyline: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("supplyline: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => serve(config, false).await,
        Command::Demo => serve(config, true).await,
        Command::Supplier { command } => supplier::supplier(command, config).await,
        Command::Odoo { command } => odoo::odoo(command, config).await,
        Command::Sync { command } => odoo::sync(command, config).await,
        Command::Migrate => {
            let db = open_database(&config).await.map_err(|e| e.to_string())?;
            println!("Database {} is up to date.", redact_url(&config.database_url));
            db.close().await;
            Ok(())
        }
        Command::User { command: UserCommand::Add { email, role, supplier, name } } => {
            let db = open_database(&config).await.map_err(|e| e.to_string())?;
            let (password, generated) = read_password()?;
            let new = NewUser {
                email: &email,
                display_name: name.as_deref(),
                role: &role,
                supplier_code: supplier.as_deref(),
            };
            let id = account::add_user(&db, new, &password).await.map_err(|e| e.to_string())?;
            println!("Added user {id}: {} ({role}).", email.trim().to_lowercase());
            if generated {
                println!("Password (shown once): {}", password.expose());
            }
            db.close().await;
            Ok(())
        }
    }
}

/// The password from standard input (first line), or a generated one when stdin is a terminal
/// or empty.
fn read_password() -> Result<(NewPassword, bool), String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((NewPassword::generate(), true));
    }
    let mut input = String::new();
    stdin
        .lock()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let line = input.lines().next().unwrap_or_default().to_string();
    if line.is_empty() {
        return Ok((NewPassword::generate(), true));
    }
    NewPassword::parse(line).map(|p| (p, false)).map_err(|e| e.to_string())
}

async fn serve(mut config: Config, demo_mode: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    if demo_mode && config.master_keys.keys().map_err(|e| e.to_string())?.is_empty() {
        // The demo binds its suppliers afresh at every start, so a key for this process is enough.
        config.master_keys = MasterKeySpec::new(MasterKeys::new_spec("demo"));
    }
    let keys = config.master_keys.keys().map_err(|e| e.to_string())?;
    let db_url = redact_url(&config.database_url);
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    if demo_mode {
        match demo::seed_if_empty(&db).await {
            Ok(true) => tracing::info!("demo dataset seeded"),
            Ok(false) => tracing::info!("database already has data; demo dataset not seeded"),
            Err(e) => return Err(format!("seeding the demo dataset failed: {e}")),
        }
    }
    let mail_note = match config.mail.transport {
        crate::mail::TransportKind::File => {
            format!("E-mail is written to {}/ (one .eml file per message)", config.mail.file_dir)
        }
        crate::mail::TransportKind::Log => "E-mail is only logged (recipient and subject)".to_string(),
        crate::mail::TransportKind::Smtp => {
            format!("E-mail goes to {}:{}", config.mail.smtp_host, config.mail.smtp_port)
        }
    };
    let app = Application::build_with_db(config, db.clone()).await.map_err(|e| e.to_string())?;
    let addr = app.local_addr();
    let odoo = if demo_mode {
        let listen = std::env::var("SUPPLYLINE_DEMO_ODOO_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());
        Some(
            demo::odoo::start(&db, &keys, &listen, addr)
                .await
                .map_err(|e| format!("starting the demo Odoo failed: {e}"))?,
        )
    } else {
        None
    };
    tracing::info!(%addr, database = %db_url, ready_ms = started.elapsed().as_millis() as u64, "Supplyline is ready");
    println!("Supplyline is running at http://{addr}  (database: {db_url})");
    println!("{mail_note}");
    if demo_mode {
        if let Some(odoo) = &odoo {
            println!(
                "Odoo 19 simulator at http://{}  (database brightwell, admin API key {})",
                odoo.addr,
                odoo.simulator.admin_key()
            );
        }
        println!("\nDemo logins (password for all: {}):", demo::DEMO_PASSWORD);
        for login in demo::logins() {
            let who = login.supplier.map(|s| format!(" at {s}")).unwrap_or_default();
            println!("  {:<34} {}{who}", login.email, login.role.label());
        }
        println!();
    }
    app.run_until_stopped().await.map_err(|e| format!("the server stopped: {e}"))
}
