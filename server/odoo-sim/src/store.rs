//! The in-memory database: one table of JSON records per model, plus users' credentials and webhooks.
//!
//! Records hold values in their internal ("load=None") form: many2one as a bare id or `false`, x2many as
//! id lists, dates and datetimes as strings. Non-stored fields are computed on access.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};

use crate::access::Role;
use crate::schema::{Compute, Kind, Schema};
use crate::OdooVersion;

pub type Record = BTreeMap<String, Value>;

#[derive(Clone, Debug)]
pub struct UserAuth {
    pub password: Option<String>,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct ApiKey {
    pub uid: i64,
    /// Kept in memory only, never logged.
    pub key: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct Webhook {
    /// Id of the server action (`_action` = `name(#id)`).
    pub action_id: i64,
    pub name: String,
    pub model: String,
    pub url: String,
    pub fields: Vec<String>,
    /// Empty = any field (`on_create_or_write` without trigger fields).
    pub trigger_fields: Vec<String>,
}

#[derive(Clone)]
pub struct Store {
    pub version: OdooVersion,
    pub database: String,
    pub stock_delivery: bool,
    pub schema: Arc<Schema>,
    pub tables: BTreeMap<String, im::OrdMap<i64, Record>>,
    pub next_ids: BTreeMap<String, i64>,
    pub sequences: BTreeMap<String, i64>,
    pub auth: BTreeMap<i64, UserAuth>,
    pub api_keys: Vec<ApiKey>,
    pub webhooks: Vec<Webhook>,
    pub next_action_id: i64,
    /// Last transaction timestamp handed out; write_date never goes backwards.
    pub last_stamp: NaiveDateTime,
    /// Many2one reverse lookups `(model, field) → target → ids`, built on first use and kept up to date by
    /// `set_raw` and `remove`, so one2many fields cost a lookup instead of a table scan.
    pub inverse_index: im::HashMap<(String, String), im::HashMap<i64, im::OrdSet<i64>>>,
    /// Well-known records (`uom.product_uom_unit` …).
    pub xmlids: BTreeMap<&'static str, i64>,
}

impl Store {
    pub fn new(version: OdooVersion, database: String, stock_delivery: bool, schema: Schema) -> Self {
        // Every one2many's inverse many2one is indexed from the start (the tables are empty).
        let mut inverse_index = im::HashMap::new();
        for mdef in schema.models.values() {
            for f in &mdef.fields {
                if let Kind::One2many(comodel, inverse) = &f.kind {
                    inverse_index.insert((comodel.to_string(), inverse.to_string()), im::HashMap::new());
                }
            }
        }
        Store {
            version,
            database,
            stock_delivery,
            schema: Arc::new(schema),
            tables: BTreeMap::new(),
            next_ids: BTreeMap::new(),
            sequences: BTreeMap::new(),
            auth: BTreeMap::new(),
            api_keys: Vec::new(),
            webhooks: Vec::new(),
            next_action_id: 490,
            last_stamp: NaiveDateTime::default(),
            xmlids: BTreeMap::new(),
            inverse_index,
        }
    }

    /// A strictly increasing UTC timestamp (microseconds kept).
    pub fn tick(&mut self) -> NaiveDateTime {
        let now = Utc::now().naive_utc();
        let next = if now > self.last_stamp { now } else { self.last_stamp + chrono::Duration::microseconds(1) };
        self.last_stamp = next;
        next
    }

    pub fn next_id(&mut self, model: &str) -> i64 {
        let n = self.next_ids.entry(model.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    pub fn next_sequence(&mut self, code: &str) -> i64 {
        let n = self.sequences.entry(code.to_string()).or_insert(0);
        *n += 1;
        *n
    }

    pub fn xmlid(&self, name: &str) -> i64 {
        self.xmlids.get(name).copied().unwrap_or(0)
    }

    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.tables.get(model).is_some_and(|t| t.contains_key(&id))
    }

    pub fn all_ids(&self, model: &str) -> Vec<i64> {
        self.tables.get(model).map(|t| t.keys().copied().collect()).unwrap_or_default()
    }

    pub fn rec(&self, model: &str, id: i64) -> Option<&Record> {
        self.tables.get(model).and_then(|t| t.get(&id))
    }

    pub fn rec_mut(&mut self, model: &str, id: i64) -> Option<&mut Record> {
        self.tables.get_mut(model).and_then(|t| t.get_mut(&id))
    }

    /// Stored-only setter for internal bookkeeping (no write_date, no webhooks).
    pub fn set_raw(&mut self, model: &str, id: i64, field: &str, value: Value) {
        let key = (model.to_string(), field.to_string());
        if self.inverse_index.contains_key(&key) {
            let old = self.rec(model, id).and_then(|r| r.get(field)).and_then(Value::as_i64);
            let new = value.as_i64();
            if old != new {
                let index = self.inverse_index.get_mut(&key).expect("checked");
                if let Some(old) = old {
                    if let Some(ids) = index.get_mut(&old) {
                        ids.remove(&id);
                    }
                }
                if let Some(new) = new {
                    index.entry(new).or_default().insert(id);
                }
            }
        }
        if let Some(r) = self.rec_mut(model, id) {
            r.insert(field.to_string(), value);
        }
    }

    /// A field value in internal form, computing non-stored fields.
    pub fn value(&self, model: &str, id: i64, field: &str) -> Value {
        if field == "id" {
            return json!(id);
        }
        let Some(fdef) = self.schema.field(model, field) else { return Value::Bool(false) };
        match (&fdef.compute, &fdef.kind) {
            (Some(Compute::Related(path)), _) => self.related(model, id, path),
            (Some(Compute::Custom), _) => crate::models::compute(self, model, id, field),
            (None, Kind::One2many(comodel, inverse)) => json!(self.inverse(comodel, inverse, id)),
            (None, kind) => self.rec(model, id).and_then(|r| r.get(field)).cloned().unwrap_or_else(|| kind.empty()),
        }
    }

    fn related(&self, model: &str, id: i64, path: &str) -> Value {
        let mut model = model.to_string();
        let mut id = id;
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                return self.value(&model, id, part);
            }
            let Some(fdef) = self.schema.field(&model, part) else { return Value::Bool(false) };
            let Some(next) = self.value(&model, id, part).as_i64() else {
                return self.schema.field_kind_empty(&model, path);
            };
            model = fdef.kind.relation().unwrap_or_default().to_string();
            id = next;
        }
        Value::Bool(false)
    }

    pub fn m2o(&self, model: &str, id: i64, field: &str) -> Option<i64> {
        self.value(model, id, field).as_i64()
    }

    pub fn ids_of(&self, model: &str, id: i64, field: &str) -> Vec<i64> {
        ids_in(&self.value(model, id, field))
    }

    pub fn str_of(&self, model: &str, id: i64, field: &str) -> Option<String> {
        self.value(model, id, field).as_str().map(str::to_string)
    }

    pub fn f64_of(&self, model: &str, id: i64, field: &str) -> f64 {
        self.value(model, id, field).as_f64().unwrap_or(0.0)
    }

    pub fn bool_of(&self, model: &str, id: i64, field: &str) -> bool {
        self.value(model, id, field).as_bool().unwrap_or(false)
    }

    /// Ids of `model` whose many2one `field` points at `target`, ascending.
    pub fn inverse(&self, model: &str, field: &str, target: i64) -> Vec<i64> {
        let key = (model.to_string(), field.to_string());
        if let Some(index) = self.inverse_index.get(&key) {
            return index.get(&target).map(|ids| ids.iter().copied().collect()).unwrap_or_default();
        }
        self.scan_inverse(model, field).get(&target).map(|ids| ids.iter().copied().collect()).unwrap_or_default()
    }

    fn scan_inverse(&self, model: &str, field: &str) -> im::HashMap<i64, im::OrdSet<i64>> {
        let mut index: im::HashMap<i64, im::OrdSet<i64>> = im::HashMap::new();
        if let Some(t) = self.tables.get(model) {
            for (id, r) in t.iter() {
                if let Some(target) = r.get(field).and_then(Value::as_i64) {
                    index.entry(target).or_default().insert(*id);
                }
            }
        }
        index
    }

    /// Deletes a record and its entries in the reverse indexes.
    pub fn remove(&mut self, model: &str, id: i64) {
        let Some(record) = self.tables.get_mut(model).and_then(|t| t.remove(&id)) else { return };
        for ((m, field), index) in self.inverse_index.iter_mut() {
            if m == model {
                if let Some(target) = record.get(field).and_then(Value::as_i64) {
                    if let Some(ids) = index.get_mut(&target) {
                        ids.remove(&id);
                    }
                }
            }
        }
    }

    /// Ids of `model` whose stored values satisfy `pred`.
    pub fn find(&self, model: &str, pred: impl Fn(&Record) -> bool) -> Vec<i64> {
        self.tables
            .get(model)
            .map(|t| t.iter().filter(|(_, r)| pred(r)).map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }

    pub fn display_name(&self, model: &str, id: i64) -> String {
        crate::models::display_name(self, model, id)
    }

    /// Uid → the user's commercial partner (the vendor for bot and portal users).
    pub fn commercial_partner_of_user(&self, uid: i64) -> Option<i64> {
        let partner = self.m2o("res.users", uid, "partner_id")?;
        self.m2o("res.partner", partner, "commercial_partner_id")
    }

    /// `child_of`: the given records and all their descendants via `parent_id`.
    pub fn descendants(&self, model: &str, roots: &[i64]) -> Vec<i64> {
        let mut out: Vec<i64> = roots.to_vec();
        if self.schema.field(model, "parent_id").is_none() {
            return out;
        }
        let mut frontier = roots.to_vec();
        while let Some(p) = frontier.pop() {
            for child in self.inverse(model, "parent_id", p) {
                if !out.contains(&child) {
                    out.push(child);
                    frontier.push(child);
                }
            }
        }
        out
    }
}

impl Schema {
    fn field_kind_empty(&self, model: &str, path: &str) -> Value {
        // Walk the path's types only, to return the right "empty" for the leaf.
        let mut m = model.to_string();
        let parts: Vec<&str> = path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let Some(f) = self.field(&m, part) else { return Value::Bool(false) };
            if i + 1 == parts.len() {
                return f.kind.empty();
            }
            m = f.kind.relation().unwrap_or_default().to_string();
        }
        Value::Bool(false)
    }
}

pub fn ids_in(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
        Value::Number(n) => n.as_i64().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Datetime as Odoo's `str(datetime)`: microseconds only when non-zero.
pub fn fmt_stamp(dt: NaiveDateTime) -> String {
    if dt.and_utc().timestamp_subsec_micros() == 0 {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

pub fn fmt_datetime(dt: DateTime<Utc>) -> String {
    dt.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Parse a Datetime value the way `fields.Datetime.to_datetime` does (date-only → midnight, fraction cut).
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = if s.len() == 10 { format!("{s} 00:00:00") } else { s.chars().take(19).collect() };
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").ok()
}
