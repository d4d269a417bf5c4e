//! `odoo-sim --version 19 --listen 127.0.0.1:8069 --database odoo19 [--stock-delivery] [--seed-demo]`

use clap::Parser;
use odoo_sim::{OdooVersion, SimConfig, Simulator};

#[derive(Parser)]
#[command(
    name = "odoo-sim",
    about = "A faithful Odoo 17/18/19 simulator (JSON-RPC and JSON-2)",
    disable_version_flag = true
)]
struct Args {
    /// Odoo major version to impersonate: 17, 18 or 19.
    #[arg(long, default_value = "19")]
    version: OdooVersion,
    #[arg(long, default_value = "127.0.0.1:8069")]
    listen: String,
    /// Database name (default: odoo<version>).
    #[arg(long)]
    database: Option<String>,
    /// Pretend module stock_delivery is installed (carrier fields on pickings).
    #[arg(long)]
    stock_delivery: bool,
    /// Create the demo vendors, users, products, POs and MO.
    #[arg(long)]
    seed_demo: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let mut config = SimConfig::new(args.version);
    if let Some(db) = args.database {
        config.database = db;
    }
    config.stock_delivery = args.stock_delivery;
    let sim = Simulator::new(config.clone());
    let seed = args.seed_demo.then(|| sim.seed_demo());
    let addr = sim.spawn(&args.listen).await?;
    println!("Odoo {} simulator on http://{addr} (database {})", config.version, config.database);
    println!("admin: login admin, password admin, API key {}", sim.admin_key());
    if let Some(seed) = seed {
        for v in &seed.vendors {
            println!("vendor {} (partner {}): bot {} key {}", v.name, v.partner_id, v.bot.login, v.bot.api_key);
            if let Some(p) = &v.portal {
                println!("  portal {} key {}", p.login, p.api_key);
            }
        }
        println!("planning: {} key {}", seed.planning.login, seed.planning.api_key);
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
