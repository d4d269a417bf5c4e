//! Demo data for the buyer's exception queue and scorecards, added by `supplyline demo` only (the
//! test seed stays as it is): a seal ring whose accepted date is two weeks past the required date,
//! a housing whose shipment is announced late, a second supplier for the seal ring, and the
//! acknowledgements, receipts and shipments the scorecards count. The MOs that need these parts are
//! created in the demo Odoo (see `odoo.rs`) and arrive by the MO pull.

use chrono::{DateTime, Duration, Utc};

use crate::db::{Db, DbError, Executor, Sql};

/// The seal ring late by its accepted date, and its alternative supplier's lead time.
pub const LATE_SEAL: &str = "PLY-SEAL-NBR";
/// The housing late by its shipment's ETA.
pub const LATE_HOUSING: &str = "CST-HSG-220";

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

async fn id_of(tx: &mut crate::db::Tx, sql: Sql) -> Result<i64, DbError> {
    Ok(tx.fetch_one::<Id>(sql).await?.id)
}

pub async fn seed(db: &Db) -> Result<(), DbError> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let supplier = |code: &'static str| Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code);
    let product = |code: &'static str| Sql::new("SELECT id FROM product WHERE default_code = $1").bind(code);
    let alpoly = id_of(&mut tx, supplier("ALPOLY")).await?;
    let nordfast = id_of(&mut tx, supplier("NORDFAST")).await?;
    let kessler = id_of(&mut tx, supplier("KESSLER")).await?;
    let seal = id_of(&mut tx, product(LATE_SEAL)).await?;
    let housing = id_of(&mut tx, product(LATE_HOUSING)).await?;
    let user_of =
        |supplier_id: i64| Sql::new("SELECT MIN(id) AS id FROM app_user WHERE supplier_id = $1").bind(supplier_id);
    let claire = id_of(&mut tx, user_of(alpoly)).await?;
    let jonas = id_of(&mut tx, user_of(kessler)).await?;
    let maria = id_of(&mut tx, Sql::new("SELECT MIN(id) AS id FROM app_user WHERE role = 'buyer'")).await?;

    // Nordhavn stocks the same NBR seal ring: the alternative the queue offers.
    tx.execute(
        Sql::new(
            "INSERT INTO supplier_product (supplier_id, product_id, supplier_code, lead_time_days, min_qty, price)
             VALUES ($1, $2, 'NH-OR-6203', 5, 0, 0.41)",
        )
        .bind(nordfast)
        .bind(seal),
    )
    .await?;

    // Alpine's new PO: the seal ring was wanted in 9 days; Alpine proposed 23 and the buyer accepted.
    let ordered = now - Duration::days(6);
    let required = (now + Duration::days(9)).date_naive().and_hms_opt(8, 0, 0).expect("a time").and_utc();
    let accepted = required + Duration::days(14);
    let on_time = required + Duration::days(11);
    let connection = id_of(&mut tx, Sql::new("SELECT MIN(id) AS id FROM odoo_connection")).await?;
    let po = id_of(
        &mut tx,
        Sql::new(
            "INSERT INTO purchase_order (supplier_id, number, state, ack_state, order_date, expected_date, currency, amount_untaxed,
               amount_total, buyer_name, revision, received_at, odoo_connection_id, odoo_write_date, created_at, updated_at)
             VALUES ($1, 'P00049', 'purchase', 'accepted', $2, $3, 'EUR', 3185.0, 3790.15, 'Maria Keller', 1, $4, $5, $4, $4, $4)
             RETURNING id",
        )
        .bind(alpoly)
        .bind(ordered)
        .bind(accepted)
        .bind(ordered + Duration::minutes(5))
        .bind(connection),
    )
    .await?;
    let uom = |code: &'static str| Sql::new("SELECT uom_id AS id FROM product WHERE default_code = $1").bind(code);
    let seal_uom = id_of(&mut tx, uom(LATE_SEAL)).await?;
    let pa66 = id_of(&mut tx, product("PLY-PA66-GF30")).await?;
    let kg = id_of(&mut tx, uom("PLY-PA66-GF30")).await?;
    let seal_line = id_of(
        &mut tx,
        Sql::new(
            "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, price_unit, subtotal,
               requested_date, required_date, qty_received, ack_state)
             VALUES ($1, 1, $2, 'NBR seal ring 62×3', 2000, $3, 0.38, 760.0, $4, $5, 0, 'accepted') RETURNING id",
        )
        .bind(po)
        .bind(seal)
        .bind(seal_uom)
        .bind(accepted)
        .bind(required),
    )
    .await?;
    tx.execute(
        Sql::new(
            "INSERT INTO purchase_order_line (purchase_order_id, line_no, product_id, description, quantity, uom_id, price_unit, subtotal,
               requested_date, qty_received, ack_state)
             VALUES ($1, 2, $2, 'PA66 GF30 granulate, black', 500, $3, 4.85, 2425.0, $4, 0, 'accepted')",
        )
        .bind(po)
        .bind(pa66)
        .bind(kg)
        .bind(on_time),
    )
    .await?;
    let ack = id_of(
        &mut tx,
        Sql::new(
            "INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, created_at)
             VALUES ($1, 1, $2, 'per_line', $3) RETURNING id",
        )
        .bind(po)
        .bind(claire)
        .bind(ordered + Duration::hours(7)),
    )
    .await?;
    tx.execute(
        Sql::new("INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision) VALUES ($1, $2, 'propose')")
            .bind(ack)
            .bind(seal_line),
    )
    .await?;
    tx.execute(
        Sql::new(
            "INSERT INTO change_proposal (purchase_order_line_id, acknowledgement_id, kind, proposed_date, reason, status, proposed_by,
               decided_by, decided_at, created_at)
             VALUES ($1, $2, 'date', $3, 'Compound shortage at our mixing plant', 'accepted', $4, $5, $6, $7)",
        )
        .bind(seal_line)
        .bind(ack)
        .bind(accepted.date_naive())
        .bind(claire)
        .bind(maria)
        .bind(ordered + Duration::hours(30))
        .bind(ordered + Duration::hours(7)),
    )
    .await?;

    // Kessler's housings: the shipment is announced six days after the date the line is wanted.
    #[derive(sqlx::FromRow)]
    struct Open {
        id: i64,
        quantity: f64,
        requested_date: DateTime<Utc>,
    }
    let housing_line: Option<Open> = tx
        .fetch_optional(
            Sql::new(
                "SELECT l.id, l.quantity, l.requested_date FROM purchase_order_line l JOIN purchase_order po ON po.id = l.purchase_order_id
                  WHERE po.supplier_id = $1 AND po.state = 'purchase' AND l.product_id = $2 AND l.qty_received < l.quantity
                    AND l.requested_date > $3
                  ORDER BY l.requested_date LIMIT 1",
            )
            .bind(kessler)
            .bind(housing)
            .bind(now),
        )
        .await?;
    if let Some(line) = housing_line {
        let asn = id_of(
            &mut tx,
            Sql::new(
                "INSERT INTO asn (supplier_id, number, status, carrier, tracking_ref, ship_date, eta, created_by, created_at, updated_at)
                 VALUES ($1, 'KG-DN-4471', 'submitted', 'DB Schenker', 'DBS-88120457', $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(kessler)
            .bind((line.requested_date + Duration::days(2)).date_naive())
            .bind(line.requested_date + Duration::days(6))
            .bind(jonas)
            .bind(now),
        )
        .await?;
        tx.execute(
            Sql::new("INSERT INTO asn_line (asn_id, purchase_order_line_id, quantity) VALUES ($1, $2, $3)")
                .bind(asn)
                .bind(line.id)
                .bind(line.quantity),
        )
        .await?;
    }
    scorecard_history(&mut tx).await?;
    tx.commit().await
}

/// What the scorecards count for the seeded POs: a first acknowledgement for every answered PO (after
/// 2 to 40 hours), and receipt dates for the lines of done POs (a few days late now and then).
async fn scorecard_history(tx: &mut crate::db::Tx) -> Result<(), DbError> {
    #[derive(sqlx::FromRow)]
    struct Answered {
        id: i64,
        ack_state: String,
        received_at: DateTime<Utc>,
        user_id: i64,
    }
    let pos: Vec<Answered> = tx
        .fetch_all(Sql::new(
            "SELECT po.id, po.ack_state, po.received_at, (SELECT MIN(u.id) FROM app_user u WHERE u.supplier_id = po.supplier_id) AS user_id
               FROM purchase_order po
              WHERE po.state IN ('purchase', 'done') AND po.ack_state <> 'pending'
                AND NOT EXISTS (SELECT 1 FROM acknowledgement a WHERE a.purchase_order_id = po.id)
              ORDER BY po.id",
        ))
        .await?;
    for po in pos {
        let after = Duration::hours(2 + (po.id * 7) % 39);
        let decision = match po.ack_state.as_str() {
            "accepted" => "accept",
            "rejected" => "reject",
            _ => "per_line",
        };
        let ack = id_of(
            tx,
            Sql::new(
                "INSERT INTO acknowledgement (purchase_order_id, revision, user_id, decision, created_at)
                 VALUES ($1, 1, $2, $3, $4) RETURNING id",
            )
            .bind(po.id)
            .bind(po.user_id)
            .bind(decision)
            .bind(po.received_at + after),
        )
        .await?;
        if decision == "per_line" {
            tx.execute(
                Sql::new(
                    "INSERT INTO acknowledgement_line (acknowledgement_id, purchase_order_line_id, decision)
                     SELECT $1, id, CASE ack_state WHEN 'change_proposed' THEN 'propose' WHEN 'rejected' THEN 'reject' ELSE 'accept' END
                       FROM purchase_order_line WHERE purchase_order_id = $2",
                )
                .bind(ack)
                .bind(po.id),
            )
            .await?;
        }
    }
    #[derive(sqlx::FromRow)]
    struct Received {
        id: i64,
        requested_date: DateTime<Utc>,
    }
    let lines: Vec<Received> = tx
        .fetch_all(Sql::new(
            "SELECT l.id, l.requested_date FROM purchase_order_line l JOIN purchase_order po ON po.id = l.purchase_order_id
              WHERE po.state = 'done' AND l.qty_received >= l.quantity AND l.last_receipt_at IS NULL ORDER BY l.id",
        ))
        .await?;
    for line in lines {
        // Mostly a day or two early; every fifth line three days late.
        let offset = if line.id % 5 == 0 { Duration::days(3) } else { -Duration::days(1 + line.id % 2) };
        tx.execute(
            Sql::new("UPDATE purchase_order_line SET last_receipt_at = $1 WHERE id = $2")
                .bind(line.requested_date + offset)
                .bind(line.id),
        )
        .await?;
    }
    Ok(())
}
