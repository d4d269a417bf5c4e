//! Odoo's side of Supplyline, made (or checked and repaired) over RPC under an Odoo administrator's key:
//! the supplier sync group with its ACL rows and record rules, one internal bot user per supplier (a
//! contact of the vendor, with an e-mail, since Odoo 17/18 refuse chatter notes from an author without
//! one), the read-only planning group and user, and the automation rule whose webhook tells the portal
//! that a purchase order changed. Every step reads first and changes only what differs, so running it
//! again is safe; a dry run reports without writing.
//!
//! Odoo has no RPC that mints an API key for another user (`res.users.apikeys._generate` is private in
//! 17.0 and 19.0), so creating each bot's key stays the administrator's one manual step.

use serde_json::{json, Map, Value};

use super::record;
use crate::odoo::{OdooClient, OdooError};

pub const SYNC_GROUP: &str = "Supplyline supplier sync";
pub const PLANNING_GROUP: &str = "Supplyline planning (read-only)";
pub const PLANNING_LOGIN: &str = "supplyline-planning";
pub const AUTOMATION_NAME: &str = "Supplyline: notify the portal of purchase order changes";
/// Fields the webhook carries: enough to route the hint; the record itself is read back.
const WEBHOOK_FIELDS: [&str; 2] = ["partner_id", "write_date"];

/// One ACL row of a group: model and (read, write, create, unlink).
type AclRow = (&'static str, [bool; 4]);

/// What a supplier's bot may do: read and update its own orders, receipts and price list lines,
/// announce lots on receipt move lines, read MOs (which components are needed when).
const SYNC_ACL: [AclRow; 8] = [
    ("purchase.order", [true, true, false, false]),
    ("purchase.order.line", [true, true, false, false]),
    ("stock.picking", [true, true, false, false]),
    ("stock.move", [true, true, false, false]),
    ("stock.move.line", [true, true, true, true]),
    ("stock.lot", [true, false, true, false]),
    ("product.supplierinfo", [true, true, false, false]),
    ("mrp.production", [true, false, false, false]),
];

/// The bot sees only its own vendor's documents: its partner is a contact of the vendor, so
/// `user.commercial_partner_id` is the vendor.
const SYNC_RULES: [(&str, &str); 6] = [
    ("purchase.order", "[('partner_id', 'child_of', [user.commercial_partner_id.id])]"),
    ("purchase.order.line", "[('order_id.partner_id', 'child_of', [user.commercial_partner_id.id])]"),
    (
        "stock.picking",
        "[('partner_id', 'child_of', [user.commercial_partner_id.id]), ('picking_type_code', '=', 'incoming')]",
    ),
    ("stock.move", "[('purchase_line_id.order_id.partner_id', 'child_of', [user.commercial_partner_id.id])]"),
    (
        "stock.move.line",
        "[('move_id.purchase_line_id.order_id.partner_id', 'child_of', [user.commercial_partner_id.id])]",
    ),
    ("product.supplierinfo", "[('partner_id', 'child_of', [user.commercial_partner_id.id])]"),
];

/// What belongs to no single supplier: manufacturing demand and the orders it waits for, read only.
const PLANNING_ACL: [AclRow; 5] = [
    ("mrp.production", [true, false, false, false]),
    ("stock.move", [true, false, false, false]),
    ("stock.lot", [true, false, false, false]),
    ("purchase.order", [true, false, false, false]),
    ("purchase.order.line", [true, false, false, false]),
];

/// A portal supplier to give a bot.
#[derive(Debug, Clone)]
pub struct SupplierTarget {
    pub code: String,
    pub name: String,
    pub partner_id: i64,
}

/// Where Odoo's webhook must point: `<public_url>/hooks/odoo/<secret>`. The portal keeps only the
/// secret's hash, so a URL is right when its last segment hashes to it; `fresh_secret` replaces it
/// when the rule has to be made or repaired.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub public_url: String,
    pub secret_hash: String,
    pub fresh_secret: String,
}

impl WebhookTarget {
    fn prefix(&self) -> String {
        format!("{}/hooks/odoo/", self.public_url.trim_end_matches('/'))
    }

    fn points_here(&self, url: &str) -> bool {
        url.strip_prefix(&self.prefix())
            .is_some_and(|secret| super::connection::webhook_secret_hash(secret) == self.secret_hash)
    }
}

pub struct Target {
    pub suppliers: Vec<SupplierTarget>,
    pub webhook: WebhookTarget,
    /// The domain of the bots' e-mail addresses (`supplyline-bot-acme@<domain>`).
    pub email_domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    Created,
    Updated(String),
}

/// One line of the report: what was looked at and what was (or, in a dry run, would be) done.
#[derive(Debug, Clone)]
pub struct Finding {
    pub subject: String,
    pub change: Change,
}

/// An Odoo user the portal signs in as, and who still needs an API key from the administrator.
#[derive(Debug, Clone)]
pub struct BotUser {
    /// The supplier's code; None for the planning user.
    pub supplier: Option<String>,
    pub login: String,
    pub uid: Option<i64>,
    pub vendor_partner_id: Option<i64>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub users: Vec<BotUser>,
    /// Set when the automation rule was given a new webhook URL: the portal must store this secret.
    pub new_webhook_secret: Option<String>,
}

impl Report {
    pub fn changes(&self) -> usize {
        self.findings.iter().filter(|f| f.change != Change::Unchanged).count()
    }

    fn note(&mut self, subject: impl Into<String>, change: Change) {
        self.findings.push(Finding { subject: subject.into(), change });
    }
}

pub fn bot_login(code: &str) -> String {
    format!("supplyline-bot-{}", code.to_ascii_lowercase())
}

struct Provisioner<'a> {
    odoo: &'a OdooClient,
    apply: bool,
    report: Report,
    /// `ir.model` ids by model name.
    models: Map<String, Value>,
}

/// Makes Odoo's side match `target`; with `apply = false` only reports what differs.
pub async fn provision(odoo: &OdooClient, target: &Target, apply: bool) -> Result<Report, OdooError> {
    let mut p = Provisioner { odoo, apply, report: Report::default(), models: Map::new() };
    p.load_models().await?;
    let internal = p.xmlid("base", "group_user").await?;
    let sync_group = p.group(SYNC_GROUP).await?;
    p.acl(sync_group, SYNC_GROUP, &SYNC_ACL).await?;
    p.rules(sync_group).await?;
    for supplier in &target.suppliers {
        let login = bot_login(&supplier.code);
        let email = format!("{login}@{}", target.email_domain);
        let name = format!("{} (Supplyline bot)", supplier.name);
        let uid = p.user(&login, &name, &email, Some(supplier.partner_id), &[internal, sync_group]).await?;
        p.report.users.push(BotUser {
            supplier: Some(supplier.code.clone()),
            login,
            uid,
            vendor_partner_id: Some(supplier.partner_id),
        });
    }
    let planning_group = p.group(PLANNING_GROUP).await?;
    p.acl(planning_group, PLANNING_GROUP, &PLANNING_ACL).await?;
    let planning_email = format!("{PLANNING_LOGIN}@{}", target.email_domain);
    let uid = p.user(PLANNING_LOGIN, "Supplyline planning", &planning_email, None, &[internal, planning_group]).await?;
    p.report.users.push(BotUser { supplier: None, login: PLANNING_LOGIN.into(), uid, vendor_partner_id: None });
    p.automation(&target.webhook).await?;
    Ok(p.report)
}

fn id_of(record: &Map<String, Value>) -> i64 {
    record.get("id").and_then(Value::as_i64).unwrap_or_default()
}

fn ids_of(record: &Map<String, Value>, field: &str) -> Vec<i64> {
    record
        .get(field)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn flags(record: &Map<String, Value>) -> [bool; 4] {
    ["perm_read", "perm_write", "perm_create", "perm_unlink"]
        .map(|f| record.get(f).and_then(Value::as_bool).unwrap_or(false))
}

fn flag_vals(perms: [bool; 4]) -> Value {
    json!({"perm_read": perms[0], "perm_write": perms[1], "perm_create": perms[2], "perm_unlink": perms[3]})
}

fn squash(domain: &str) -> String {
    domain.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Provisioner<'_> {
    fn model_id(&self, model: &str) -> Result<i64, OdooError> {
        self.models.get(model).and_then(Value::as_i64).ok_or_else(|| {
            OdooError::new(
                crate::odoo::ErrorKind::Validation,
                None,
                format!("model {model} is not installed in this Odoo (install purchase, stock and mrp)"),
            )
        })
    }

    async fn load_models(&mut self) -> Result<(), OdooError> {
        let mut wanted: Vec<&str> = SYNC_ACL.iter().chain(&PLANNING_ACL).map(|(m, _)| *m).collect();
        wanted.sort();
        wanted.dedup();
        for m in self.odoo.search_read("ir.model", json!([["model", "in", wanted]]), &["model"], None, None).await? {
            if let Some(name) = record::text(&m, "model") {
                self.models.insert(name, json!(id_of(&m)));
            }
        }
        Ok(())
    }

    async fn xmlid(&self, module: &str, name: &str) -> Result<i64, OdooError> {
        let found = self
            .odoo
            .search_read(
                "ir.model.data",
                json!([["module", "=", module], ["name", "=", name]]),
                &["res_id"],
                None,
                Some(1),
            )
            .await?;
        found.first().and_then(|r| r.get("res_id")).and_then(Value::as_i64).ok_or_else(|| {
            OdooError::new(crate::odoo::ErrorKind::Validation, None, format!("Odoo has no {module}.{name}"))
        })
    }

    /// The group's id; 0 in a dry run when it does not exist yet.
    async fn group(&mut self, name: &str) -> Result<i64, OdooError> {
        let found = self.odoo.search_read("res.groups", json!([["name", "=", name]]), &["name"], None, Some(1)).await?;
        if let Some(group) = found.first() {
            self.report.note(format!("group {name:?}"), Change::Unchanged);
            return Ok(id_of(group));
        }
        self.report.note(format!("group {name:?}"), Change::Created);
        if !self.apply {
            return Ok(0);
        }
        self.odoo.create("res.groups", json!({"name": name})).await
    }

    /// The ACL rows or rules of a group; none for a group a dry run has not created (id 0).
    async fn group_rows(
        &self,
        model: &str,
        domain: Value,
        group: i64,
        fields: &[&str],
    ) -> Result<Vec<Map<String, Value>>, OdooError> {
        if group == 0 {
            return Ok(Vec::new());
        }
        self.odoo.search_read(model, domain, fields, None, None).await
    }

    async fn acl(&mut self, group: i64, group_name: &str, rows: &[AclRow]) -> Result<(), OdooError> {
        let fields = ["model_id", "perm_read", "perm_write", "perm_create", "perm_unlink"];
        let existing = self.group_rows("ir.model.access", json!([["group_id", "=", group]]), group, &fields).await?;
        for (model, perms) in rows {
            let model_id = self.model_id(model)?;
            let subject = format!("access of {group_name:?} to {model}");
            let row = existing.iter().find(|r| record::many2one(r, "model_id").map(|m| m.0) == Some(model_id));
            match row {
                Some(row) if flags(row) == *perms => self.report.note(subject, Change::Unchanged),
                Some(row) => {
                    self.report.note(subject, Change::Updated(format!("rights {:?} → {perms:?}", flags(row))));
                    if self.apply {
                        self.odoo.write("ir.model.access", &[id_of(row)], flag_vals(*perms)).await?;
                    }
                }
                None => {
                    self.report.note(subject, Change::Created);
                    if self.apply {
                        let mut vals = flag_vals(*perms);
                        vals["name"] = json!(format!("{group_name} {model}"));
                        vals["model_id"] = json!(model_id);
                        vals["group_id"] = json!(group);
                        self.odoo.create("ir.model.access", vals).await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn rules(&mut self, group: i64) -> Result<(), OdooError> {
        let fields = ["model_id", "domain_force", "active"];
        let existing = self.group_rows("ir.rule", json!([["groups", "in", [group]]]), group, &fields).await?;
        for (model, domain) in SYNC_RULES {
            let model_id = self.model_id(model)?;
            let subject = format!("record rule: {model} of the bot's own vendor only");
            let rule = existing.iter().find(|r| record::many2one(r, "model_id").map(|m| m.0) == Some(model_id));
            let current = rule.and_then(|r| record::text(r, "domain_force")).unwrap_or_default();
            let active = rule.and_then(|r| r.get("active")).and_then(Value::as_bool).unwrap_or(true);
            match rule {
                Some(_) if squash(&current) == squash(domain) && active => self.report.note(subject, Change::Unchanged),
                Some(rule) => {
                    self.report.note(subject, Change::Updated(format!("domain {current} → {domain}")));
                    if self.apply {
                        self.odoo
                            .write("ir.rule", &[id_of(rule)], json!({"domain_force": domain, "active": true}))
                            .await?;
                    }
                }
                None => {
                    self.report.note(subject, Change::Created);
                    if self.apply {
                        let vals = json!({"name": format!("Supplyline bot: own vendor's {model}"), "model_id": model_id,
                                          "groups": [[6, 0, [group]]], "domain_force": domain,
                                          "perm_read": true, "perm_write": true, "perm_create": true, "perm_unlink": true});
                        self.odoo.create("ir.rule", vals).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An internal user with the given groups whose partner has `email` and, for a bot, is a contact of
    /// the vendor. Returns its uid (None in a dry run when it does not exist yet).
    async fn user(
        &mut self,
        login: &str,
        name: &str,
        email: &str,
        vendor: Option<i64>,
        groups: &[i64],
    ) -> Result<Option<i64>, OdooError> {
        let groups_field = self.odoo.version().fields().user_groups;
        let found = self
            .odoo
            .search_read("res.users", json!([["login", "=", login]]), &["partner_id", groups_field], None, Some(1))
            .await?;
        let subject = format!("user {login}");
        let Some(user) = found.first() else {
            self.report.note(subject, Change::Created);
            if !self.apply {
                return Ok(None);
            }
            let mut partner = json!({"name": name, "email": email});
            if let Some(vendor) = vendor {
                partner["parent_id"] = json!(vendor);
            }
            let partner_id = self.odoo.create("res.partner", partner).await?;
            let vals = json!({"name": name, "login": login, "partner_id": partner_id, groups_field: [[6, 0, groups]]});
            return self.odoo.create("res.users", vals).await.map(Some);
        };
        let uid = id_of(user);
        let mut fixes = Vec::new();
        let have = ids_of(user, groups_field);
        let missing: Vec<i64> = groups.iter().copied().filter(|g| *g != 0 && !have.contains(g)).collect();
        if !missing.is_empty() || groups.contains(&0) {
            fixes.push("groups".to_string());
            if self.apply {
                let commands: Vec<Value> = missing.iter().map(|g| json!([4, g])).collect();
                self.odoo.write("res.users", &[uid], json!({ groups_field: commands })).await?;
            }
        }
        if let Some((partner_id, _)) = record::many2one(user, "partner_id") {
            let partner = self.odoo.read("res.partner", &[partner_id], &["email", "parent_id"]).await?;
            let partner = partner.first().cloned().unwrap_or_default();
            let mut vals = Map::new();
            if record::text(&partner, "email").is_none_or(|e| e.trim().is_empty()) {
                fixes.push("e-mail".into());
                vals.insert("email".into(), json!(email));
            }
            if vendor.is_some() && record::many2one(&partner, "parent_id").map(|p| p.0) != vendor {
                fixes.push("vendor contact".into());
                vals.insert("parent_id".into(), json!(vendor));
            }
            if self.apply && !vals.is_empty() {
                self.odoo.write("res.partner", &[partner_id], Value::Object(vals)).await?;
            }
        }
        self.report.note(subject, if fixes.is_empty() { Change::Unchanged } else { Change::Updated(fixes.join(", ")) });
        Ok(Some(uid))
    }

    async fn automation(&mut self, webhook: &WebhookTarget) -> Result<(), OdooError> {
        let po_model = self.model_id("purchase.order")?;
        let fields = self
            .odoo
            .search_read(
                "ir.model.fields",
                json!([["model", "=", "purchase.order"], ["name", "in", WEBHOOK_FIELDS]]),
                &["name"],
                None,
                None,
            )
            .await?;
        let field_ids: Vec<i64> = fields.iter().map(id_of).collect();
        let fresh_url = format!("{}{}", webhook.prefix(), webhook.fresh_secret);
        // `name` is required on 17, `state` on 19: both are always given.
        let new_action = json!({"name": "Supplyline: notify the portal", "model_id": po_model, "state": "webhook",
                            "usage": "base_automation", "webhook_url": fresh_url,
                            "webhook_field_ids": [[6, 0, field_ids]]});
        let found = self
            .odoo
            .search_read(
                "base.automation",
                json!([["name", "=", AUTOMATION_NAME]]),
                &["action_server_ids", "active"],
                None,
                Some(1),
            )
            .await?;
        let subject = "automation rule: webhook on purchase order changes".to_string();
        let Some(rule) = found.first() else {
            self.report.note(subject, Change::Created);
            if self.apply {
                self.odoo
                    .create(
                        "base.automation",
                        json!({"name": AUTOMATION_NAME, "model_id": po_model, "trigger": "on_create_or_write",
                               "action_server_ids": [[0, 0, new_action]]}),
                    )
                    .await?;
                self.report.new_webhook_secret = Some(webhook.fresh_secret.clone());
            }
            return Ok(());
        };
        let actions =
            self.odoo.read("ir.actions.server", &ids_of(rule, "action_server_ids"), &["state", "webhook_url"]).await?;
        let hook = actions.iter().find(|a| record::text(a, "state").as_deref() == Some("webhook"));
        let url = hook.and_then(|a| record::text(a, "webhook_url")).unwrap_or_default();
        let active = rule.get("active").and_then(Value::as_bool).unwrap_or(true);
        match hook {
            Some(_) if webhook.points_here(&url) && active => self.report.note(subject, Change::Unchanged),
            Some(action) => {
                let why = if !active { "inactive".to_string() } else { format!("points elsewhere ({})", redact(&url)) };
                self.report.note(subject, Change::Updated(why));
                if self.apply {
                    self.odoo.write("ir.actions.server", &[id_of(action)], json!({"webhook_url": fresh_url})).await?;
                    self.odoo.write("base.automation", &[id_of(rule)], json!({"active": true})).await?;
                    self.report.new_webhook_secret = Some(webhook.fresh_secret.clone());
                }
            }
            None => {
                self.report.note(subject, Change::Updated("has no webhook action".into()));
                if self.apply {
                    self.odoo
                        .write(
                            "base.automation",
                            &[id_of(rule)],
                            json!({"active": true, "action_server_ids": [[0, 0, new_action]]}),
                        )
                        .await?;
                    self.report.new_webhook_secret = Some(webhook.fresh_secret.clone());
                }
            }
        }
        Ok(())
    }
}

/// A webhook URL without its secret, for the report.
fn redact(url: &str) -> String {
    match url.rsplit_once('/') {
        Some((head, secret)) if secret.len() > 8 => format!("{head}/…"),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_points_here_only_with_our_host_and_secret() {
        let secret = "s3cret-token-value";
        let target = WebhookTarget {
            public_url: "https://portal.example.com/".into(),
            secret_hash: super::super::connection::webhook_secret_hash(secret),
            fresh_secret: "new".into(),
        };
        assert!(target.points_here("https://portal.example.com/hooks/odoo/s3cret-token-value"));
        assert!(!target.points_here("https://portal.example.com/hooks/odoo/other-token"));
        assert!(!target.points_here("https://elsewhere.example.com/hooks/odoo/s3cret-token-value"));
        assert_eq!(redact("https://p.example.com/hooks/odoo/abcdefghijkl"), "https://p.example.com/hooks/odoo/…");
    }

    #[test]
    fn rule_domains_compare_without_whitespace() {
        assert_eq!(squash("[('a', '=', 1)]"), squash("[('a','=',1)]"));
        assert_eq!(bot_login("ACME-2"), "supplyline-bot-acme-2");
    }
}
