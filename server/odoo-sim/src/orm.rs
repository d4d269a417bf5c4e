//! The ORM: create/read/write/unlink/search with access checks, value conversion, x2many commands,
//! write_date bookkeeping and the hooks that models use for their side effects.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use crate::access::{self, Op, Role};
use crate::domain::{self, Node};
use crate::error::{OdooError, Result};
use crate::models;
use crate::schema::{Kind, ModelDef};
use crate::store::{fmt_stamp, ids_in, parse_datetime, Store};
use crate::OdooVersion;

/// A record touched in the current transaction (drives webhooks).
#[derive(Clone, Debug)]
pub struct Touch {
    pub model: String,
    pub id: i64,
    pub created: bool,
    pub fields: BTreeSet<String>,
}

/// One transaction as one user.
pub struct Env<'a> {
    pub st: &'a mut Store,
    pub uid: i64,
    /// Transaction time: `write_date` of everything written in it.
    pub now: NaiveDateTime,
    pub context: Map<String, Value>,
    pub touched: Vec<Touch>,
}

/// How values leave the ORM: RPC reads show many2one as `[id, name]`, webhooks (`load=None`) as bare ids.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    Classic,
    Raw,
}

impl<'a> Env<'a> {
    pub fn new(st: &'a mut Store, uid: i64) -> Self {
        let now = st.tick();
        Env { st, uid, now, context: Map::new(), touched: Vec::new() }
    }

    pub fn version(&self) -> OdooVersion {
        self.st.version
    }

    pub fn stamp(&self) -> String {
        fmt_stamp(self.now)
    }

    /// Now as a plain Datetime field value (no microseconds).
    pub fn now_str(&self) -> String {
        self.now.format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// The seeded users' roles; a user created over RPC is an administrator only through
    /// `base.group_system`, otherwise a member whose groups decide.
    pub fn role(&self) -> Role {
        self.st.auth.get(&self.uid).map(|a| a.role).unwrap_or_else(|| {
            let groups = models::security::user_groups(self.st, self.uid);
            if groups.contains(&self.st.xmlid("base.group_system")) {
                Role::Admin
            } else {
                Role::Member
            }
        })
    }

    pub fn acl_allows(&self, model: &str, op: Op) -> bool {
        match self.role() {
            Role::Member => {
                let internal =
                    models::security::user_groups(self.st, self.uid).contains(&self.st.xmlid("base.group_user"));
                (internal && access::acl_allows(Role::Member, model, op))
                    || models::security::acl_grants(self.st, self.uid, model, op)
            }
            role => access::acl_allows(role, model, op),
        }
    }

    pub fn model_def(&self, model: &str) -> Result<ModelDef> {
        self.st
            .schema
            .model(model)
            .cloned()
            .ok_or_else(|| OdooError::UserError(format!("Object {model} doesn't exist")))
    }

    pub fn check_acl(&self, model: &str, op: Op) -> Result<()> {
        if self.acl_allows(model, op) {
            Ok(())
        } else {
            Err(access::acl_error(model, &self.st.schema.description(model), op))
        }
    }

    /// The subset of `ids` the user's record rules let through.
    pub fn rule_filter(&self, model: &str, ids: &[i64]) -> Vec<i64> {
        let role = self.role();
        if role == Role::Admin {
            return ids.to_vec();
        }
        if model == "mail.message" {
            // Messages follow the access to the document they are posted on.
            return ids
                .iter()
                .copied()
                .filter(|id| {
                    let doc_model = self.st.str_of(model, *id, "model").unwrap_or_default();
                    let res_id = self.st.value(model, *id, "res_id").as_i64().unwrap_or(0);
                    self.acl_allows(&doc_model, Op::Read) && !self.rule_filter(&doc_model, &[res_id]).is_empty()
                })
                .collect();
        }
        if role == Role::Member {
            let rules = models::security::rules_for(self.st, self.uid, model, Op::Read);
            return ids.iter().copied().filter(|id| rules.allows(self.st, model, *id)).collect();
        }
        let cp = self.st.commercial_partner_of_user(self.uid).unwrap_or(0);
        match access::rule_domain(role, model, cp).map(|d| domain::parse(&d)) {
            Some(Ok(node)) => ids.iter().copied().filter(|id| domain::eval(self.st, model, *id, &node)).collect(),
            _ => ids.to_vec(),
        }
    }

    pub fn check_rule(&self, model: &str, ids: &[i64], op: Op) -> Result<()> {
        let allowed = self.rule_filter(model, ids);
        if allowed.len() == ids.len() {
            return Ok(());
        }
        let name = self.st.str_of("res.users", self.uid, "name").unwrap_or_default();
        Err(access::rule_error(&name, self.uid, op, model, &self.st.schema.description(model)))
    }

    /// ACL + record rules for an explicit operation on existing records; missing ids raise MissingError.
    pub fn check_access(&self, model: &str, ids: &[i64], op: Op) -> Result<()> {
        self.model_def(model)?;
        self.check_acl(model, op)?;
        self.check_exist(model, ids)?;
        self.check_rule(model, ids, op)
    }

    pub fn check_exist(&self, model: &str, ids: &[i64]) -> Result<()> {
        let missing: Vec<i64> = ids.iter().copied().filter(|id| !self.st.exists(model, *id)).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(OdooError::missing(model, &missing, self.uid))
        }
    }

    // ---- public ORM API (access-checked) ----

    pub fn search(
        &self,
        model: &str,
        domain: &Value,
        offset: usize,
        limit: Option<usize>,
        order: Option<&str>,
    ) -> Result<Vec<i64>> {
        let mdef = self.model_def(model)?;
        self.check_acl(model, Op::Read)?;
        let ids = self.search_su(model, domain, order.unwrap_or(mdef.order))?;
        let ids = self.rule_filter(model, &ids);
        Ok(ids.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX)).collect())
    }

    /// Search without access rights (the ORM's `sudo()`), honouring `active_test`.
    pub fn search_su(&self, model: &str, domain: &Value, order: &str) -> Result<Vec<i64>> {
        let node = domain::parse(domain)?;
        domain::validate(self.st, model, &node)?;
        let active_test = self.context.get("active_test").and_then(Value::as_bool).unwrap_or(true)
            && self.st.schema.field(model, "active").is_some()
            && !mentions(&node, "active");
        let mut ids: Vec<i64> = self
            .st
            .all_ids(model)
            .into_iter()
            .filter(|id| !active_test || self.st.bool_of(model, *id, "active"))
            .filter(|id| domain::eval(self.st, model, *id, &node))
            .collect();
        domain::sort(self.st, model, &mut ids, order)?;
        Ok(ids)
    }

    pub fn read(&self, model: &str, ids: &[i64], fields: Option<&[String]>, load: Load) -> Result<Vec<Value>> {
        let mdef = self.model_def(model)?;
        self.check_acl(model, Op::Read)?;
        // read() silently drops ids that do not exist (§2.1).
        let existing: Vec<i64> = ids.iter().copied().filter(|id| self.st.exists(model, *id)).collect();
        self.check_rule(model, &existing, Op::Read)?;
        let names: Vec<String> = match fields {
            Some(f) if !f.is_empty() => f.to_vec(),
            _ => mdef.fields.iter().map(|f| f.name.to_string()).collect(),
        };
        for n in &names {
            if mdef.field(n).is_none() {
                return Err(OdooError::ValueError(format!("Invalid field '{n}' on model '{model}'")));
            }
        }
        Ok(existing.iter().map(|id| self.render(model, *id, &names, load, false)).collect())
    }

    /// One record as a JSON object; `keep_micros` only for webhook payloads.
    pub fn render(&self, model: &str, id: i64, names: &[String], load: Load, keep_micros: bool) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(id));
        for n in names {
            let Some(f) = self.st.schema.field(model, n) else { continue };
            let v = self.st.value(model, id, n);
            let v = match (&f.kind, load) {
                (Kind::Many2one(rel), Load::Classic) => match v.as_i64() {
                    Some(rid) if self.st.exists(rel, rid) => json!([rid, self.st.display_name(rel, rid)]),
                    _ => Value::Bool(false),
                },
                (Kind::Datetime, _) if !keep_micros => match v.as_str() {
                    Some(s) => json!(s.chars().take(19).collect::<String>()),
                    None => v,
                },
                _ => v,
            };
            out.insert(n.clone(), v);
        }
        Value::Object(out)
    }

    pub fn create(&mut self, model: &str, vals: Map<String, Value>) -> Result<i64> {
        self.model_def(model)?;
        self.check_acl(model, Op::Create)?;
        let id = self.create_su(model, vals)?;
        // Rules also apply to the created record (e.g. a bot's move line must belong to its vendor).
        self.check_rule(model, &[id], Op::Create)?;
        Ok(id)
    }

    pub fn write(&mut self, model: &str, ids: &[i64], vals: Map<String, Value>) -> Result<()> {
        self.check_access(model, ids, Op::Write)?;
        self.write_su(model, ids, vals)
    }

    pub fn unlink(&mut self, model: &str, ids: &[i64]) -> Result<()> {
        self.check_access(model, ids, Op::Unlink)?;
        self.unlink_su(model, ids)
    }

    pub fn fields_get(
        &self,
        model: &str,
        allfields: Option<&[String]>,
        attributes: Option<&[String]>,
    ) -> Result<Value> {
        let mdef = self.model_def(model)?;
        let mut out = Map::new();
        for f in &mdef.fields {
            if allfields.is_some_and(|a| !a.is_empty() && !a.iter().any(|n| n == f.name)) {
                continue;
            }
            out.insert(f.name.to_string(), f.describe(attributes));
        }
        Ok(Value::Object(out))
    }

    pub fn name_search(&self, model: &str, name: &str, domain: &Value, operator: &str, limit: usize) -> Result<Value> {
        let mut dom = match domain {
            Value::Array(a) => a.clone(),
            _ => Vec::new(),
        };
        if !name.is_empty() {
            dom.push(json!(["display_name", operator, name]));
        }
        let ids = self.search(model, &Value::Array(dom), 0, Some(limit), None)?;
        Ok(json!(ids.iter().map(|id| json!([id, self.st.display_name(model, *id)])).collect::<Vec<_>>()))
    }

    // ---- sudo primitives used by business code ----

    pub fn create_su(&mut self, model: &str, mut vals: Map<String, Value>) -> Result<i64> {
        let mdef = self.model_def(model)?;
        check_field_names(&mdef, &vals)?;
        models::prepare_create(self, model, &mut vals)?;
        for f in mdef.fields.iter().filter(|f| f.required && f.is_stored() && f.name != "id") {
            if vals.get(f.name).is_none_or(|v| matches!(v, Value::Bool(false) | Value::Null)) {
                return Err(required_error(self.version(), &mdef, f.name, f.string));
            }
        }
        let id = self.st.next_id(model);
        let stamp = self.stamp();
        let mut rec = crate::store::Record::new();
        rec.insert("create_date".into(), json!(stamp));
        rec.insert("write_date".into(), json!(stamp));
        rec.insert("create_uid".into(), json!(self.uid));
        rec.insert("write_uid".into(), json!(self.uid));
        self.st.tables.entry(model.to_string()).or_default().insert(id, rec);
        let fields: BTreeSet<String> = vals.keys().cloned().collect();
        self.assign(model, id, vals)?;
        self.touch(model, id, true, fields);
        models::after_create(self, model, id)?;
        Ok(id)
    }

    pub fn write_su(&mut self, model: &str, ids: &[i64], vals: Map<String, Value>) -> Result<()> {
        let mdef = self.model_def(model)?;
        self.check_exist(model, ids)?;
        check_field_names(&mdef, &vals)?;
        let vals = models::before_write(self, model, ids, vals)?;
        for &id in ids {
            self.assign(model, id, vals.clone())?;
            self.bump(model, id, vals.keys().cloned().collect());
        }
        models::after_write(self, model, ids, &vals)
    }

    pub fn unlink_su(&mut self, model: &str, ids: &[i64]) -> Result<()> {
        self.check_exist(model, ids)?;
        models::before_unlink(self, model, ids)?;
        for &id in ids {
            // Cascade one2many children whose inverse is required (order lines, move lines …).
            let mdef = self.model_def(model)?;
            for f in &mdef.fields {
                if let Kind::One2many(comodel, inverse) = &f.kind {
                    let required = self.st.schema.field(comodel, inverse).is_some_and(|f| f.required);
                    let children = self.st.inverse(comodel, inverse, id);
                    if required && !children.is_empty() {
                        self.unlink_su(comodel, &children)?;
                    }
                }
            }
            self.st.remove(model, id);
        }
        Ok(())
    }

    /// Set write_date/write_uid and record the touch (for webhooks), without changing fields.
    pub fn bump(&mut self, model: &str, id: i64, fields: BTreeSet<String>) {
        let stamp = self.stamp();
        let uid = self.uid;
        if let Some(r) = self.st.rec_mut(model, id) {
            r.insert("write_date".into(), json!(stamp));
            r.insert("write_uid".into(), json!(uid));
        }
        self.touch(model, id, false, fields);
    }

    fn touch(&mut self, model: &str, id: i64, created: bool, fields: BTreeSet<String>) {
        if let Some(t) = self.touched.iter_mut().find(|t| t.model == model && t.id == id) {
            t.fields.extend(fields);
            t.created |= created;
        } else {
            self.touched.push(Touch { model: model.to_string(), id, created, fields });
        }
    }

    /// Convert and store `vals` on one record, applying x2many commands.
    fn assign(&mut self, model: &str, id: i64, vals: Map<String, Value>) -> Result<()> {
        for (name, raw) in vals {
            let Some(f) = self.st.schema.field(model, &name).cloned() else { continue };
            if f.compute.is_some() || name == "id" {
                continue; // non-stored computed fields are not writable
            }
            match &f.kind {
                Kind::One2many(comodel, inverse) => self.o2m_commands(comodel, inverse, id, &raw)?,
                Kind::Many2many(_) => {
                    let cur = self.st.ids_of(model, id, &name);
                    let new = m2m_commands(cur, &raw)?;
                    self.st.set_raw(model, id, &name, json!(new));
                }
                kind => {
                    let v = self.convert(model, &name, kind, raw)?;
                    self.st.set_raw(model, id, &name, v);
                }
            }
        }
        Ok(())
    }

    fn convert(&self, model: &str, name: &str, kind: &Kind, v: Value) -> Result<Value> {
        let wrong = |v: &Value| OdooError::ValueError(format!("Wrong value for {model}.{name}: {v}"));
        if matches!(v, Value::Null | Value::Bool(false)) && !matches!(kind, Kind::Boolean) {
            return Ok(kind.empty());
        }
        Ok(match kind {
            Kind::Char | Kind::Text | Kind::Html | Kind::Reference => match &v {
                Value::String(_) => v,
                Value::Number(n) => json!(n.to_string()),
                _ => return Err(wrong(&v)),
            },
            Kind::Selection(opts) => match v.as_str() {
                Some(s) if opts.iter().any(|(k, _)| *k == s) => v,
                _ => return Err(wrong(&v)),
            },
            Kind::Integer => json!(v.as_f64().ok_or_else(|| wrong(&v))? as i64),
            Kind::Float | Kind::Monetary => json!(v.as_f64().ok_or_else(|| wrong(&v))?),
            Kind::Boolean => json!(match v {
                Value::Bool(b) => b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                _ => true,
            }),
            Kind::Date => {
                match v.as_str().and_then(|s| chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()) {
                    Some(d) => json!(d.format("%Y-%m-%d").to_string()),
                    None => return Err(date_error(&v, "%Y-%m-%d")),
                }
            }
            Kind::Datetime => match v.as_str().and_then(parse_datetime) {
                Some(d) => json!(d.format("%Y-%m-%d %H:%M:%S").to_string()),
                None => return Err(date_error(&v, "%Y-%m-%d %H:%M:%S")),
            },
            Kind::Many2one(rel) => {
                let rid = match &v {
                    Value::Number(n) => n.as_i64(),
                    Value::Array(a) => a.first().and_then(Value::as_i64),
                    _ => None,
                }
                .ok_or_else(|| wrong(&v))?;
                if self.st.schema.model(rel).is_some() && !self.st.exists(rel, rid) {
                    // Postgres foreign-key violation, turned into a ValidationError by the RPC layer.
                    return Err(OdooError::ValidationError(format!(
                        "The operation cannot be completed: another model requires the record being deleted. \
                         If possible, archive it instead.\n\nModel: {} ({rel})",
                        self.st.schema.description(rel)
                    )));
                }
                json!(rid)
            }
            Kind::One2many(..) | Kind::Many2many(_) => v,
        })
    }

    fn o2m_commands(&mut self, comodel: &str, inverse: &str, parent: i64, raw: &Value) -> Result<()> {
        let Value::Array(cmds) = raw else { return Ok(()) };
        for cmd in cmds {
            let parts = match cmd {
                Value::Array(p) => p.clone(),
                Value::Number(_) => vec![json!(4), cmd.clone()],
                _ => continue,
            };
            let code = parts.first().and_then(Value::as_i64).unwrap_or(-1);
            let target = parts.get(1).and_then(Value::as_i64).unwrap_or(0);
            let vals = parts.get(2).and_then(Value::as_object).cloned().unwrap_or_default();
            match code {
                0 => {
                    let mut vals = vals;
                    vals.insert(inverse.to_string(), json!(parent));
                    self.create_su(comodel, vals)?;
                }
                1 => self.write_su(comodel, &[target], vals)?,
                2 | 3 => self.unlink_su(comodel, &[target])?,
                4 => self.write_su(comodel, &[target], one(inverse, json!(parent)))?,
                5 | 6 => {
                    let keep: Vec<i64> = if code == 6 { parts.get(2).map(ids_in).unwrap_or_default() } else { vec![] };
                    for child in self.st.inverse(comodel, inverse, parent) {
                        if !keep.contains(&child) {
                            self.unlink_su(comodel, &[child])?;
                        }
                    }
                    for k in keep {
                        self.write_su(comodel, &[k], one(inverse, json!(parent)))?;
                    }
                }
                _ => return Err(OdooError::ValueError(format!("Invalid x2many command {cmd}"))),
            }
        }
        Ok(())
    }

    /// Create a record, then return it rendered for RPC (helper for tests and business code).
    pub fn read_one(&self, model: &str, id: i64) -> Option<Value> {
        let mdef = self.st.schema.model(model)?;
        if !self.st.exists(model, id) {
            return None;
        }
        let names: Vec<String> = mdef.fields.iter().map(|f| f.name.to_string()).collect();
        Some(self.render(model, id, &names, Load::Classic, false))
    }
}

pub fn one(k: &str, v: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(k.to_string(), v);
    m
}

fn mentions(node: &Node, field: &str) -> bool {
    match node {
        Node::And(v) | Node::Or(v) => v.iter().any(|n| mentions(n, field)),
        Node::Not(n) => mentions(n, field),
        Node::Const(_) => false,
        Node::Leaf { path, .. } => path == field,
    }
}

fn check_field_names(mdef: &ModelDef, vals: &Map<String, Value>) -> Result<()> {
    for k in vals.keys() {
        if mdef.field(k).is_none() {
            return Err(OdooError::ValueError(format!("Invalid field '{k}' on model '{}'", mdef.name)));
        }
    }
    Ok(())
}

fn date_error(v: &Value, fmt: &str) -> OdooError {
    let s = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    OdooError::ValueError(format!("time data '{s}' does not match format '{fmt}'"))
}

fn m2m_commands(mut cur: Vec<i64>, raw: &Value) -> Result<Vec<i64>> {
    let Value::Array(cmds) = raw else { return Ok(cur) };
    if cmds.iter().all(Value::is_number) {
        return Ok(ids_in(raw));
    }
    for cmd in cmds {
        let Value::Array(p) = cmd else { continue };
        let code = p.first().and_then(Value::as_i64).unwrap_or(-1);
        let target = p.get(1).and_then(Value::as_i64).unwrap_or(0);
        match code {
            3 => cur.retain(|i| *i != target),
            4 if !cur.contains(&target) => cur.push(target),
            4 => {}
            5 => cur.clear(),
            6 => cur = p.get(2).map(ids_in).unwrap_or_default(),
            _ => return Err(OdooError::ValueError(format!("Invalid many2many command {cmd}"))),
        }
    }
    Ok(cur)
}

/// NOT NULL violation turned ValidationError; the text differs between 17/18 and 19 (§14).
pub fn required_error(version: OdooVersion, mdef: &ModelDef, field: &str, label: &str) -> OdooError {
    let (model, desc) = (mdef.name, mdef.description);
    OdooError::ValidationError(if version == OdooVersion::V19 {
        format!(
            "The operation cannot be completed: Missing required value for the field '{label}' ({field}).\n\
             Model: '{desc}' ({model})\n- create/update: a mandatory field is not set\n\
             - delete: another model requires the record being deleted, you can archive it instead\n"
        )
    } else {
        format!(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n\
             - Delete: another model requires the record being deleted. If possible, archive it instead.\n\n\
             Model: {desc} ({model})\nField: {label} ({field})\n"
        )
    })
}
