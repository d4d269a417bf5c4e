//! The simulator handle: configuration, the locked store, the transaction runner shared by every transport
//! and by the Rust API, the call log, and the setup helpers tests and the demo use.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::access::Role;
use crate::error::{OdooError, Result};
use crate::faults::{FaultKind, Faults};
use crate::orm::{Env, Load};
use crate::store::{fmt_datetime, ApiKey, Store, UserAuth, Webhook};
use crate::{auth, methods, models, webhook, OdooVersion};

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub version: OdooVersion,
    pub database: String,
    /// Module stock_delivery installed: `carrier_id` / `carrier_tracking_ref` on pickings (§6.4).
    pub stock_delivery: bool,
}

impl SimConfig {
    /// Database `odoo<major>`, without stock_delivery.
    pub fn new(version: OdooVersion) -> Self {
        SimConfig { version, database: format!("odoo{}", version.major()), stock_delivery: false }
    }
}

/// One purchase order line for [`Simulator::create_purchase_order`].
#[derive(Clone, Debug)]
pub struct NewPoLine {
    pub product_id: i64,
    pub qty: f64,
    pub price_unit: f64,
    pub date_planned: DateTime<Utc>,
}

/// One RPC call as the simulator saw it.
#[derive(Clone, Debug, Serialize)]
pub struct CallRecord {
    pub seq: u64,
    /// `jsonrpc` or `json2`.
    pub transport: String,
    pub model: String,
    pub method: String,
    pub uid: Option<i64>,
    /// The call's transaction committed (its effects are in the database).
    pub applied: bool,
    /// `ok`, the Odoo error name (`odoo.exceptions.AccessError` …) or `fault:<kind>`.
    pub outcome: String,
    pub fault: Option<FaultKind>,
}

pub(crate) struct Inner {
    pub config: SimConfig,
    pub store: Mutex<Store>,
    pub faults: Faults,
    pub calls: Mutex<Vec<CallRecord>>,
    pub admin_key: String,
    pub http: reqwest::Client,
}

/// An in-memory Odoo 17/18/19 speaking JSON-RPC and JSON-2. Cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) inner: Arc<Inner>,
}

/// What an RPC transport asks the simulator to run.
pub(crate) struct Invocation {
    pub transport: &'static str,
    pub uid: i64,
    pub model: String,
    pub method: String,
    pub ids: Option<Vec<i64>>,
    pub kwargs: Map<String, Value>,
    pub context: Map<String, Value>,
    pub fault: Option<FaultKind>,
}

const READ_ONLY: &[&str] =
    &["search", "search_read", "search_count", "read", "fields_get", "name_search", "context_get"];
const ADMIN: i64 = 2;

impl Simulator {
    pub fn new(config: SimConfig) -> Simulator {
        let schema = models::build_schema(config.version, config.stock_delivery);
        let mut store = Store::new(config.version, config.database.clone(), config.stock_delivery, schema);
        {
            let mut env = Env::new(&mut store, ADMIN);
            models::seed_base(&mut env).expect("base data is consistent");
        }
        store.auth.insert(1, UserAuth { password: None, role: Role::Admin });
        store.auth.insert(ADMIN, UserAuth { password: Some("admin".into()), role: Role::Admin });
        let admin_key = auth::new_key();
        store.api_keys.push(ApiKey { uid: ADMIN, key: admin_key.clone(), expires_at: None });
        let http = reqwest::Client::builder().build().expect("reqwest client");
        Simulator {
            inner: Arc::new(Inner {
                config,
                store: Mutex::new(store),
                faults: Faults::default(),
                calls: Mutex::new(Vec::new()),
                admin_key,
                http,
            }),
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    pub fn version(&self) -> OdooVersion {
        self.inner.config.version
    }

    /// A persistent API key of the admin user (uid 2, login `admin`, password `admin`).
    pub fn admin_key(&self) -> String {
        self.inner.admin_key.clone()
    }

    /// Bind `addr` (e.g. `"127.0.0.1:0"`) and serve on a tokio task; returns the bound address.
    pub async fn spawn(&self, addr: &str) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let router = crate::transport::router(self.clone());
        tokio::spawn(crate::server::serve(listener, router));
        info!(%local, version = %self.version(), "Odoo simulator listening");
        Ok(local)
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.clone()
    }

    pub fn calls(&self) -> Vec<CallRecord> {
        self.lock_calls().clone()
    }

    pub fn clear_calls(&self) {
        self.lock_calls().clear();
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.inner.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_calls(&self) -> MutexGuard<'_, Vec<CallRecord>> {
        self.inner.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Log one call; `outcome` is Ok for a committed call, else the error name.
    pub(crate) fn record(
        &self,
        transport: &str,
        model: &str,
        method: &str,
        uid: Option<i64>,
        outcome: std::result::Result<(), String>,
        fault: Option<FaultKind>,
    ) {
        let mut calls = self.lock_calls();
        let seq = calls.len() as u64 + 1;
        calls.push(CallRecord {
            seq,
            transport: transport.into(),
            model: model.into(),
            method: method.into(),
            uid,
            applied: outcome.is_ok(),
            outcome: outcome.err().unwrap_or_else(|| "ok".into()),
            fault,
        });
    }

    /// Log a call stopped by a proxy-level fault (nothing reached Odoo).
    pub(crate) fn record_fault(&self, transport: &str, model: &str, method: &str, kind: FaultKind) {
        let name = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        self.record(transport, model, method, None, Err(format!("fault:{name}")), Some(kind));
    }

    /// Run `f` as one transaction of `uid`: committed on Ok, rolled back on Err. Webhooks go out after the
    /// commit on 19, and "inside the transaction" on 17/18 (so also for a change that is rolled back).
    pub(crate) fn txn<T>(
        &self,
        uid: i64,
        context: Map<String, Value>,
        read_only: bool,
        f: impl FnOnce(&mut Env) -> Result<T>,
    ) -> Result<T> {
        let mut st = self.store();
        let snapshot = if read_only { None } else { Some(st.clone()) };
        let (result, deliveries) = {
            let mut env = Env::new(&mut st, uid);
            env.context = context;
            let r = f(&mut env);
            (r, webhook::collect(&env))
        };
        let v19 = self.version() == OdooVersion::V19;
        match &result {
            Ok(_) => webhook::send(&self.inner.http, deliveries),
            Err(_) => {
                if let Some(s) = snapshot {
                    *st = s;
                }
                if !v19 {
                    webhook::send(&self.inner.http, deliveries);
                } else if !deliveries.is_empty() {
                    info!("Webhook calls cancelled due to a rollback");
                }
            }
        }
        result
    }

    /// Execute one RPC call (JSON-RPC or JSON-2) with its model-level fault, and log it.
    pub(crate) fn execute(&self, inv: Invocation) -> Result<Value> {
        let failing_tries = match inv.fault {
            Some(FaultKind::SerializationFailure) => 5,
            Some(FaultKind::TransientSerializationFailure) => 1,
            _ => 0,
        };
        let read_only = READ_ONLY.contains(&inv.method.as_str());
        let run = |env: &mut Env| methods::call(env, &inv.model, &inv.method, inv.ids.clone(), inv.kwargs.clone());
        for attempt in 1..=failing_tries {
            // The work is done, then Postgres refuses the commit; Odoo retries the whole call.
            let _ = self.txn(inv.uid, inv.context.clone(), false, |env| {
                run(env).and(Err::<Value, _>(OdooError::SerializationFailure))
            });
            let left = 5 - attempt;
            if left > 0 {
                info!("SERIALIZATION_FAILURE, {left} tries left, try again in 0.0000 sec...");
            } else {
                info!("SERIALIZATION_FAILURE, maximum number of tries reached!");
            }
        }
        let result = if failing_tries == 5 {
            Err(OdooError::SerializationFailure)
        } else {
            self.txn(inv.uid, inv.context.clone(), read_only, run)
        };
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.name().to_string());
        self.record(inv.transport, &inv.model, &inv.method, Some(inv.uid), outcome, inv.fault);
        result
    }

    // ---- setup helpers (admin, same ORM code as RPC; not in the call log) ----

    fn admin<T>(&self, f: impl FnOnce(&mut Env) -> Result<T>) -> Result<T> {
        self.txn(ADMIN, Map::new(), false, f)
    }

    /// Create a record as admin (`vals` is an object of field values).
    pub fn create_record(&self, model: &str, vals: Value) -> std::result::Result<i64, OdooError> {
        self.admin(|env| env.create(model, vals.as_object().cloned().unwrap_or_default()))
    }

    /// Write records as admin.
    pub fn write_record(&self, model: &str, ids: &[i64], vals: Value) -> std::result::Result<(), OdooError> {
        self.admin(|env| env.write(model, ids, vals.as_object().cloned().unwrap_or_default()))
    }

    /// Call a public method as `uid`, exactly as an RPC would (access rights included), without faults or logging.
    pub fn call_method(
        &self,
        uid: i64,
        model: &str,
        method: &str,
        ids: Option<Vec<i64>>,
        kwargs: Value,
    ) -> std::result::Result<Value, OdooError> {
        let kwargs = kwargs.as_object().cloned().unwrap_or_default();
        let context = kwargs.get("context").and_then(Value::as_object).cloned().unwrap_or_default();
        let read_only = READ_ONLY.contains(&method);
        self.txn(uid, context, read_only, |env| methods::call(env, model, method, ids, kwargs))
    }

    /// A vendor: a company `res.partner` with a supplier rank (as Odoo's first vendor bill or PO gives it).
    pub fn create_vendor(&self, name: &str, email: Option<&str>) -> i64 {
        self.create_record("res.partner", json!({"name": name, "email": email, "is_company": true, "supplier_rank": 1}))
            .expect("create vendor")
    }

    fn create_user(
        &self,
        name: &str,
        login: &str,
        partner_vals: Value,
        role: Role,
        groups: &[&str],
        key_days: Option<i64>,
    ) -> (i64, String) {
        let uid = self
            .admin(|env| {
                let partner = env.create_su("res.partner", partner_vals.as_object().cloned().unwrap_or_default())?;
                let gids: Vec<i64> = groups.iter().map(|g| env.st.xmlid(g)).collect();
                let mut vals = Map::new();
                vals.insert("name".into(), json!(name));
                vals.insert("login".into(), json!(login));
                vals.insert("partner_id".into(), json!(partner));
                vals.insert(models::base::groups_field(env.version()).into(), json!(gids));
                vals.insert("share".into(), json!(role == Role::Portal));
                env.create_su("res.users", vals)
            })
            .expect("create user");
        self.store().auth.insert(uid, UserAuth { password: None, role });
        // 18+: non-admin keys must expire (base.group_user allows 90 days).
        let expires = match (self.version(), key_days) {
            (OdooVersion::V17, _) | (_, None) => None,
            (_, Some(days)) => Some(Utc::now() + chrono::Duration::days(days)),
        };
        (uid, self.create_api_key(uid, expires))
    }

    /// An internal "bot" user of `vendor_id` (§11): its partner is a contact of the vendor.
    pub fn create_bot_user(&self, vendor_id: i64, login: &str) -> (i64, String) {
        let vendor = self.store().str_of("res.partner", vendor_id, "name").unwrap_or_default();
        let name = format!("{vendor} sync bot");
        // Odoo 17/18 refuse chatter notes from an author without an e-mail address.
        let partner = json!({"name": name, "parent_id": vendor_id, "email": format!("{login}@bots.invalid")});
        self.create_user(
            &name,
            login,
            partner,
            Role::Bot,
            &["base.group_user", "supplyline.group_supplier_sync"],
            Some(90),
        )
    }

    /// A portal user of `vendor_id` (read-only on its own POs, §10/§11).
    pub fn create_portal_user(&self, vendor_id: i64, login: &str) -> (i64, String) {
        let vendor = self.store().str_of("res.partner", vendor_id, "name").unwrap_or_default();
        let name = format!("{vendor} portal");
        let partner = json!({"name": name, "parent_id": vendor_id, "email": login});
        self.create_user(&name, login, partner, Role::Portal, &["base.group_portal"], Some(90))
    }

    /// An internal read-only planning user (MOs, stock moves, products, all purchase orders).
    pub fn create_planning_user(&self, login: &str) -> (i64, String) {
        let partner = json!({"name": "Planning"});
        self.create_user(
            "Planning",
            login,
            partner,
            Role::Planning,
            &["base.group_user", "supplyline.group_planning"],
            Some(90),
        )
    }

    /// A new API key for `uid` (ignored expiry on 17, which has none).
    pub fn create_api_key(&self, uid: i64, expires_at: Option<DateTime<Utc>>) -> String {
        let key = auth::new_key();
        self.store().api_keys.push(ApiKey { uid, key: key.clone(), expires_at });
        key
    }

    pub fn revoke_api_keys(&self, uid: i64) {
        self.store().api_keys.retain(|k| k.uid != uid);
    }

    /// A storable product (per version: `detailed_type` product on 17, `is_storable` on 18/19); returns
    /// the product.product id. `tracking`: `none`, `lot` or `serial`.
    pub fn create_product(&self, default_code: &str, name: &str, tracking: &str, uom_name: &str) -> i64 {
        self.admin(|env| {
            let uom = match env.st.find("uom.uom", |r| r.get("name").and_then(Value::as_str) == Some(uom_name)).first()
            {
                Some(u) => *u,
                None => env.create_su("uom.uom", crate::orm::one("name", json!(uom_name)))?,
            };
            let mut vals = Map::new();
            vals.insert("name".into(), json!(name));
            vals.insert("default_code".into(), json!(default_code));
            vals.insert("tracking".into(), json!(tracking));
            vals.insert("uom_id".into(), json!(uom));
            match env.version() {
                OdooVersion::V17 => {
                    vals.insert("detailed_type".into(), json!("product"));
                }
                _ => {
                    vals.insert("type".into(), json!("consu"));
                    vals.insert("is_storable".into(), json!(true));
                }
            }
            if env.version() != OdooVersion::V19 {
                vals.insert("uom_po_id".into(), json!(uom));
            }
            env.create("product.product", vals)
        })
        .expect("create product")
    }

    /// A vendor price list entry (lead time `delay_days`).
    pub fn create_supplierinfo(
        &self,
        vendor_id: i64,
        product_id: i64,
        code: Option<&str>,
        delay_days: i64,
        price: f64,
    ) -> i64 {
        let tmpl = self.store().m2o("product.product", product_id, "product_tmpl_id");
        self.create_record(
            "product.supplierinfo",
            json!({"partner_id": vendor_id, "product_id": product_id, "product_tmpl_id": tmpl, "product_code": code,
                   "delay": delay_days, "price": price, "min_qty": 0.0}),
        )
        .expect("create supplierinfo")
    }

    /// A purchase order with lines; `confirm` runs `button_confirm` (receipt created).
    pub fn create_purchase_order(&self, vendor_id: i64, lines: &[NewPoLine], confirm: bool) -> i64 {
        let line_cmds: Vec<Value> = lines
            .iter()
            .map(|l| {
                json!([0, 0, {"product_id": l.product_id, "product_qty": l.qty, "price_unit": l.price_unit,
                              "date_planned": fmt_datetime(l.date_planned)}])
            })
            .collect();
        let po = self
            .create_record("purchase.order", json!({"partner_id": vendor_id, "order_line": line_cmds}))
            .expect("create PO");
        if confirm {
            self.call_method(ADMIN, "purchase.order", "button_confirm", Some(vec![po]), json!({})).expect("confirm PO");
        }
        po
    }

    /// A confirmed manufacturing order with one component move per `(product, qty)`.
    pub fn create_manufacturing_order(
        &self,
        product_id: i64,
        qty: f64,
        date_start: DateTime<Utc>,
        components: &[(i64, f64)],
    ) -> i64 {
        self.admin(|env| {
            let start = fmt_datetime(date_start);
            let mut vals = Map::new();
            vals.insert("product_id".into(), json!(product_id));
            vals.insert("product_qty".into(), json!(qty));
            vals.insert("date_start".into(), json!(start));
            vals.insert("state".into(), json!("confirmed"));
            let mo = env.create("mrp.production", vals)?;
            let (src, dst) = (env.st.xmlid("stock.stock_location_stock"), env.st.xmlid("stock.location_production"));
            for &(product, cqty) in components {
                let mut mv = Map::new();
                mv.insert("product_id".into(), json!(product));
                mv.insert("product_uom_qty".into(), json!(cqty));
                mv.insert("raw_material_production_id".into(), json!(mo));
                mv.insert("location_id".into(), json!(src));
                mv.insert("location_dest_id".into(), json!(dst));
                mv.insert("date".into(), json!(start));
                mv.insert("state".into(), json!("confirmed"));
                mv.insert("picking_type_id".into(), json!(env.st.xmlid("mrp.picking_type_manufacturing")));
                env.create_su("stock.move", mv)?;
            }
            Ok(mo)
        })
        .expect("create MO")
    }

    /// An automation rule "on create or update" of `model` with a "Send Webhook Notification" action posting
    /// `fields` to `url`. Returns the server action id (the `#id` in `_action`).
    pub fn add_webhook(&self, model: &str, url: &str, fields: &[&str]) -> i64 {
        self.add_webhook_with_triggers(model, url, fields, &[])
    }

    /// Like [`Simulator::add_webhook`], firing only when one of `trigger_fields` is written (or on create).
    pub fn add_webhook_with_triggers(&self, model: &str, url: &str, fields: &[&str], trigger_fields: &[&str]) -> i64 {
        let mut st = self.store();
        st.next_action_id += 1;
        let action_id = st.next_action_id;
        st.webhooks.push(Webhook {
            action_id,
            name: "Notify portal".into(),
            model: model.into(),
            url: url.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            trigger_fields: trigger_fields.iter().map(|f| f.to_string()).collect(),
        });
        action_id
    }

    pub fn remove_webhooks(&self) {
        self.store().webhooks.clear();
    }

    /// Admin `read` of every field, rendered as RPC would; None if the record does not exist.
    pub fn read_record(&self, model: &str, id: i64) -> Option<Value> {
        let mut st = self.store();
        let env = Env::new(&mut st, ADMIN);
        env.read_one(model, id)
    }

    /// Admin `search` (default order, active records only unless the domain mentions `active`).
    pub fn search_ids(&self, model: &str, domain: Value) -> Vec<i64> {
        let mut st = self.store();
        let env = Env::new(&mut st, ADMIN);
        match env.search(model, &domain, 0, None, None) {
            Ok(ids) => ids,
            Err(e) => {
                warn!("search_ids({model}) failed: {e}");
                Vec::new()
            }
        }
    }

    /// Community quality hold (§9): the lot's stock moves to WH/Quality Control and a QC transfer back to
    /// stock is opened; validating it (admin `button_validate`) releases the hold. Returns the transfer id.
    pub fn quality_hold(&self, lot_id: i64) -> i64 {
        self.admin(|env| crate::models::stock::quality_hold(env, lot_id)).expect("quality hold")
    }

    /// An OCA `qc.inspection` for a lot (state e.g. `ready`, `success`, `failed`).
    pub fn create_qc_inspection(&self, lot_id: i64, picking_id: Option<i64>, state: &str) -> i64 {
        let qty = self.store().f64_of("stock.lot", lot_id, "product_qty");
        self.create_record(
            "qc.inspection",
            json!({"lot_id": lot_id, "picking_id": picking_id, "state": state, "qty": qty,
                   "test": 1, "auto_generated": picking_id.is_some()}),
        )
        .expect("create qc.inspection")
    }

    /// Render records with `load=None` (bare many2one ids), as webhook payloads do.
    pub fn read_raw(&self, model: &str, id: i64, fields: &[&str]) -> Option<Value> {
        let mut st = self.store();
        if !st.exists(model, id) {
            return None;
        }
        let env = Env::new(&mut st, ADMIN);
        let names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        Some(env.render(model, id, &names, Load::Raw, true))
    }
}
