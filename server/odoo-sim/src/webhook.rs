//! Outgoing webhooks of base_automation's "Send Webhook Notification" (§8).

use std::time::Duration;

use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::orm::{Env, Load};
use crate::OdooVersion;

#[derive(Clone, Debug)]
pub struct Delivery {
    pub url: String,
    pub body: String,
}

/// Payloads for every record touched in the transaction that a webhook watches (one POST per record).
pub fn collect(env: &Env) -> Vec<Delivery> {
    let mut out = Vec::new();
    let configured = crate::models::security::automation_webhooks(env.st);
    for hook in env.st.webhooks.iter().chain(&configured) {
        for t in env.touched.iter().filter(|t| t.model == hook.model && env.st.exists(&t.model, t.id)) {
            let fires =
                t.created || hook.trigger_fields.is_empty() || hook.trigger_fields.iter().any(|f| t.fields.contains(f));
            if !fires {
                continue;
            }
            // 17/18 recompute the name of automation-linked actions from their type (§8).
            let name = if env.version() == OdooVersion::V19 { hook.name.as_str() } else { "Send Webhook Notification" };
            let mut payload = Map::new();
            payload.insert("_action".into(), json!(format!("{name}(#{})", hook.action_id)));
            payload.insert("_id".into(), json!(t.id));
            payload.insert("_model".into(), json!(t.model));
            if !hook.fields.is_empty() {
                // record.read(fields, load=None): many2one as bare ids; str(datetime) keeps microseconds.
                if let Value::Object(vals) = env.render(&t.model, t.id, &hook.fields, Load::Raw, true) {
                    payload.extend(vals);
                }
            }
            out.push(Delivery { url: hook.url.clone(), body: py_json(&Value::Object(payload)) });
        }
    }
    out
}

/// `json.dumps(vals, sort_keys=True, default=str)`: `", "` / `": "` separators, ASCII only, keys sorted.
pub fn py_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys.iter().map(|k| format!("{}: {}", py_str(k), py_json(&m[*k]))).collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Fire and forget, like `requests.post(url, data=..., headers={'Content-Type': 'application/json'}, timeout=1)`.
pub fn send(client: &reqwest::Client, deliveries: Vec<Delivery>) {
    for d in deliveries {
        let client = client.clone();
        let task = async move {
            let r = client
                .post(&d.url)
                .header("User-Agent", "python-requests/2.31.0")
                .header("Accept-Encoding", "gzip, deflate")
                .header("Accept", "*/*")
                .header("Connection", "keep-alive")
                .header("Content-Type", "application/json")
                .body(d.body)
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            match r {
                Ok(resp) if resp.status().is_success() => info!(url = %d.url, "Webhook call succeeded"),
                Ok(resp) => {
                    let s = resp.status();
                    let kind = if s.is_client_error() { "Client" } else { "Server" };
                    warn!(
                        "Webhook call failed: {} {kind} Error: {} for url: {}",
                        s.as_u16(),
                        s.canonical_reason().unwrap_or(""),
                        d.url
                    );
                }
                Err(e) if e.is_timeout() => warn!(
                    "Webhook call timed out after 1s - it may or may not have failed. If this happens often, it may be \
                     a sign that the system you're trying to reach is slow or non-functional."
                ),
                Err(e) => warn!("Webhook call failed: {e}"),
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(task);
            }
            Err(_) => {
                std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        rt.block_on(task);
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_style_json() {
        let v = json!({"b": 1, "_a": "é", "c": [1, 2], "d": false, "e": 10.0});
        assert_eq!(py_json(&v), r#"{"_a": "\u00e9", "b": 1, "c": [1, 2], "d": false, "e": 10.0}"#);
    }
}
