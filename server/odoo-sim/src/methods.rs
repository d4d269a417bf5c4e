//! Public methods callable over RPC: their signatures (to bind positional/named arguments like Python
//! would) and the dispatch to the ORM and business code, with each method's access requirements.

use serde_json::{json, Map, Value};

use crate::access::{self, Op, Role};
use crate::error::{OdooError, Result};
use crate::models::{base, purchase, stock};
use crate::orm::{Env, Load};
use crate::store::ids_in;
use crate::OdooVersion;

/// A Python method signature, as far as binding arguments goes.
#[derive(Clone, Debug)]
pub struct Sig {
    /// `@api.model`: no ids.
    pub api_model: bool,
    pub params: Vec<&'static str>,
    /// `**kwargs`: any keyword accepted.
    pub var_kw: bool,
}

const MAIL_THREAD: &[&str] = &[
    "purchase.order",
    "stock.picking",
    "mrp.production",
    "res.partner",
    "product.template",
    "product.product",
    "stock.lot",
    "qc.inspection",
];

pub fn signature(v: OdooVersion, model: &str, method: &str) -> Option<Sig> {
    let (api_model, params, var_kw): (bool, &[&'static str], bool) = match (model, method) {
        (_, "search") => (true, &["domain", "offset", "limit", "order"], false),
        (_, "search_read") => (true, &["domain", "fields", "offset", "limit", "order", "load"], false),
        (_, "search_count") => (true, &["domain", "limit"], false),
        (_, "read") => (false, &["fields", "load"], false),
        (_, "create") => (true, &["vals_list"], false),
        // 17.0's overrides of these name the parameter `values`, and `call_kw` keeps the override's
        // signature: `write(vals=...)` is a TypeError there, positional values work everywhere.
        ("res.users" | "res.groups" | "ir.model.access" | "ir.model.data", "write") if v == OdooVersion::V17 => {
            (false, &["values"], false)
        }
        (_, "write") => (false, &["vals"], false),
        (_, "unlink") => (false, &[], false),
        (_, "fields_get") => (true, &["allfields", "attributes"], false),
        (_, "name_search") if v == OdooVersion::V17 => (true, &["name", "args", "operator", "limit"], false),
        (_, "name_search") => (true, &["name", "domain", "operator", "limit"], false),
        ("res.users", "context_get") => (true, &[], false),
        (m, "message_post") if MAIL_THREAD.contains(&m) => (false, &[], true),
        ("purchase.order", "button_confirm" | "button_cancel" | "button_draft" | "button_unlock") => {
            (false, &[], false)
        }
        ("purchase.order", "action_acknowledge" | "button_lock") if v == OdooVersion::V19 => (false, &[], false),
        ("purchase.order", "button_done") if v != OdooVersion::V19 => (false, &[], false),
        ("purchase.order", "confirm_reminder_mail") if v != OdooVersion::V19 => (false, &["confirmed_date"], false),
        ("stock.picking", "button_validate" | "action_cancel") => (false, &[], false),
        _ => return None,
    };
    Some(Sig { api_model, params: params.to_vec(), var_kw })
}

/// The private-method refusal (§14: wording differs between 17/18 and 19).
pub fn private_error(v: OdooVersion, model: &str, method: &str) -> OdooError {
    OdooError::AccessError(if v == OdooVersion::V19 {
        format!("Private methods (such as '{model}.{method}') cannot be called remotely.")
    } else {
        format!("Private methods (such as {method}) cannot be called remotely.")
    })
}

pub fn missing_method(model: &str, method: &str) -> OdooError {
    OdooError::AttributeError(format!("The method '{model}.{method}' does not exist"))
}

/// Record ids (None for `@api.model` methods) and named arguments.
pub type Bound = (Option<Vec<i64>>, Map<String, Value>);

/// Bind XML/JSON-RPC `execute_kw` arguments (positional `args`, `kwargs`) to named arguments.
pub fn bind_positional(
    v: OdooVersion,
    sig: &Sig,
    method: &str,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Bound> {
    if method == "create" && args.is_empty() {
        // `call_kw` runs `create(**kwargs)`, then reads `args[0]` to choose between one id and a list:
        // values passed only by keyword fail (and roll back). 17/18 unpack `*args` into a tuple, 19
        // passes the list through (17.0 `odoo/api.py` `_call_kw_model_create`, 19.0
        // `odoo/service/model.py` `call_kw`).
        let sequence = if v == OdooVersion::V19 { "list" } else { "tuple" };
        return Err(OdooError::IndexError(format!("{sequence} index out of range")));
    }
    let mut args = args.to_vec();
    let ids = if sig.api_model {
        None
    } else {
        if args.is_empty() {
            return Err(OdooError::TypeError(format!("{method}() missing 1 required positional argument: 'self'")));
        }
        Some(ids_in(&args.remove(0)))
    };
    if args.len() > sig.params.len() {
        return Err(OdooError::TypeError(format!(
            "{method}() takes from 1 to {} positional arguments but {} were given",
            sig.params.len() + 1,
            args.len() + 1
        )));
    }
    let mut named = Map::new();
    for (name, v) in sig.params.iter().zip(args) {
        named.insert(name.to_string(), v);
    }
    for (k, v) in kwargs {
        if k == "context" {
            continue;
        }
        if named.contains_key(k) {
            return Err(OdooError::TypeError(format!("{method}() got multiple values for argument '{k}'")));
        }
        if !sig.var_kw && !sig.params.contains(&k.as_str()) {
            return Err(OdooError::TypeError(format!("{method}() got an unexpected keyword argument '{k}'")));
        }
        named.insert(k.clone(), v.clone());
    }
    Ok((ids, named))
}

fn usize_arg(kw: &Map<String, Value>, k: &str) -> Option<usize> {
    kw.get(k).and_then(Value::as_u64).map(|n| n as usize)
}

fn str_list(v: Option<&Value>) -> Option<Vec<String>> {
    match v {
        Some(Value::Array(a)) => Some(a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()),
        _ => None,
    }
}

fn load_arg(kw: &Map<String, Value>) -> Load {
    match kw.get("load") {
        Some(Value::Null) | Some(Value::Bool(false)) => Load::Raw,
        _ => Load::Classic,
    }
}

/// `search` with the `offset`, `limit` and `order` keyword arguments of `search` / `search_read`.
fn paged_search(env: &Env, model: &str, domain: &Value, kw: &Map<String, Value>) -> Result<Vec<i64>> {
    env.search(
        model,
        domain,
        usize_arg(kw, "offset").unwrap_or(0),
        usize_arg(kw, "limit"),
        kw.get("order").and_then(Value::as_str),
    )
}

/// Run one public method. `Value::Null` means Python `None`.
pub fn call(env: &mut Env, model: &str, method: &str, ids: Option<Vec<i64>>, kw: Map<String, Value>) -> Result<Value> {
    let ids = ids.unwrap_or_default();
    let domain = kw.get("domain").or(kw.get("args")).cloned().unwrap_or(json!([]));
    match method {
        "search" => Ok(json!(paged_search(env, model, &domain, &kw)?)),
        "search_count" => {
            let r = env.search(model, &domain, 0, usize_arg(&kw, "limit"), None)?;
            Ok(json!(r.len()))
        }
        "search_read" => {
            let found = paged_search(env, model, &domain, &kw)?;
            let fields = str_list(kw.get("fields"));
            Ok(Value::Array(env.read(model, &found, fields.as_deref(), load_arg(&kw))?))
        }
        "read" => {
            let fields = str_list(kw.get("fields"));
            Ok(Value::Array(env.read(model, &ids, fields.as_deref(), load_arg(&kw))?))
        }
        "create" => {
            let list = match kw.get("vals_list") {
                Some(Value::Array(a)) => a.clone(),
                Some(o @ Value::Object(_)) => vec![o.clone()],
                _ => {
                    return Err(OdooError::TypeError(
                        "create() missing 1 required positional argument: 'vals_list'".into(),
                    ))
                }
            };
            let mut out = Vec::new();
            for vals in list {
                let Value::Object(vals) = vals else {
                    return Err(OdooError::ValueError(format!("Invalid values for create: {vals}")));
                };
                out.push(env.create(model, vals)?);
            }
            Ok(json!(out))
        }
        "write" => {
            let Some(Value::Object(vals)) = kw.get("vals").or(kw.get("values")) else {
                return Err(OdooError::TypeError("write() missing 1 required positional argument: 'vals'".into()));
            };
            env.write(model, &ids, vals.clone())?;
            Ok(json!(true))
        }
        "unlink" => {
            env.unlink(model, &ids)?;
            Ok(json!(true))
        }
        "fields_get" => {
            env.model_def(model)?;
            env.fields_get(model, str_list(kw.get("allfields")).as_deref(), str_list(kw.get("attributes")).as_deref())
        }
        "name_search" => {
            env.check_acl(model, Op::Read)?;
            let name = kw.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let op = kw.get("operator").and_then(Value::as_str).unwrap_or("ilike").to_string();
            env.name_search(model, &name, &domain, &op, usize_arg(&kw, "limit").unwrap_or(100))
        }
        "context_get" => Ok(base::context_get(env)),
        "message_post" => {
            env.check_access(model, &ids, Op::Write)?;
            base::message_post(env, model, &ids, &kw)
        }
        _ => business(env, model, method, &ids, &kw),
    }
}

fn business(env: &mut Env, model: &str, method: &str, ids: &[i64], kw: &Map<String, Value>) -> Result<Value> {
    env.check_access(model, ids, Op::Write)?;
    match (model, method) {
        ("purchase.order", "button_confirm") => {
            // Confirming creates the receipt: needs create access on transfers.
            env.check_acl("stock.picking", Op::Create)?;
            purchase::button_confirm(env, ids)
        }
        ("purchase.order", "button_cancel") => {
            env.check_acl("stock.picking", Op::Write)?;
            purchase::button_cancel(env, ids)
        }
        ("purchase.order", "button_draft") => purchase::button_draft(env, ids),
        ("purchase.order", "button_lock" | "button_done") => purchase::lock(env, ids, true),
        ("purchase.order", "button_unlock") => purchase::lock(env, ids, false),
        ("purchase.order", "action_acknowledge") => purchase::action_acknowledge(env, ids),
        ("purchase.order", "confirm_reminder_mail") => purchase::confirm_reminder_mail(env, ids, kw),
        ("stock.picking", "button_validate") => {
            if env.role() != Role::Admin {
                return Err(access::validate_denied(env.version(), env.st.stock_delivery));
            }
            stock::button_validate(env, ids)
        }
        ("stock.picking", "action_cancel") => {
            for &p in ids {
                stock::cancel_picking(env, p)?;
            }
            Ok(json!(true))
        }
        _ => Err(missing_method(model, method)),
    }
}
