//! res.partner, res.users, res.groups, res.company, res.currency, uom.uom and the mail models.

use serde_json::{json, Map, Value};

use crate::error::{OdooError, Result};
use crate::orm::Env;
use crate::schema::{field, sel, Kind::*, ModelDef, Schema};
use crate::store::Store;
use crate::OdooVersion;

pub fn register(s: &mut Schema, v: OdooVersion) {
    s.add(ModelDef::new("res.partner", "Contact").order("complete_name ASC, id DESC").with(vec![
        field("name", "Name", Char),
        field("complete_name", "Complete Name", Char).computed(),
        field("parent_id", "Related Company", Many2one("res.partner")),
        field("child_ids", "Contact", One2many("res.partner", "parent_id")),
        field("commercial_partner_id", "Commercial Entity", Many2one("res.partner")).computed(),
        field("is_company", "Is a Company", Boolean),
        field("email", "Email", Char),
        field("phone", "Phone", Char),
        field("ref", "Reference", Char),
        // From `account` (which purchase depends on, 17.0 to 19.0): above 0 once the partner is a vendor.
        field("supplier_rank", "Supplier Rank", Integer),
        field("active", "Active", Boolean),
        field("company_id", "Company", Many2one("res.company")),
        field("user_ids", "Users", One2many("res.users", "partner_id")),
    ]));
    let groups_field = if v == OdooVersion::V19 { "group_ids" } else { "groups_id" };
    s.add(ModelDef::new("res.users", "User").order("name, login").with(vec![
        field("name", "Name", Char).required(),
        field("login", "Login", Char).required(),
        field("partner_id", "Related Partner", Many2one("res.partner")).required(),
        field(groups_field, "Groups", Many2many("res.groups")),
        field("active", "Active", Boolean),
        field("share", "Share User", Boolean).readonly(),
        field("company_id", "Company", Many2one("res.company")),
        field("tz", "Timezone", Char),
        field("lang", "Language", Char),
        field("email", "Email", Char).related("partner_id.email"),
    ]));
    let users_field = if v == OdooVersion::V19 { "user_ids" } else { "users" };
    s.add(ModelDef::new("res.groups", "Access Groups").order("name").with(vec![
        field("name", "Name", Char).required(),
        field("full_name", "Group Name", Char).computed(),
        field(users_field, "Users", Many2many("res.users")).computed(),
    ]));
    s.add(ModelDef::new("res.company", "Companies").order("name").with(vec![
        field("name", "Company Name", Char).required(),
        field("partner_id", "Partner", Many2one("res.partner")).required(),
        field("currency_id", "Currency", Many2one("res.currency")).required(),
    ]));
    s.add(ModelDef::new("res.currency", "Currency").order("active desc, name").with(vec![
        field("name", "Currency", Char).required(),
        field("symbol", "Symbol", Char).required(),
        field("active", "Active", Boolean),
    ]));
    let mut uom = ModelDef::new("uom.uom", "Product Unit of Measure").order("id").with(vec![
        field("name", "Unit", Char).required(),
        field("factor", "Ratio", Float),
        field("rounding", "Rounding Precision", Float),
        field("active", "Active", Boolean),
    ]);
    if v == OdooVersion::V19 {
        uom.add(field("relative_factor", "Contains", Float));
        uom.add(field("relative_uom_id", "Reference Unit", Many2one("uom.uom")));
    } else {
        uom.add(field(
            "uom_type",
            "Type",
            sel(&[("bigger", "Bigger"), ("reference", "Reference"), ("smaller", "Smaller")]),
        ));
    }
    s.add(uom);
    s.add(ModelDef::new("mail.message", "Message").order("id desc").with(vec![
        field("model", "Related Document Model", Char),
        field("res_id", "Related Document ID", Integer),
        field("record_name", "Message Record Name", Char).computed(),
        field("body", "Contents", Html),
        field("subject", "Subject", Char),
        field(
            "message_type",
            "Type",
            sel(&[
                ("email", "Incoming Email"),
                ("comment", "Comment"),
                ("email_outgoing", "Outgoing Email"),
                ("notification", "System notification"),
                ("auto_comment", "Automated Targeted Notification"),
                ("user_notification", "User Specific Notification"),
            ]),
        ),
        field("subtype_id", "Subtype", Many2one("mail.message.subtype")),
        field("author_id", "Author", Many2one("res.partner")),
        field("date", "Date", Datetime),
    ]));
    s.add(
        ModelDef::new("mail.message.subtype", "Message subtypes")
            .order("id")
            .with(vec![field("name", "Message Type", Char).required(), field("internal", "Internal Only", Boolean)]),
    );
}

pub fn compute(st: &Store, model: &str, id: i64, field: &str) -> Option<Value> {
    Some(match (model, field) {
        ("res.partner", "commercial_partner_id") => json!(commercial_partner(st, id)),
        ("res.partner", "complete_name") => json!(st.display_name(model, id)),
        ("res.groups", "full_name") => json!(st.str_of(model, id, "name").unwrap_or_default()),
        ("res.groups", _) => {
            let gf = groups_field(st.version);
            json!(st.find("res.users", |r| r.get(gf).is_some_and(|g| crate::store::ids_in(g).contains(&id))))
        }
        ("mail.message", "record_name") => {
            let m = st.str_of(model, id, "model").unwrap_or_default();
            let rid = st.value(model, id, "res_id").as_i64().unwrap_or(0);
            if st.exists(&m, rid) {
                json!(st.display_name(&m, rid))
            } else {
                Value::Bool(false)
            }
        }
        _ => return None,
    })
}

pub fn groups_field(v: OdooVersion) -> &'static str {
    if v == OdooVersion::V19 {
        "group_ids"
    } else {
        "groups_id"
    }
}

fn commercial_partner(st: &Store, id: i64) -> i64 {
    let mut cur = id;
    for _ in 0..16 {
        if st.bool_of("res.partner", cur, "is_company") {
            return cur;
        }
        match st.m2o("res.partner", cur, "parent_id") {
            Some(p) => cur = p,
            None => return cur,
        }
    }
    cur
}

pub fn display_name(st: &Store, model: &str, id: i64) -> Option<String> {
    match model {
        "res.partner" => {
            let name = st.str_of(model, id, "name").unwrap_or_default();
            match st.m2o(model, id, "parent_id") {
                Some(p) if !st.bool_of(model, id, "is_company") => {
                    Some(format!("{}, {name}", st.str_of(model, p, "name").unwrap_or_default()))
                }
                _ => Some(name),
            }
        }
        "mail.message" => Some(st.str_of(model, id, "subject").unwrap_or_default()),
        _ => None,
    }
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) {
    let d = |vals: &mut Map<String, Value>, k: &str, v: Value| {
        vals.entry(k.to_string()).or_insert(v);
    };
    match model {
        "res.partner" => {
            d(vals, "active", json!(true));
            d(vals, "is_company", json!(false));
            d(vals, "supplier_rank", json!(0));
        }
        "res.users" => {
            d(vals, "active", json!(true));
            d(vals, "company_id", json!(1));
            d(vals, "tz", json!("Europe/Brussels"));
            d(vals, "lang", json!("en_US"));
        }
        "res.currency" => d(vals, "active", json!(true)),
        "uom.uom" => {
            d(vals, "factor", json!(1.0));
            d(vals, "rounding", json!(0.01));
            d(vals, "active", json!(true));
        }
        "mail.message" => {
            let author = env.st.m2o("res.users", env.uid, "partner_id");
            d(vals, "date", json!(env.now_str()));
            d(vals, "author_id", json!(author));
            d(vals, "message_type", json!("notification"));
        }
        _ => {}
    }
}

/// `mail.thread.message_post`: posts a chatter message; returns `[id]` on 19, the id on 17/18 (`@api.returns`).
pub fn message_post(env: &mut Env, model: &str, ids: &[i64], kwargs: &Map<String, Value>) -> Result<Value> {
    let &[res_id] = ids else {
        return Err(OdooError::ValueError(format!("Expected singleton: {model}{}", crate::error::py_tuple(ids))));
    };
    let author =
        kwargs.get("author_id").and_then(Value::as_i64).or_else(|| env.st.m2o("res.users", env.uid, "partner_id"));
    // 17/18 `_message_compute_author`: a message needs its author's address (`email_formatted`) unless
    // `email_from` is given; 19 no longer asks for one.
    if env.version() != OdooVersion::V19 {
        let has_email = author.and_then(|p| env.st.str_of("res.partner", p, "email")).is_some_and(|e| !e.is_empty());
        let email_from = kwargs.get("email_from").and_then(Value::as_str).is_some_and(|e| !e.is_empty());
        if !has_email && !email_from {
            return Err(OdooError::UserError(
                "Unable to send message, please configure the sender's email address.".into(),
            ));
        }
    }
    let raw = kwargs.get("body").and_then(Value::as_str).unwrap_or_default();
    // Plain strings are escaped (RPC cannot send Markup) unless body_is_html is set.
    let body = if kwargs.get("body_is_html").and_then(Value::as_bool).unwrap_or(false) {
        raw.to_string()
    } else {
        raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    };
    let subtype = match kwargs.get("subtype_xmlid").and_then(Value::as_str) {
        Some("mail.mt_comment") => json!(env.st.xmlid("mail.mt_comment")),
        Some("mail.mt_note") => json!(env.st.xmlid("mail.mt_note")),
        _ => kwargs.get("subtype_id").cloned().unwrap_or(json!(env.st.xmlid("mail.mt_note"))),
    };
    let mut vals = Map::new();
    vals.insert("model".into(), json!(model));
    vals.insert("res_id".into(), json!(res_id));
    vals.insert("body".into(), json!(body));
    vals.insert("message_type".into(), kwargs.get("message_type").cloned().unwrap_or(json!("notification")));
    vals.insert("subtype_id".into(), subtype);
    if let Some(subject) = kwargs.get("subject").filter(|s| s.is_string()) {
        vals.insert("subject".into(), subject.clone());
    }
    vals.insert("author_id".into(), json!(author));
    let mid = env.create_su("mail.message", vals)?;
    Ok(if env.version() == OdooVersion::V19 { json!([mid]) } else { json!(mid) })
}

/// `res.users.context_get`.
pub fn context_get(env: &Env) -> Value {
    json!({
        "lang": env.st.str_of("res.users", env.uid, "lang").unwrap_or_else(|| "en_US".into()),
        "tz": env.st.str_of("res.users", env.uid, "tz").unwrap_or_else(|| "Europe/Brussels".into()),
        "uid": env.uid,
    })
}
