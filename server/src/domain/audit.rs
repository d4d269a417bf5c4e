//! The audit log: who did what, to which record, from where. Written in the caller's transaction.

use crate::db::{Executor, Result, Sql};

pub struct AuditEntry<'a> {
    pub user_id: Option<i64>,
    pub role: Option<&'a str>,
    pub supplier_id: Option<i64>,
    pub action: &'a str,
    pub entity: Option<(&'a str, i64)>,
    pub detail: serde_json::Value,
    pub ip: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    /// What a signed-in actor did to a record of a supplier.
    pub fn by(
        actor: &'a app::ports::Actor,
        action: &'a str,
        entity: (&'a str, i64),
        supplier_id: i64,
        detail: serde_json::Value,
    ) -> Self {
        AuditEntry::acting(actor, action, Some(entity), Some(supplier_id), detail)
    }

    /// What a signed-in actor did, to a record of a supplier or to none in particular.
    pub fn acting(
        actor: &'a app::ports::Actor,
        action: &'a str,
        entity: Option<(&'a str, i64)>,
        supplier_id: Option<i64>,
        detail: serde_json::Value,
    ) -> Self {
        AuditEntry {
            user_id: Some(actor.user_id),
            role: Some(actor.role.as_str()),
            supplier_id,
            action,
            entity,
            detail,
            ip: None,
        }
    }
}

pub async fn record(exec: &mut impl Executor, entry: AuditEntry<'_>) -> Result<()> {
    exec.execute(
        Sql::new(
            "INSERT INTO audit_log (user_id, role, supplier_id, action, entity_type, entity_id, detail, ip, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(entry.user_id)
        .bind(entry.role)
        .bind(entry.supplier_id)
        .bind(entry.action)
        .bind(entry.entity.map(|(t, _)| t))
        .bind(entry.entity.map(|(_, id)| id))
        .bind(entry.detail.to_string())
        .bind(entry.ip)
        .bind(chrono::Utc::now()),
    )
    .await?;
    Ok(())
}
