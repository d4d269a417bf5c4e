//! Odoo domain evaluation (prefix `&`, `|`, `!`; dotted paths; the usual operators) and `order` clauses.

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{OdooError, Result};
use crate::schema::Kind;
use crate::store::{ids_in, Store};

#[derive(Clone, Debug)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Const(bool),
    Leaf { path: String, op: String, value: Value },
}

/// Parse a domain (Polish notation, implicit `&`) into a tree.
pub fn parse(domain: &Value) -> Result<Node> {
    let items = match domain {
        Value::Null | Value::Bool(false) => return Ok(Node::Const(true)),
        Value::Array(a) => a,
        other => return Err(OdooError::ValueError(format!("Invalid domain: {other}"))),
    };
    let mut stack: Vec<Node> = Vec::new();
    for item in items.iter().rev() {
        let node = match item {
            Value::String(s) if s == "&" || s == "|" => {
                let (a, b) = (pop(&mut stack)?, pop(&mut stack)?);
                if s == "&" {
                    Node::And(vec![a, b])
                } else {
                    Node::Or(vec![a, b])
                }
            }
            Value::String(s) if s == "!" => Node::Not(Box::new(pop(&mut stack)?)),
            Value::Array(leaf) if leaf.len() == 3 => leaf_node(leaf)?,
            other => return Err(OdooError::ValueError(format!("Invalid leaf {other}"))),
        };
        stack.push(node);
    }
    stack.reverse();
    Ok(Node::And(stack))
}

fn pop(stack: &mut Vec<Node>) -> Result<Node> {
    stack.pop().ok_or_else(|| OdooError::ValueError("Domain is not a valid expression".into()))
}

fn leaf_node(leaf: &[Value]) -> Result<Node> {
    // TRUE_LEAF / FALSE_LEAF: (1, '=', 1) and (0, '=', 1).
    if let (Some(a), Some(b)) = (leaf[0].as_i64(), leaf[2].as_i64()) {
        return Ok(Node::Const(a == b));
    }
    let path = leaf[0].as_str().ok_or_else(|| OdooError::ValueError(format!("Invalid leaf {leaf:?}")))?;
    let op = leaf[1].as_str().ok_or_else(|| OdooError::ValueError(format!("Invalid leaf {leaf:?}")))?;
    const OPS: &[&str] = &[
        "=",
        "!=",
        "<>",
        "in",
        "not in",
        "<",
        "<=",
        ">",
        ">=",
        "like",
        "ilike",
        "not like",
        "not ilike",
        "=like",
        "=ilike",
        "child_of",
        "=?",
    ];
    if !OPS.contains(&op.to_lowercase().as_str()) {
        return Err(OdooError::ValueError(format!("Invalid operator {op:?} in domain term {leaf:?}")));
    }
    Ok(Node::Leaf { path: path.to_string(), op: op.to_lowercase(), value: leaf[2].clone() })
}

/// Check every leaf path exists, so that unknown fields fail like Odoo instead of matching nothing.
pub fn validate(store: &Store, model: &str, node: &Node) -> Result<()> {
    match node {
        Node::And(v) | Node::Or(v) => v.iter().try_for_each(|n| validate(store, model, n)),
        Node::Not(n) => validate(store, model, n),
        Node::Const(_) => Ok(()),
        Node::Leaf { path, op, value } => {
            let mut m = model.to_string();
            for part in path.split('.') {
                let Some(f) = store.schema.field(&m, part) else {
                    return Err(OdooError::ValueError(format!(
                        "Invalid field {m}.{part} in leaf ('{path}', '{op}', {value})"
                    )));
                };
                m = f.kind.relation().unwrap_or_default().to_string();
            }
            Ok(())
        }
    }
}

pub fn eval(store: &Store, model: &str, id: i64, node: &Node) -> bool {
    match node {
        Node::And(v) => v.iter().all(|n| eval(store, model, id, n)),
        Node::Or(v) => v.iter().any(|n| eval(store, model, id, n)),
        Node::Not(n) => !eval(store, model, id, n),
        Node::Const(b) => *b,
        Node::Leaf { path, op, value } => eval_leaf(store, model, id, path, op, value),
    }
}

fn eval_leaf(store: &Store, model: &str, id: i64, path: &str, op: &str, target: &Value) -> bool {
    if op == "=?" && matches!(target, Value::Null | Value::Bool(false)) {
        return true;
    }
    let negative = matches!(op, "!=" | "<>" | "not in" | "not like" | "not ilike");
    let positive_op = match op {
        "!=" | "<>" => "=",
        "not in" => "in",
        "not like" => "like",
        "not ilike" => "ilike",
        "=?" => "=",
        o => o,
    };
    // Walk the path, fanning out over x2many fields ("any" semantics).
    let parts: Vec<&str> = path.split('.').collect();
    let mut current: Vec<(String, i64)> = vec![(model.to_string(), id)];
    for part in &parts[..parts.len() - 1] {
        let mut next = Vec::new();
        for (m, rid) in &current {
            let Some(f) = store.schema.field(m, part) else { return false };
            let rel = f.kind.relation().unwrap_or_default();
            for nid in ids_in(&store.value(m, *rid, part)) {
                next.push((rel.to_string(), nid));
            }
        }
        current = next;
    }
    let leaf = parts[parts.len() - 1];
    if current.is_empty() {
        // A false many2one along the path: only "is empty" style tests hold.
        return negative != matches!((positive_op, target), ("=", Value::Bool(false)));
    }
    let hit = current.iter().any(|(m, rid)| {
        let kind = store.schema.field(m, leaf).map(|f| f.kind.clone()).unwrap_or(Kind::Integer);
        let v = store.value(m, *rid, leaf);
        matches(store, &kind, &v, positive_op, target)
    });
    hit != negative
}

fn matches(store: &Store, kind: &Kind, v: &Value, op: &str, target: &Value) -> bool {
    if kind.is_x2many() {
        let have = ids_in(v);
        return match (op, target) {
            ("=", Value::Bool(false)) => have.is_empty(),
            ("in" | "=", t) => ids_in(t).iter().any(|i| have.contains(i)),
            ("child_of", t) => {
                let rel = kind.relation().unwrap_or_default();
                let all = store.descendants(rel, &ids_in(t));
                have.iter().any(|i| all.contains(i))
            }
            _ => false,
        };
    }
    if let (Kind::Many2one(rel), Value::String(s)) = (kind, target) {
        // many2one compared with a string: Odoo name_searches the comodel.
        let Some(id) = v.as_i64() else { return false };
        let name = store.display_name(rel, id);
        return match op {
            "=" => name == *s,
            "ilike" | "like" | "=ilike" | "=like" => text_match(&name, s, op),
            _ => false,
        };
    }
    match op {
        "=" => eq(kind, v, target),
        "in" => match target {
            Value::Array(a) => a.iter().any(|t| eq(kind, v, t)),
            t => eq(kind, v, t),
        },
        "<" | "<=" | ">" | ">=" => {
            if is_false(v) || is_false(target) {
                return false;
            }
            let ord = cmp_values(kind, v, target);
            match op {
                "<" => ord == Ordering::Less,
                "<=" => ord != Ordering::Greater,
                ">" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
        "like" | "ilike" | "=like" | "=ilike" => match (v.as_str(), target.as_str()) {
            (Some(s), Some(t)) => text_match(s, t, op),
            (None, Some("")) => false,
            _ => false,
        },
        "child_of" => {
            let Some(id) = v.as_i64() else { return false };
            let rel = kind.relation().unwrap_or_default();
            let rel = if rel.is_empty() { "res.partner" } else { rel };
            store.descendants(rel, &ids_in(target)).contains(&id)
        }
        _ => false,
    }
}

fn is_false(v: &Value) -> bool {
    matches!(v, Value::Null | Value::Bool(false))
}

fn eq(kind: &Kind, v: &Value, t: &Value) -> bool {
    if is_false(t) {
        return is_false(v) || (matches!(kind, Kind::Boolean) && v == &Value::Bool(false));
    }
    match (v, t) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => normalize(kind, a) == normalize(kind, b),
        (a, b) => a == b,
    }
}

/// Date-only strings compare as midnight on datetime fields; stored microseconds are kept.
fn normalize(kind: &Kind, s: &str) -> String {
    if matches!(kind, Kind::Datetime) && s.len() == 10 {
        format!("{s} 00:00:00")
    } else {
        s.to_string()
    }
}

fn cmp_values(kind: &Kind, a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => normalize(kind, x).cmp(&normalize(kind, y)),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// SQL LIKE semantics: `like`/`ilike` wrap the pattern in `%`; `=like`/`=ilike` use it as is.
fn text_match(s: &str, pattern: &str, op: &str) -> bool {
    let insensitive = op.contains("ilike");
    let (s, p) =
        if insensitive { (s.to_lowercase(), pattern.to_lowercase()) } else { (s.to_string(), pattern.to_string()) };
    if op.starts_with('=') {
        like(&s.chars().collect::<Vec<_>>(), &p.chars().collect::<Vec<_>>())
    } else {
        s.contains(&p)
    }
}

fn like(s: &[char], p: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('%', rest)) => (0..=s.len()).any(|i| like(&s[i..], rest)),
        Some(('_', rest)) => !s.is_empty() && like(&s[1..], rest),
        Some((c, rest)) => s.first() == Some(c) && like(&s[1..], rest),
    }
}

/// Sort ids by an `order` clause like `"write_date asc, id asc"`; NULLs last on asc, first on desc (Postgres).
pub fn sort(store: &Store, model: &str, ids: &mut [i64], order: &str) -> Result<()> {
    let mut keys = Vec::new();
    for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = part.split_whitespace();
        let name = it.next().unwrap_or("id");
        let desc = it.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
        let Some(f) = store.schema.field(model, name) else {
            return Err(OdooError::ValueError(format!("Invalid field {name:?} on model {model:?}")));
        };
        keys.push((name.to_string(), f.kind.clone(), desc));
    }
    ids.sort_by(|a, b| {
        for (name, kind, desc) in &keys {
            let (va, vb) = (store.value(model, *a, name), store.value(model, *b, name));
            let ord = match (
                is_false(&va) && !matches!(kind, Kind::Boolean),
                is_false(&vb) && !matches!(kind, Kind::Boolean),
            ) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => cmp_values(kind, &va, &vb),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.cmp(b)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(text_match("ACME Components", "acme", "ilike"));
        assert!(!text_match("ACME Components", "acme", "like"));
        assert!(text_match("P00013", "P000%", "=like"));
        assert!(!text_match("P00013", "P0001", "=like"));
    }

    #[test]
    fn polish_notation_parses() {
        let d = serde_json::json!(["|", ["a", "=", 1], "!", ["b", "=", 2], ["c", "in", [1]]]);
        let Node::And(top) = parse(&d).unwrap() else { panic!() };
        assert_eq!(top.len(), 2);
        assert!(matches!(top[0], Node::Or(_)));
    }
}
