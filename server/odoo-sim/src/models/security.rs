//! What an administrator provisions over RPC, and what it then decides: `ir.model` / `ir.model.fields` /
//! `ir.model.data` (lookups), `ir.model.access` (ACL rows) and `ir.rule` (record rules) that decide the
//! access of users created over RPC, and `base.automation` with its `ir.actions.server` webhooks, which
//! fire like the built-in ones.

use serde_json::{json, Map, Value};

use crate::access::Op;
use crate::domain::{self, Node};
use crate::error::{OdooError, Result};
use crate::orm::Env;
use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::{Store, Webhook};
use crate::OdooVersion;

pub fn register(s: &mut Schema, _v: OdooVersion) {
    s.add(
        ModelDef::new("ir.model", "Models")
            .order("model")
            .with(vec![field("model", "Model", Char).required(), field("name", "Model Description", Char)]),
    );
    s.add(ModelDef::new("ir.model.fields", "Fields").order("name").with(vec![
        field("name", "Field Name", Char).required(),
        field("model", "Model Name", Char),
        field("model_id", "Model", Many2one("ir.model")).required(),
        field("ttype", "Field Type", Char),
        field("field_description", "Field Label", Char),
    ]));
    s.add(ModelDef::new("ir.model.data", "Model Data").order("module, model, name").with(vec![
        field("module", "Module", Char).required(),
        field("name", "External Identifier", Char).required(),
        field("model", "Model Name", Char).required(),
        field("res_id", "Record ID", Integer),
    ]));
    // ACL rows grant nothing by default; record rules apply to every operation by default.
    let perms = || {
        vec![
            field("perm_read", "Read Access", Boolean),
            field("perm_write", "Write Access", Boolean),
            field("perm_create", "Create Access", Boolean),
            field("perm_unlink", "Delete Access", Boolean),
        ]
    };
    let mut access = ModelDef::new("ir.model.access", "Model Access").order("model_id,group_id,name,id").with(vec![
        field("name", "Name", Char).required(),
        field("active", "Active", Boolean),
        field("model_id", "Model", Many2one("ir.model")).required(),
        field("group_id", "Group", Many2one("res.groups")),
    ]);
    perms().into_iter().for_each(|f| access.add(f));
    s.add(access);
    let mut rule = ModelDef::new("ir.rule", "Record Rule").order("model_id DESC,id").with(vec![
        field("name", "Name", Char),
        field("active", "Active", Boolean),
        field("model_id", "Model", Many2one("ir.model")).required(),
        field("groups", "Groups", Many2many("res.groups")),
        field("domain_force", "Domain", Text),
        field("global", "Global", Boolean).computed(),
    ]);
    perms().into_iter().for_each(|f| rule.add(f));
    s.add(rule);
    s.add(ModelDef::new("base.automation", "Automation Rule").order("sequence, id").with(vec![
        field("name", "Automation Rule Name", Char).required(),
        field("active", "Active", Boolean),
        field("sequence", "Sequence", Integer),
        field("model_id", "Model", Many2one("ir.model")).required(),
        field("model_name", "Model Name", Char).related("model_id.model"),
        field(
            "trigger",
            "Trigger",
            sel(&[
                ("on_create", "On creation"),
                ("on_write", "On update"),
                ("on_create_or_write", "On save"),
                ("on_unlink", "On deletion"),
                ("on_change", "On UI change"),
                ("on_time", "Based on date field"),
                ("on_webhook", "On webhook"),
            ]),
        )
        .required(),
        field("trigger_field_ids", "Trigger Fields", Many2many("ir.model.fields")),
        field("filter_domain", "Apply on", Char),
        field("action_server_ids", "Actions", One2many("ir.actions.server", "base_automation_id")),
    ]));
    s.add(ModelDef::new("ir.actions.server", "Server Action").order("sequence,name").with(vec![
        field("name", "Action Name", Char).required(),
        field("sequence", "Sequence", Integer),
        field("model_id", "Model", Many2one("ir.model")).required(),
        field(
            "state",
            "Type",
            sel(&[
                ("object_write", "Update Record"),
                ("object_create", "Create Record"),
                ("code", "Execute Code"),
                ("webhook", "Send Webhook Notification"),
                ("multi", "Execute Existing Actions"),
            ]),
        )
        .required(),
        field("usage", "Usage", sel(&[("ir_actions_server", "Server Action"), ("base_automation", "Automation Rule")])),
        field("base_automation_id", "Automation Rule", Many2one("base.automation")),
        field("webhook_url", "Webhook URL", Char),
        field("webhook_field_ids", "Webhook Fields", Many2many("ir.model.fields")),
    ]));
}

/// `ir.model` and `ir.model.fields` rows for every model of the schema, as a database has them.
pub fn seed(env: &mut Env) -> Result<()> {
    let schema = env.st.schema.clone();
    for mdef in schema.models.values() {
        let model_id = env.create_su(
            "ir.model",
            json!({"model": mdef.name, "name": mdef.description}).as_object().cloned().unwrap(),
        )?;
        for f in &mdef.fields {
            let vals = json!({"name": f.name, "model": mdef.name, "model_id": model_id,
                              "ttype": f.kind.type_name(), "field_description": f.string});
            env.create_su("ir.model.fields", vals.as_object().cloned().unwrap())?;
        }
    }
    Ok(())
}

/// The `ir.model.data` row behind an external id such as `base.group_user`.
pub fn record_xmlid(env: &mut Env, xmlid: &str, model: &str, res_id: i64) -> Result<()> {
    let (module, name) = xmlid.split_once('.').unwrap_or(("__export__", xmlid));
    let vals = json!({"module": module, "name": name, "model": model, "res_id": res_id});
    env.create_su("ir.model.data", vals.as_object().cloned().unwrap()).map(drop)
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    let d = |vals: &mut Map<String, Value>, k: &str, v: Value| {
        vals.entry(k.to_string()).or_insert(v);
    };
    match model {
        "ir.model.access" => d(vals, "active", json!(true)),
        "ir.rule" => {
            d(vals, "active", json!(true));
            for p in ["perm_read", "perm_write", "perm_create", "perm_unlink"] {
                d(vals, p, json!(true));
            }
            check_rule_domain(vals)?;
        }
        "base.automation" => d(vals, "active", json!(true)),
        "ir.actions.server" => d(vals, "usage", json!("ir_actions_server")),
        "res.users" => prepare_user(env, vals)?,
        _ => {}
    }
    Ok(())
}

pub fn before_write(model: &str, vals: &Map<String, Value>) -> Result<()> {
    if model == "ir.rule" {
        check_rule_domain(vals)?;
    }
    Ok(())
}

pub fn compute(st: &Store, model: &str, id: i64, f: &str) -> Option<Value> {
    match (model, f) {
        ("ir.rule", "global") => Some(json!(st.ids_of(model, id, "groups").is_empty())),
        _ => None,
    }
}

/// `res.users.create` over RPC: the partner comes from the user's name and e-mail unless given (the
/// `_inherits` on res.partner), and a user outside `base.group_user` is a share (portal) user.
fn prepare_user(env: &mut Env, vals: &mut Map<String, Value>) -> Result<()> {
    let email = vals.remove("email").filter(|e| e.is_string());
    match vals.get("partner_id").and_then(Value::as_i64) {
        Some(partner) => {
            if let Some(email) = email {
                env.write_su("res.partner", &[partner], crate::orm::one("email", email))?;
            }
        }
        None => {
            let mut partner = Map::new();
            partner.insert("name".into(), vals.get("name").cloned().unwrap_or(json!(false)));
            if let Some(email) = email {
                partner.insert("email".into(), email);
            }
            let id = env.create_su("res.partner", partner)?;
            vals.insert("partner_id".into(), json!(id));
        }
    }
    Ok(())
}

fn check_rule_domain(vals: &Map<String, Value>) -> Result<()> {
    if let Some(text) = vals.get("domain_force").and_then(Value::as_str) {
        python_domain(text, 0, 0, 0)
            .and_then(|d| domain::parse(&d))
            .map_err(|_| OdooError::ValidationError(format!("Invalid domain: {text}")))?;
    }
    Ok(())
}

/// A record rule's `domain_force` (a Python expression) evaluated for one user: the names rules use
/// (`user.id`, `user.commercial_partner_id.id`, `user.partner_id.id`, `company_ids`) are replaced by
/// their values, then the Python literal is read as JSON (tuples become lists).
pub fn python_domain(text: &str, uid: i64, partner: i64, commercial_partner: i64) -> Result<Value> {
    let substituted = text
        .replace("user.commercial_partner_id.id", &commercial_partner.to_string())
        .replace("user.partner_id.id", &partner.to_string())
        .replace("user.company_id.id", "1")
        .replace("user.id", &uid.to_string())
        .replace("company_ids", "[1]");
    let mut json_text = String::new();
    let mut in_string: Option<char> = None;
    let mut chars = substituted.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (Some(q), c) if c == q => {
                in_string = None;
                json_text.push('"');
            }
            (Some(_), '"') => json_text.push_str("\\\""),
            (Some(_), c) => json_text.push(c),
            (None, '\'' | '"') => {
                in_string = Some(c);
                json_text.push('"');
            }
            (None, '(') => json_text.push('['),
            (None, ')') => json_text.push(']'),
            (None, c) if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek().filter(|n| n.is_ascii_alphanumeric() || **n == '_') {
                    word.push(n);
                    chars.next();
                }
                json_text.push_str(match word.as_str() {
                    "True" => "true",
                    "False" => "false",
                    "None" => "null",
                    _ => return Err(OdooError::ValueError(format!("name '{word}' is not defined"))),
                });
            }
            (None, c) => json_text.push(c),
        }
    }
    // Python allows a trailing comma in `(x,)`; JSON does not.
    let json_text = json_text.replace(",]", "]").replace(", ]", "]");
    serde_json::from_str(&json_text).map_err(|e| OdooError::ValueError(format!("invalid domain {text:?}: {e}")))
}

fn model_name_of(st: &Store, model_id: Option<i64>) -> Option<String> {
    model_id.and_then(|m| st.str_of("ir.model", m, "model"))
}

fn perm_field(op: Op) -> &'static str {
    match op {
        Op::Read => "perm_read",
        Op::Write => "perm_write",
        Op::Create => "perm_create",
        Op::Unlink => "perm_unlink",
    }
}

/// The groups of a user (`groups_id` on 17/18, `group_ids` on 19).
pub fn user_groups(st: &Store, uid: i64) -> Vec<i64> {
    st.ids_of("res.users", uid, super::base::groups_field(st.version))
}

/// `ir.model.access.check`: some active row for the model grants `op` to everyone (no group) or to
/// one of the user's groups.
pub fn acl_grants(st: &Store, uid: i64, model: &str, op: Op) -> bool {
    let groups = user_groups(st, uid);
    st.find("ir.model.access", |r| r.get("active") == Some(&json!(true)) && r.get(perm_field(op)) == Some(&json!(true)))
        .into_iter()
        .any(|row| {
            model_name_of(st, st.m2o("ir.model.access", row, "model_id")).as_deref() == Some(model)
                && st.m2o("ir.model.access", row, "group_id").is_none_or(|g| groups.contains(&g))
        })
}

/// The record rules that apply to a user on a model for an operation: global rules all hold, and of
/// the rules of the user's groups at least one does (`ir.rule._compute_domain`).
pub struct Rules {
    global: Vec<Node>,
    group: Vec<Node>,
}

impl Rules {
    pub fn allows(&self, st: &Store, model: &str, id: i64) -> bool {
        self.global.iter().all(|n| domain::eval(st, model, id, n))
            && (self.group.is_empty() || self.group.iter().any(|n| domain::eval(st, model, id, n)))
    }
}

pub fn rules_for(st: &Store, uid: i64, model: &str, op: Op) -> Rules {
    let groups = user_groups(st, uid);
    let partner = st.m2o("res.users", uid, "partner_id").unwrap_or(0);
    let commercial_partner = st.commercial_partner_of_user(uid).unwrap_or(0);
    let mut rules = Rules { global: Vec::new(), group: Vec::new() };
    for row in
        st.find("ir.rule", |r| r.get("active") == Some(&json!(true)) && r.get(perm_field(op)) == Some(&json!(true)))
    {
        if model_name_of(st, st.m2o("ir.rule", row, "model_id")).as_deref() != Some(model) {
            continue;
        }
        let text = st.str_of("ir.rule", row, "domain_force").unwrap_or_else(|| "[]".into());
        // A rule that cannot be read restricts everything, as a broken rule does in Odoo (it raises).
        let node = python_domain(&text, uid, partner, commercial_partner)
            .and_then(|d| domain::parse(&d))
            .unwrap_or(Node::Const(false));
        let rule_groups = st.ids_of("ir.rule", row, "groups");
        if rule_groups.is_empty() {
            rules.global.push(node);
        } else if rule_groups.iter().any(|g| groups.contains(g)) {
            rules.group.push(node);
        }
    }
    rules
}

/// Webhooks configured as data: active automation rules on create/update whose server actions send a
/// webhook notification.
pub fn automation_webhooks(st: &Store) -> Vec<Webhook> {
    let mut hooks = Vec::new();
    for rule in st.find("base.automation", |r| r.get("active") == Some(&json!(true))) {
        let trigger = st.str_of("base.automation", rule, "trigger").unwrap_or_default();
        if !matches!(trigger.as_str(), "on_create_or_write" | "on_write" | "on_create") {
            continue;
        }
        let Some(model) = model_name_of(st, st.m2o("base.automation", rule, "model_id")) else { continue };
        let field_names = |ids: Vec<i64>| -> Vec<String> {
            ids.into_iter().filter_map(|f| st.str_of("ir.model.fields", f, "name")).collect()
        };
        let trigger_fields = field_names(st.ids_of("base.automation", rule, "trigger_field_ids"));
        for action in st.inverse("ir.actions.server", "base_automation_id", rule) {
            if st.str_of("ir.actions.server", action, "state").as_deref() != Some("webhook") {
                continue;
            }
            let Some(url) = st.str_of("ir.actions.server", action, "webhook_url").filter(|u| !u.is_empty()) else {
                continue;
            };
            hooks.push(Webhook {
                action_id: action,
                name: st.str_of("ir.actions.server", action, "name").unwrap_or_default(),
                model: model.clone(),
                url,
                fields: field_names(st.ids_of("ir.actions.server", action, "webhook_field_ids")),
                trigger_fields: trigger_fields.clone(),
            });
        }
    }
    hooks
}

pub fn after_create(env: &mut Env, model: &str, id: i64) {
    if model == "res.users" {
        let internal = user_groups(env.st, id).contains(&env.st.xmlid("base.group_user"));
        env.st.set_raw("res.users", id, "share", json!(!internal));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_rule_domains_read_as_python_does() {
        let d = python_domain("[('partner_id', 'child_of', [user.commercial_partner_id.id])]", 8, 46, 45).unwrap();
        assert_eq!(d, json!([["partner_id", "child_of", [45]]]));
        let d = python_domain("['|', ('active', '=', True), ('user_id', '=', user.id)]", 8, 46, 45).unwrap();
        assert_eq!(d, json!(["|", ["active", "=", true], ["user_id", "=", 8]]));
        assert!(python_domain("[('x', '=', os.system)]", 1, 1, 1).is_err());
    }
}
