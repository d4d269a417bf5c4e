//! `POST /xmlrpc/2/common` and `/xmlrpc/2/object`: XML-RPC as Odoo's `rpc` controller answers it (17.0
//! `odoo/addons/base/controllers/rpc.py`, 19.0 `addons/rpc/controllers/xmlrpc.py`): HTTP 200 for faults
//! too, integer fault codes (`xmlrpc_handle_exception_int`), and a `None` result that cannot be
//! marshalled after the transaction has committed.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{json, Map, Value};
use tracing::warn;

use super::jsonrpc::{common, object, DEPRECATION};
use crate::error::OdooError;
use crate::server::ConnKill;
use crate::transport::{gate, lost_response, proxy_fault};
use crate::{OdooVersion, Simulator};

pub async fn handle(
    State(sim): State<Simulator>,
    Path(service): Path<String>,
    kill: Option<Extension<ConnKill>>,
    body: Bytes,
) -> Response {
    let kill = kill.as_deref();
    if let Some(r) = gate(&sim, kill).await {
        return r;
    }
    let version = sim.version();
    if version == OdooVersion::V19 {
        warn!(target: "odoo.addons.rpc.controllers.xmlrpc", "{DEPRECATION}");
    }
    let (method, args) = match parse_call(&body) {
        Ok(call) => call,
        Err(e) => return fault(1, &format!("xml.parsers.expat.ExpatError: {e}")),
    };
    let (model, call_method) =
        if service == "object" { (arg_str(&args, 3), arg_str(&args, 4)) } else { (String::new(), method.clone()) };
    let fault_kind = sim.faults().decide(&model, &call_method, service == "object");
    if let Some(kind) = fault_kind.filter(|k| k.is_proxy()) {
        sim.record_fault("xmlrpc", &model, &call_method, kind);
        return proxy_fault(&sim, kind).await;
    }
    let result = match service.as_str() {
        "common" => common(&sim, &method, &args),
        "object" => object(&sim, "xmlrpc", &method, &args, fault_kind),
        other => Err(OdooError::KeyError(format!("'{other}'"))),
    };
    if let Some(r) = lost_response(fault_kind.filter(|_| result.is_ok()), kill).await {
        return r;
    }
    match result {
        // Python's marshaller refuses None (allow_none is off) — after Odoo committed the call.
        Ok(Value::Null) => fault(1, &traceback("TypeError: cannot marshal None unless allow_none is enabled")),
        Ok(v) => respond(&format!("<params>\n<param>\n{}</param>\n</params>\n", value(&v))),
        Err(e) => {
            let (code, text) = fault_of(version, &e);
            fault(code, &text)
        }
    }
}

fn arg_str(args: &[Value], i: usize) -> String {
    args.get(i).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `xmlrpc_handle_exception_int`: the code by exception class, checked in Odoo's order.
fn fault_of(version: OdooVersion, e: &OdooError) -> (i64, String) {
    match e {
        OdooError::AccessError(m) => (4, m.clone()),
        OdooError::AccessDenied(m) => (3, m.clone()),
        OdooError::UserError(m) | OdooError::MissingError(m) | OdooError::ValidationError(m) => (2, m.clone()),
        other => (1, other.debug(version)),
    }
}

fn traceback(last: &str) -> String {
    format!(
        "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py\", \
         line 151, in xmlrpc_2\n    response = self._xmlrpc(service)\n{last}\n"
    )
}

fn respond(inner: &str) -> Response {
    // Odoo's marshaller: double-quoted declaration, a blank line before the closing tag.
    let body = format!("<?xml version=\"1.0\"?>\n<methodResponse>\n{inner}\n</methodResponse>\n");
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn fault(code: i64, text: &str) -> Response {
    respond(&format!(
        "<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>{code}</int></value>\n</member>\n\
         <member>\n<name>faultString</name>\n<value><string>{}</string></value>\n</member>\n</struct></value>\n</fault>\n",
        escape(text)
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `xmlrpc.client.Marshaller.dumps` of one value.
fn value(v: &Value) -> String {
    let inner = match v {
        Value::Null => "<nil/>".to_string(),
        Value::Bool(b) => format!("<boolean>{}</boolean>", u8::from(*b)),
        Value::Number(n) if n.is_i64() => format!("<int>{n}</int>"),
        Value::Number(n) => format!("<double>{}</double>", n.as_f64().unwrap_or_default()),
        Value::String(s) => format!("<string>{}</string>", escape(s)),
        Value::Array(items) => format!("<array><data>\n{}</data></array>", items.iter().map(value).collect::<String>()),
        Value::Object(m) => {
            let members: String = m
                .iter()
                .map(|(k, v)| format!("<member>\n<name>{}</name>\n{}</member>\n", escape(k), value(v)))
                .collect();
            format!("<struct>\n{members}</struct>")
        }
    };
    format!("<value>{inner}</value>\n")
}

/// An element of the request: its name, child elements and text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn tree(body: &[u8]) -> Result<Node, String> {
    let mut reader = Reader::from_reader(body);
    let mut stack = vec![Node::default()];
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| e.to_string())? {
            Event::Start(e) => {
                stack.push(Node { name: String::from_utf8_lossy(e.name().as_ref()).into_owned(), ..Node::default() })
            }
            Event::Empty(e) => {
                let node = Node { name: String::from_utf8_lossy(e.name().as_ref()).into_owned(), ..Node::default() };
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| e.to_string())?;
                stack.last_mut().ok_or("unbalanced")?.text.push_str(&text);
            }
            Event::CData(t) => stack.last_mut().ok_or("unbalanced")?.text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced")?;
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut root = stack.pop().ok_or("empty document")?;
    if !stack.is_empty() {
        return Err("unclosed element".into());
    }
    root.children.pop().ok_or_else(|| "no element".to_string())
}

fn parse_call(body: &[u8]) -> Result<(String, Vec<Value>), String> {
    let call = tree(body)?;
    if call.name != "methodCall" {
        return Err(format!("expected methodCall, found {}", call.name));
    }
    let method = call.child("methodName").map(|m| m.text.trim().to_string()).ok_or("no methodName")?;
    let params = match call.child("params") {
        Some(p) => p
            .children
            .iter()
            .filter(|c| c.name == "param")
            .map(|p| p.child("value").map(parse_value).unwrap_or(Ok(Value::Null)))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    Ok((method, params))
}

fn parse_value(v: &Node) -> Result<Value, String> {
    let Some(typed) = v.children.first() else { return Ok(json!(v.text)) };
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => json!(typed.text.trim().parse::<i64>().map_err(|e| e.to_string())?),
        "boolean" => json!(typed.text.trim() == "1"),
        "double" => json!(typed.text.trim().parse::<f64>().map_err(|e| e.to_string())?),
        "string" | "dateTime.iso8601" | "base64" => json!(typed.text),
        "nil" => Value::Null,
        "array" => {
            let data = typed.child("data").ok_or("array without data")?;
            Value::Array(data.children.iter().map(parse_value).collect::<Result<_, _>>()?)
        }
        "struct" => {
            let mut m = Map::new();
            for member in typed.children.iter().filter(|c| c.name == "member") {
                let name = member.child("name").map(|n| n.text.clone()).ok_or("member without name")?;
                let value = member.child("value").ok_or("member without value")?;
                m.insert(name, parse_value(value)?);
            }
            Value::Object(m)
        }
        other => return Err(format!("unknown XML-RPC type {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_call_and_writes_values_as_python_does() {
        let body = br#"<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params>
            <param><value><string>db</string></value></param><param><value><int>2</int></value></param>
            <param><value>bare</value></param>
            <param><value><array><data><value><struct><member><name>a</name><value><boolean>1</boolean></value></member></struct></value></data></array></value></param>
            </params></methodCall>"#;
        let (method, args) = parse_call(body).unwrap();
        assert_eq!(method, "execute_kw");
        assert_eq!(args, vec![json!("db"), json!(2), json!("bare"), json!([{"a": true}])]);
        assert_eq!(
            value(&json!({"id": 13, "partner_id": [47, "ACME & Co"]})),
            "<value><struct>\n<member>\n<name>id</name>\n<value><int>13</int></value>\n</member>\n<member>\n<name>partner_id</name>\n<value><array><data>\n<value><int>47</int></value>\n<value><string>ACME &amp; Co</string></value>\n</data></array></value>\n</member>\n</struct></value>\n"
        );
        assert!(parse_call(b"<methodCall><methodName>x</methodName>").is_err());
    }
}
