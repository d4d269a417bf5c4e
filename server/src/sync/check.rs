//! `supplyline odoo check`: what a supplier's key can and cannot do in Odoo, and whether it can see
//! more than its own vendor's records (which would break the least-privilege promise).

use serde_json::json;

use crate::odoo::OdooClient;

pub fn kwargs(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap_or_default()
}

pub fn verdict<T>(outcome: &Result<T, crate::odoo::OdooError>) -> String {
    match outcome {
        Ok(_) => "ok".into(),
        Err(e) => format!("no ({})", e.kind.label()),
    }
}

/// Reads what the key must read; writes one of its POs' own `partner_ref` back unchanged (a write
/// that changes nothing); and counts other vendors' POs it can see, which must be none.
pub async fn probe_supplier_key(odoo: &OdooClient, vendor: Option<i64>) -> Vec<String> {
    let mut lines = Vec::new();
    for model in ["purchase.order", "purchase.order.line", "stock.picking", "stock.move.line", "product.supplierinfo"] {
        let outcome = odoo.call(model, "search_count", None, kwargs(json!({"domain": []}))).await;
        lines.push(format!("read {model}: {}", verdict(&outcome)));
    }
    match odoo.search_read("purchase.order", json!([]), &["partner_ref"], Some("id desc"), Some(1)).await {
        Ok(found) => match found.first() {
            Some(po) => {
                let id = po.get("id").and_then(serde_json::Value::as_i64).unwrap_or(0);
                let outcome = odoo
                    .write(
                        "purchase.order",
                        &[id],
                        json!({"partner_ref": po.get("partner_ref").cloned().unwrap_or(json!(false))}),
                    )
                    .await;
                lines.push(format!("write purchase.order (own, unchanged value): {}", verdict(&outcome)));
            }
            None => lines.push("write purchase.order: not probed (no PO visible yet)".into()),
        },
        Err(e) => lines.push(format!("write purchase.order: not probed ({})", e.kind.label())),
    }
    lines.push(author_email(odoo).await);
    // Capability, not permission: `carrier_tracking_ref` exists only with stock_delivery (Odoo's
    // `stock_delivery` module adds it to `stock.picking`);
    // without it an ASN's tracking number goes into the chatter instead.
    match odoo.fields_get("stock.picking").await {
        Ok(fields) if fields.contains_key("carrier_tracking_ref") => {
            lines.push("carrier tracking field: yes (stock_delivery)".into())
        }
        Ok(_) => lines.push("carrier tracking field: no (tracking numbers go to the chatter)".into()),
        Err(e) => lines.push(format!("carrier tracking field: not probed ({})", e.kind.label())),
    }
    match vendor {
        Some(vendor) => {
            let foreign = odoo
                .call(
                    "purchase.order",
                    "search_count",
                    None,
                    kwargs(json!({"domain": ["!", ["partner_id", "child_of", vendor]]})),
                )
                .await;
            match foreign {
                Ok(serde_json::Value::Number(n)) if n.as_i64() == Some(0) => {
                    lines.push("other vendors' POs visible: none".into())
                }
                Ok(n) => lines.push(format!(
                    "WARN other vendors' POs visible: {n} — tighten this bot user's record rules (supplyline odoo provision)"
                )),
                Err(e) => lines.push(format!("other vendors' POs: not probed ({})", e.kind.label())),
            }
        }
        None => lines.push("WARN the supplier has no Odoo vendor id: cannot check isolation".into()),
    }
    lines
}

/// Odoo 17/18 refuse a chatter note whose author (the bot's partner) has no e-mail address
/// (`mail.thread._message_compute_author`); 19 posts it anyway.
async fn author_email(odoo: &OdooClient) -> String {
    let me = match odoo.read("res.users", &[odoo.uid()], &["partner_id"]).await {
        Ok(me) => me,
        Err(e) => return format!("bot e-mail: not probed ({})", e.kind.label()),
    };
    let Some((partner, _)) = me.first().and_then(|u| super::record::many2one(u, "partner_id")) else {
        return "bot e-mail: not probed (no partner)".into();
    };
    let email = match odoo.read("res.partner", &[partner], &["email"]).await {
        Ok(p) => p.first().and_then(|p| super::record::text(p, "email")).filter(|e| !e.trim().is_empty()),
        Err(e) => return format!("bot e-mail: not probed ({})", e.kind.label()),
    };
    match (email, odoo.version().major >= 19) {
        (Some(email), _) => format!("bot e-mail: {email}"),
        (None, false) => "WARN bot e-mail: none — Odoo refuses its chatter notes; give its contact an e-mail (supplyline odoo provision)".into(),
        (None, true) => "bot e-mail: none (Odoo 19 posts notes without one; 17/18 would refuse them)".into(),
    }
}
