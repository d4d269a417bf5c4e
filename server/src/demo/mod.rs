//! The demo dataset: a drive-train manufacturer ("Brightwell Motors") and four of its suppliers,
//! with users, products (lot-, serial- and untracked), supplier codes, and POs in every state.
//! Generated from a fixed seed, so every newcomer sees the same data.

pub mod exceptions;
pub mod odoo;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use app::model::Role;

use crate::auth::password::{self, NewPassword};
use crate::db::{Arg, Db, DbError, Executor, Sql, Tx};
use crate::domain::account::{insert_user_in, AccountError, Email};

pub const DEMO_PASSWORD: &str = "supplyline-demo";

pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
    pub supplier: Option<&'static str>,
}

struct DemoSupplier {
    code: &'static str,
    name: &'static str,
    email: &'static str,
    users: [(&'static str, &'static str, Role); 2],
    /// (default code, name, tracking, uom, unit price, supplier code, lead time days)
    products: &'static [(&'static str, &'static str, &'static str, &'static str, f64, &'static str, i64)],
}

const SUPPLIERS: &[DemoSupplier] = &[
    DemoSupplier {
        code: "NORDFAST",
        name: "Nordhavn Fasteners A/S",
        email: "orders@nordhavn.example",
        users: [
            ("anna@nordhavn.example", "Anna Madsen", Role::SupplierAdmin),
            ("lars@nordhavn.example", "Lars Holm", Role::SupplierUser),
        ],
        products: &[
            ("FST-M8-30", "Hex bolt M8×30, 8.8, zinc", "none", "Units", 0.12, "NH-10830", 10),
            ("FST-M8-N", "Hex nut M8, class 8, zinc", "none", "Units", 0.04, "NH-20008", 10),
            ("FST-M10-40", "Hex bolt M10×40, 10.9", "none", "Units", 0.21, "NH-11040", 14),
            ("FST-W8", "Washer DIN 125 M8", "none", "Units", 0.01, "NH-30008", 7),
            ("FST-SC-M5", "Socket cap screw M5×16, A2", "none", "Units", 0.09, "NH-40516", 10),
            ("FST-RIV-4", "Blind rivet 4.0×10, aluminium", "none", "Units", 0.03, "NH-50410", 21),
        ],
    },
    DemoSupplier {
        code: "KESSLER",
        name: "Kessler Präzisionsguss GmbH",
        email: "vertrieb@kessler-guss.example",
        users: [
            ("jonas@kessler-guss.example", "Jonas Weber", Role::SupplierAdmin),
            ("petra@kessler-guss.example", "Petra Vogel", Role::SupplierUser),
        ],
        products: &[
            ("CST-HSG-220", "Gearbox housing GH-220, EN-GJS-400", "lot", "Units", 148.0, "KG-GH220-B", 42),
            ("CST-CVR-220", "Gearbox cover GC-220", "lot", "Units", 61.5, "KG-GC220-A", 35),
            ("CST-FLG-90", "Motor flange MF-90, aluminium", "lot", "Units", 23.9, "KG-MF90", 28),
            ("CST-BRK-12", "Mounting bracket BR-12", "lot", "Units", 8.4, "KG-BR12", 28),
        ],
    },
    DemoSupplier {
        code: "ALPOLY",
        name: "Alpine Polymers SA",
        email: "service@alpine-polymers.example",
        users: [
            ("claire@alpine-polymers.example", "Claire Dubois", Role::SupplierAdmin),
            ("marco@alpine-polymers.example", "Marco Rossi", Role::SupplierUser),
        ],
        products: &[
            ("PLY-PA66-GF30", "PA66 GF30 granulate, black", "lot", "kg", 4.85, "AP-6630-BK", 21),
            ("PLY-PBT-NAT", "PBT granulate, natural", "lot", "kg", 3.6, "AP-PBT-N", 21),
            ("PLY-SEAL-NBR", "NBR seal ring 62×3", "lot", "Units", 0.38, "AP-OR-6203", 14),
            ("PLY-EPX-2K", "Potting epoxy 2K, 5 L kit", "lot", "L", 18.2, "AP-EPX2K-5", 28),
        ],
    },
    DemoSupplier {
        code: "CIRCWORKS",
        name: "Circuitry Works Ltd",
        email: "sales@circuitryworks.example",
        users: [
            ("priya@circuitryworks.example", "Priya Shah", Role::SupplierAdmin),
            ("tom@circuitryworks.example", "Tom Barker", Role::SupplierUser),
        ],
        products: &[
            ("ELC-CTRL-48", "Motor controller board MC-48V", "serial", "Units", 212.0, "CW-MC48-R3", 56),
            ("ELC-ENC-1024", "Incremental encoder 1024 ppr", "serial", "Units", 46.0, "CW-ENC1K", 35),
            ("ELC-HRN-12", "Wiring harness H-12, 1.2 m", "none", "Units", 14.75, "CW-H12-120", 21),
            ("ELC-CBL-4G15", "Power cable 4G1.5, by the metre", "none", "m", 2.1, "CW-4G15", 14),
        ],
    },
];

const INTERNAL_USERS: [(&str, &str, Role); 2] =
    [("maria@brightwell.example", "Maria Keller", Role::Buyer), ("ops@brightwell.example", "Ops Admin", Role::Admin)];

/// Every demo login, for the banner `supplyline demo` prints.
pub fn logins() -> Vec<DemoLogin> {
    let mut out: Vec<DemoLogin> =
        INTERNAL_USERS.iter().map(|(email, _, role)| DemoLogin { email, role: *role, supplier: None }).collect();
    for s in SUPPLIERS {
        for (email, _, role) in &s.users {
            out.push(DemoLogin { email, role: *role, supplier: Some(s.name) });
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

pub async fn is_empty(db: &Db) -> Result<bool, DbError> {
    let row: CountRow = db.exec().fetch_one(Sql::new("SELECT COUNT(*) AS n FROM supplier")).await?;
    Ok(row.n == 0)
}

/// Seeds the dataset when the database has no suppliers; returns whether it seeded.
pub async fn seed_if_empty(db: &Db) -> Result<bool, DemoError> {
    if !is_empty(db).await? {
        return Ok(false);
    }
    seed(db, 48).await?;
    exceptions::seed(db).await?;
    Ok(true)
}

struct SeededProduct {
    product_id: i64,
    uom_id: i64,
    price: f64,
    lead_days: i64,
    name: &'static str,
}

/// Suppliers, users, products and `po_count` POs spread over the suppliers.
pub async fn seed(db: &Db, po_count: usize) -> Result<(), DemoError> {
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let now = Utc::now();
    let hash = password::hash(&NewPassword::parse(DEMO_PASSWORD.to_string())?).await?;
    // One transaction: a failure leaves the database empty, so the next `demo` seeds again.
    let mut tx = db.begin().await?;
    let connection: IdRow = tx
        .fetch_one(
            Sql::new("INSERT INTO odoo_connection (name, base_url, database, odoo_version, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind("Brightwell Odoo (simulator)")
                .bind("http://127.0.0.1:8069")
                .bind("brightwell")
                .bind("19.0")
                .bind(now),
        )
        .await?;
    let mut uoms = std::collections::HashMap::new();
    for (i, (name, category)) in
        [("Units", "Unit"), ("kg", "Weight"), ("L", "Volume"), ("m", "Length")].into_iter().enumerate()
    {
        let row: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO uom (name, category, factor, rounding, odoo_connection_id, odoo_id) VALUES ($1, $2, 1.0, 0.01, $3, $4)
                     RETURNING id",
                )
                .bind(name)
                .bind(category)
                .bind(connection.id)
                .bind(i as i64 + 1),
            )
            .await?;
        uoms.insert(name, row.id);
    }

    let mut per_supplier = Vec::new();
    let mut odoo_product_id = 100;
    for (si, s) in SUPPLIERS.iter().enumerate() {
        let supplier: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO supplier (code, name, email, ack_sla_hours, odoo_connection_id, odoo_partner_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                )
                .bind(s.code)
                .bind(s.name)
                .bind(s.email)
                .bind(if si == 1 { 48i64 } else { 24 })
                .bind(connection.id)
                .bind(si as i64 + 10)
                .bind(now),
            )
            .await?;
        let mut products = Vec::new();
        for &(code, name, tracking, uom, price, supplier_code, lead_days) in s.products {
            odoo_product_id += 1;
            let uom_id = uoms[uom];
            let product: IdRow = tx
                .fetch_one(
                    Sql::new(
                        "INSERT INTO product (default_code, name, tracking, uom_id, odoo_connection_id, odoo_id)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(code)
                    .bind(name)
                    .bind(tracking)
                    .bind(uom_id)
                    .bind(connection.id)
                    .bind(odoo_product_id),
                )
                .await?;
            tx.execute(
                Sql::new(
                    "INSERT INTO supplier_product (supplier_id, product_id, supplier_code, lead_time_days, min_qty, price, odoo_id)
                     VALUES ($1, $2, $3, $4, 0, $5, $6)",
                )
                .bind(supplier.id)
                .bind(product.id)
                .bind(supplier_code)
                .bind(lead_days)
                .bind(price)
                .bind(odoo_product_id + 1000),
            )
            .await?;
            products.push(SeededProduct { product_id: product.id, uom_id, price, lead_days, name });
        }
        per_supplier.push((supplier.id, products));
    }
    for (email, name, role) in INTERNAL_USERS {
        insert_user_in(&mut tx, &Email::parse(email).expect("demo e-mail"), name, role, None, &hash).await?;
    }
    for (s, (supplier_id, _)) in SUPPLIERS.iter().zip(&per_supplier) {
        for (email, name, role) in s.users {
            insert_user_in(&mut tx, &Email::parse(email).expect("demo e-mail"), name, role, Some(*supplier_id), &hash)
                .await?;
        }
    }
    for n in 0..po_count {
        let (supplier_id, products) = &per_supplier[n % per_supplier.len()];
        insert_po(&mut tx, &mut rng, now, connection.id, n, *supplier_id, products).await?;
    }
    seed_quality_holds(&mut tx, now, &per_supplier).await?;
    tx.commit().await?;
    // Fresh statistics after a bulk load, so the planner picks the indexes from the first query.
    db.exec().execute(Sql::new("ANALYZE")).await?;
    Ok(())
}

/// Quality holds (issue 4): two open holds the buyer raised, one on Nordhavn's bolts, one on Kessler's housings.
async fn seed_quality_holds(
    tx: &mut Tx,
    now: DateTime<Utc>,
    per_supplier: &[(i64, Vec<SeededProduct>)],
) -> Result<(), DbError> {
    let buyer: IdRow =
        tx.fetch_one(Sql::new("SELECT id FROM app_user WHERE email = $1").bind(INTERNAL_USERS[0].0)).await?;
    let holds = [
        (0, None, Some(5000.0), "Thread pitch out of tolerance: 3 of 20 sampled bolts fail the go/no-go gauge.", 2),
        (1, Some("KG-24-1187"), Some(12.0), "Porosity in the X-ray inspection of incoming gearbox housings.", 1),
    ];
    for (supplier, lot, quantity, reason, age_days) in holds {
        let (supplier_id, products) = &per_supplier[supplier];
        let at = now - Duration::days(age_days);
        let hold: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO quality_hold (supplier_id, product_id, lot_name, quantity, reason, status, source, raised_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 'open', 'portal', $6, $7, $7) RETURNING id",
                )
                .bind(*supplier_id)
                .bind(products[0].product_id)
                .bind(lot)
                .bind(quantity)
                .bind(reason)
                .bind(buyer.id)
                .bind(at),
            )
            .await?;
        tx.execute(
            Sql::new(
                "INSERT INTO quality_hold_history (quality_hold_id, action, comment, user_id, created_at) VALUES ($1, 'raised', $2, $3, $4)",
            )
            .bind(hold.id)
            .bind(reason)
            .bind(buyer.id)
            .bind(at),
        )
        .await?;
    }
    Ok(())
}

/// A PO's state and acknowledgement: mostly confirmed and waiting, some done, a few cancelled.
fn states(rng: &mut StdRng, age_days: i64) -> (&'static str, &'static str) {
    let state = match rng.gen_range(0..100) {
        0..=7 => "sent",
        8..=11 => "cancel",
        _ if age_days > 40 => "done",
        _ => "purchase",
    };
    let ack = match (state, rng.gen_range(0..100)) {
        ("done", _) => "accepted",
        ("cancel", 0..=49) => "rejected",
        ("cancel", _) | ("sent", _) => "pending",
        (_, 0..=34) => "pending",
        (_, 35..=69) => "accepted",
        (_, 70..=79) => "changes_proposed",
        (_, 80..=89) => "partially_accepted",
        _ => "reconfirm",
    };
    (state, ack)
}

async fn insert_po(
    tx: &mut Tx,
    rng: &mut StdRng,
    now: DateTime<Utc>,
    connection_id: i64,
    n: usize,
    supplier_id: i64,
    products: &[SeededProduct],
) -> Result<(), DbError> {
    let age_days = rng.gen_range(0..75);
    let order_date = now - Duration::days(age_days) - Duration::minutes(rng.gen_range(0..600));
    let (state, ack_state) = states(rng, age_days);
    let line_count = rng.gen_range(1..=12usize).min(products.len() * 2);
    let mut lines = Vec::with_capacity(line_count);
    let mut untaxed = 0.0;
    let mut latest = order_date;
    for i in 0..line_count {
        let p = &products[(n + i) % products.len()];
        let quantity = f64::from(rng.gen_range(1..=40) * if p.price < 1.0 { 250 } else { 5 });
        let requested = order_date + Duration::days(p.lead_days + rng.gen_range(0..10));
        latest = latest.max(requested);
        let subtotal = (quantity * p.price * 100.0).round() / 100.0;
        untaxed += subtotal;
        let received = if state == "done" { quantity } else { 0.0 };
        lines.push((i as i64 + 1, p, quantity, subtotal, requested, received));
    }
    let number = format!("P{:05}", n + 1);
    let po: IdRow = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO purchase_order (supplier_id, number, state, ack_state, order_date, expected_date, currency,
                   amount_untaxed, amount_total, buyer_name, notes, revision, received_at, odoo_connection_id, odoo_id,
                   odoo_write_date, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'EUR', $7, $8, $9, $10, 1, $11, $12, $13, $11, $11, $11) RETURNING id",
            )
            .bind(supplier_id)
            .bind(number)
            .bind(state)
            .bind(ack_state)
            .bind(order_date)
            .bind(latest)
            .bind(untaxed)
            .bind((untaxed * 1.19 * 100.0).round() / 100.0)
            .bind("Maria Keller")
            .bind((n % 7 == 3).then_some("Please print our PO number on every package and the delivery note."))
            .bind(order_date + Duration::minutes(5))
            .bind(connection_id)
            .bind(n as i64 + 1),
        )
        .await?;
    let mut sql = Sql::new(
        "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, price_unit,
           subtotal, requested_date, qty_received, ack_state, odoo_id) VALUES ",
    );
    for (k, (line_no, p, quantity, subtotal, requested, received)) in lines.into_iter().enumerate() {
        let line_ack = match ack_state {
            "accepted" => "accepted",
            "rejected" => "rejected",
            "reconfirm" if k == 0 => "reconfirm",
            "changes_proposed" if k == 0 => "change_proposed",
            "partially_accepted" | "reconfirm" | "changes_proposed" => "accepted",
            _ => "pending",
        };
        if k > 0 {
            sql.push(", ", std::iter::empty());
        }
        sql.push(
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                Arg::from(po.id),
                Arg::from(line_no),
                Arg::from(p.product_id),
                Arg::from(p.name),
                Arg::from(quantity),
                Arg::from(p.uom_id),
                Arg::from(p.price),
                Arg::from(subtotal),
                Arg::from(requested),
                Arg::from(received),
                Arg::from(line_ack),
                Arg::from((n as i64 + 1) * 100 + line_no),
            ],
        );
    }
    tx.execute(sql).await?;
    Ok(())
}
