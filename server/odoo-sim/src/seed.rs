//! A small Odoo-side demo dataset.

use chrono::{Duration, Utc};
use serde::Serialize;

use crate::sim::{NewPoLine, Simulator};

#[derive(Clone, Debug, Serialize)]
pub struct DemoUser {
    pub uid: i64,
    pub login: String,
    pub api_key: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct DemoVendor {
    pub partner_id: i64,
    pub name: String,
    pub bot: DemoUser,
    pub portal: Option<DemoUser>,
}

/// What [`Simulator::seed_demo`] created.
#[derive(Clone, Debug, Serialize)]
pub struct DemoSeed {
    pub vendors: Vec<DemoVendor>,
    pub planning: DemoUser,
    /// product.product ids: BRK-100 (lot), CTL-200 (serial), SCR-006 (untracked), FG-1000 (finished good).
    pub products: Vec<i64>,
    /// ACME confirmed, ACME draft RFQ, Globex confirmed.
    pub purchase_orders: Vec<i64>,
    /// One MO of FG-1000 in 10 days consuming BRK-100 (due in 7 days) and CTL-200 (due in 14: a late component).
    pub manufacturing_orders: Vec<i64>,
}

impl Simulator {
    /// Seeds: vendors "ACME Components" and "Globex Metals", each with a sync bot (`acme-sync-bot`,
    /// `globex-sync-bot`); an ACME portal user (`portal@acme.example.com`); a planning user (`planning`);
    /// four products with vendor price lists (lead times 7/14/3 days); three POs (ACME confirmed with two
    /// lines, ACME draft RFQ, Globex confirmed) and one confirmed MO whose components come from those POs.
    pub fn seed_demo(&self) -> DemoSeed {
        let now = Utc::now();
        let acme = self.create_vendor("ACME Components", Some("orders@acme.example.com"));
        let globex = self.create_vendor("Globex Metals", Some("sales@globex.example.com"));
        let user = |(uid, api_key): (i64, String), login: &str| DemoUser { uid, login: login.into(), api_key };
        let acme_bot = user(self.create_bot_user(acme, "acme-sync-bot"), "acme-sync-bot");
        let acme_portal = user(self.create_portal_user(acme, "portal@acme.example.com"), "portal@acme.example.com");
        let globex_bot = user(self.create_bot_user(globex, "globex-sync-bot"), "globex-sync-bot");
        let planning = user(self.create_planning_user("planning"), "planning");

        let bracket = self.create_product("BRK-100", "Steel bracket", "lot", "Units");
        let controller = self.create_product("CTL-200", "Controller board", "serial", "Units");
        let screw = self.create_product("SCR-006", "M6 screw", "none", "Units");
        let finished = self.create_product("FG-1000", "Conveyor module", "none", "Units");
        self.create_supplierinfo(acme, bracket, Some("AC-BRK-100"), 7, 4.2);
        self.create_supplierinfo(acme, controller, Some("AC-CTL-200"), 14, 89.0);
        self.create_supplierinfo(globex, screw, Some("GX-M6"), 3, 0.05);

        let line = |product_id, qty, price_unit, days| NewPoLine {
            product_id,
            qty,
            price_unit,
            date_planned: now + Duration::days(days),
        };
        let po1 =
            self.create_purchase_order(acme, &[line(bracket, 100.0, 4.2, 7), line(controller, 5.0, 89.0, 14)], true);
        let po2 = self.create_purchase_order(acme, &[line(bracket, 50.0, 4.2, 21)], false);
        let po3 = self.create_purchase_order(globex, &[line(screw, 1000.0, 0.05, 3)], true);
        let mo = self.create_manufacturing_order(
            finished,
            5.0,
            now + Duration::days(10),
            &[(bracket, 20.0), (controller, 5.0)],
        );

        DemoSeed {
            vendors: vec![
                DemoVendor {
                    partner_id: acme,
                    name: "ACME Components".into(),
                    bot: acme_bot,
                    portal: Some(acme_portal),
                },
                DemoVendor { partner_id: globex, name: "Globex Metals".into(), bot: globex_bot, portal: None },
            ],
            planning,
            products: vec![bracket, controller, screw, finished],
            purchase_orders: vec![po1, po2, po3],
            manufacturing_orders: vec![mo],
        }
    }
}
