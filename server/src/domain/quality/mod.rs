//! Quality holds: a hold on a supplier's material (pulled from Odoo, or raised by a buyer in the
//! portal); the supplier answers with an 8D-style record and attaches files; the buyer closes or
//! reopens it. Suppliers see only their own holds (another supplier's answers 404); buyers and
//! admins see every supplier's. Each change writes its record, a history row, an event and an
//! audit entry in one transaction.

pub mod attachment;
pub mod validate;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use app::model::{
    HoldDecisionInput, QualityAttachmentView, QualityHistoryView, QualityHoldSummary, QualityHoldView, QualityQuery,
    QualityRaiseOption, QualityResponseView, RaiseHoldInput, RespondHoldInput, QUALITY_STATUSES,
};
use app::ports::{Actor, QualityPort};
use app::AppError;

use crate::db::{Arg, Db, Executor, Sql, Tx};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::event::{self, NewEvent};
use crate::domain::{internal, require_buyer, require_supplier};

pub use attachment::DEFAULT_MAX_ATTACHMENT_BYTES;

#[derive(Debug, sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    supplier_id: i64,
    supplier_name: String,
    product_code: Option<String>,
    product_name: String,
    lot_name: Option<String>,
    quantity: Option<f64>,
    uom: String,
    reason: String,
    status: String,
    source: String,
    odoo_reference: Option<String>,
    po_number: Option<String>,
    raised_by: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SummaryRow> for QualityHoldSummary {
    fn from(r: SummaryRow) -> Self {
        QualityHoldSummary {
            id: r.id,
            supplier_id: r.supplier_id,
            supplier_name: r.supplier_name,
            product_code: r.product_code,
            product_name: r.product_name,
            lot_name: r.lot_name,
            quantity: r.quantity,
            uom: r.uom,
            reason: r.reason,
            status: r.status,
            source: r.source,
            odoo_reference: r.odoo_reference,
            po_number: r.po_number,
            raised_by: r.raised_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const SUMMARY_SELECT: &str = "SELECT h.id, h.supplier_id, s.name AS supplier_name, p.default_code AS product_code,
       p.name AS product_name, h.lot_name, h.quantity, u.name AS uom, h.reason, h.status, h.source, h.odoo_reference,
       po.number AS po_number, ru.display_name AS raised_by, h.created_at, h.updated_at
  FROM quality_hold h
  JOIN supplier s ON s.id = h.supplier_id
  JOIN product p ON p.id = h.product_id
  JOIN uom u ON u.id = p.uom_id
  LEFT JOIN purchase_order po ON po.id = h.purchase_order_id
  LEFT JOIN app_user ru ON ru.id = h.raised_by";

/// A downloaded attachment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentFile {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

pub struct QualityService {
    pub db: Db,
    pub max_attachment_bytes: u64,
}

/// The facts an event and an audit entry carry about a hold.
#[derive(Debug, sqlx::FromRow)]
struct HoldFacts {
    id: i64,
    supplier_id: i64,
    status: String,
    product_name: String,
    product_code: Option<String>,
    lot_name: Option<String>,
    quantity: Option<f64>,
    source: String,
}

impl HoldFacts {
    fn payload(&self) -> serde_json::Value {
        json!({
            "hold_id": self.id, "supplier_id": self.supplier_id, "product_name": self.product_name,
            "product_code": self.product_code, "lot": self.lot_name, "quantity": self.quantity, "source": self.source,
        })
    }
}

/// The hold, if the actor may see it (a supplier: only its own). Inside `tx`, so the status read is
/// the one the change is based on.
async fn hold_facts(exec: &mut impl Executor, actor: &Actor, id: i64) -> Result<HoldFacts, AppError> {
    let mut sql = Sql::new(
        "SELECT h.id, h.supplier_id, h.status, p.name AS product_name, p.default_code AS product_code, h.lot_name,
                h.quantity, h.source
           FROM quality_hold h JOIN product p ON p.id = h.product_id WHERE h.id = $1",
    )
    .bind(id);
    if let Some(own) = actor.supplier_scope() {
        sql.push(" AND h.supplier_id = ?", [Arg::from(own)]);
    }
    exec.fetch_optional(sql).await.map_err(internal)?.ok_or(AppError::NotFound)
}

/// Adds a line to the hold's history.
pub(crate) async fn record_history(
    tx: &mut Tx,
    hold_id: i64,
    action: &str,
    comment: Option<&str>,
    user_id: Option<i64>,
) -> crate::db::Result<()> {
    tx.execute(
        Sql::new(
            "INSERT INTO quality_hold_history (quality_hold_id, action, comment, user_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hold_id)
        .bind(action)
        .bind(comment)
        .bind(user_id)
        .bind(Utc::now()),
    )
    .await
    .map(drop)
}

/// The event and the audit entry of an actor's change to a hold, in `tx`.
async fn emit_and_audit(
    tx: &mut Tx,
    actor: &Actor,
    event_type: &str,
    hold: &HoldFacts,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let mut payload = hold.payload();
    if let (Some(p), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    let event = NewEvent {
        event_type,
        aggregate: ("quality_hold", hold.id),
        supplier_id: Some(hold.supplier_id),
        payload: payload.clone(),
        destinations: &[],
    };
    event::emit(tx, event).await.map_err(internal)?;
    let entry = AuditEntry::by(actor, event_type, ("quality_hold", hold.id), hold.supplier_id, payload);
    audit::record(tx, entry).await.map_err(internal)
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

impl QualityService {
    pub fn new(db: Db) -> QualityService {
        QualityService { db, max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES }
    }

    /// Ok when the actor may see the hold; otherwise 404 (missing and foreign look the same).
    pub async fn visible(&self, actor: &Actor, hold_id: i64) -> Result<(), AppError> {
        hold_facts(&mut self.db.exec(), actor, hold_id).await.map(drop)
    }

    /// Stores a file on a hold the actor may see and that is not closed; answers the attachment's id.
    pub async fn upload(&self, actor: &Actor, hold_id: i64, filename: &str, bytes: Vec<u8>) -> Result<i64, AppError> {
        let mut tx = self.db.begin().await.map_err(internal)?;
        let hold = hold_facts(&mut tx, actor, hold_id).await?;
        if hold.status == "closed" {
            return Err(AppError::invalid("file", "This hold is closed: files can no longer be attached."));
        }
        let checked = attachment::check(filename, &bytes, self.max_attachment_bytes)?;
        let sha256 = {
            use sha2::{Digest, Sha256};
            Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let size = bytes.len() as i64;
        let created: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO quality_attachment (quality_hold_id, filename, content_type, size_bytes, sha256, content, uploaded_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(hold.id)
                .bind(checked.filename.as_str())
                .bind(checked.content_type)
                .bind(size)
                .bind(sha256.as_str())
                .bind(bytes)
                .bind(actor.user_id)
                .bind(Utc::now()),
            )
            .await
            .map_err(internal)?;
        let extra = json!({"attachment_id": created.id, "filename": checked.filename, "content_type": checked.content_type,
            "size_bytes": size, "sha256": sha256});
        emit_and_audit(&mut tx, actor, "quality_hold.attachment_added", &hold, extra).await?;
        tx.commit().await.map_err(internal)?;
        Ok(created.id)
    }

    /// An attachment of a hold the actor may see; another supplier's answers 404.
    pub async fn download(&self, actor: &Actor, hold_id: i64, attachment_id: i64) -> Result<AttachmentFile, AppError> {
        let mut sql = Sql::new(
            "SELECT a.filename, a.content_type, a.content FROM quality_attachment a
               JOIN quality_hold h ON h.id = a.quality_hold_id WHERE a.id = $1 AND h.id = $2",
        )
        .bind(attachment_id)
        .bind(hold_id);
        if let Some(own) = actor.supplier_scope() {
            sql.push(" AND h.supplier_id = ?", [Arg::from(own)]);
        }
        self.db.exec().fetch_optional(sql).await.map_err(internal)?.ok_or(AppError::NotFound)
    }

    async fn summaries(
        &self,
        actor: &Actor,
        condition: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<QualityHoldSummary>, AppError> {
        let mut sql = Sql::new(SUMMARY_SELECT);
        sql.push(" WHERE 1 = 1", []);
        if let Some(own) = actor.supplier_scope() {
            sql.push(" AND h.supplier_id = ?", [Arg::from(own)]);
        }
        sql.push(condition, args);
        // Open first, then answered, then closed; newest first within each.
        sql.push(
            " ORDER BY CASE h.status WHEN 'open' THEN 0 WHEN 'responded' THEN 1 ELSE 2 END, h.updated_at DESC, h.id DESC",
            [],
        );
        let rows: Vec<SummaryRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

#[async_trait::async_trait]
impl QualityPort for QualityService {
    async fn list(&self, actor: &Actor, query: QualityQuery) -> Result<Vec<QualityHoldSummary>, AppError> {
        let mut condition = String::new();
        let mut args = Vec::new();
        if let Some(status) = query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if !QUALITY_STATUSES.contains(&status) {
                return Err(AppError::invalid("status", format!("{status:?} is not a status of a quality hold.")));
            }
            condition.push_str(" AND h.status = ?");
            args.push(Arg::from(status));
        }
        // A supplier's own scope already applies; asking for another supplier does not widen it.
        if let (None, Some(supplier)) = (actor.supplier_scope(), query.supplier) {
            condition.push_str(" AND h.supplier_id = ?");
            args.push(Arg::from(supplier));
        }
        self.summaries(actor, &condition, args).await
    }

    async fn get(&self, actor: &Actor, id: i64) -> Result<QualityHoldView, AppError> {
        let summary =
            self.summaries(actor, " AND h.id = ?", vec![Arg::from(id)]).await?.pop().ok_or(AppError::NotFound)?;
        #[derive(sqlx::FromRow)]
        struct ResponseRow {
            id: i64,
            containment: String,
            root_cause: String,
            corrective_action: String,
            corrective_due: Option<NaiveDate>,
            preventive_action: String,
            preventive_due: Option<NaiveDate>,
            responded_by: String,
            created_at: DateTime<Utc>,
        }
        let responses: Vec<ResponseRow> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT r.id, r.containment, r.root_cause, r.corrective_action, r.corrective_due, r.preventive_action,
                            r.preventive_due, u.display_name AS responded_by, r.created_at
                       FROM quality_response r JOIN app_user u ON u.id = r.responded_by
                      WHERE r.quality_hold_id = $1 ORDER BY r.id",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        #[derive(sqlx::FromRow)]
        struct HistoryRow {
            action: String,
            comment: Option<String>,
            user_name: Option<String>,
            created_at: DateTime<Utc>,
        }
        let history: Vec<HistoryRow> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT hh.action, hh.comment, u.display_name AS user_name, hh.created_at
                       FROM quality_hold_history hh LEFT JOIN app_user u ON u.id = hh.user_id
                      WHERE hh.quality_hold_id = $1 ORDER BY hh.id",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        #[derive(sqlx::FromRow)]
        struct AttachmentRow {
            id: i64,
            filename: String,
            content_type: String,
            size_bytes: i64,
            uploaded_by: String,
            created_at: DateTime<Utc>,
        }
        let attachments: Vec<AttachmentRow> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT a.id, a.filename, a.content_type, a.size_bytes, u.display_name AS uploaded_by, a.created_at
                       FROM quality_attachment a JOIN app_user u ON u.id = a.uploaded_by
                      WHERE a.quality_hold_id = $1 ORDER BY a.id",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        let is_supplier = actor.supplier_scope().is_some();
        let closed = summary.status == "closed";
        Ok(QualityHoldView {
            can_respond: is_supplier && !closed,
            can_close: !is_supplier && !closed,
            can_reopen: !is_supplier && closed,
            can_attach: !closed,
            max_attachment_bytes: self.max_attachment_bytes,
            today: Utc::now().date_naive(),
            summary,
            responses: responses
                .into_iter()
                .map(|r| QualityResponseView {
                    id: r.id,
                    containment: r.containment,
                    root_cause: r.root_cause,
                    corrective_action: r.corrective_action,
                    corrective_due: r.corrective_due,
                    preventive_action: r.preventive_action,
                    preventive_due: r.preventive_due,
                    responded_by: r.responded_by,
                    created_at: r.created_at,
                })
                .collect(),
            history: history
                .into_iter()
                .map(|h| QualityHistoryView {
                    action: h.action,
                    comment: h.comment,
                    user_name: h.user_name,
                    created_at: h.created_at,
                })
                .collect(),
            attachments: attachments
                .into_iter()
                .map(|a| QualityAttachmentView {
                    id: a.id,
                    filename: a.filename,
                    content_type: a.content_type,
                    size_bytes: a.size_bytes,
                    uploaded_by: a.uploaded_by,
                    created_at: a.created_at,
                })
                .collect(),
        })
    }

    async fn raise_options(&self, actor: &Actor) -> Result<Vec<QualityRaiseOption>, AppError> {
        require_buyer(actor)?;
        #[derive(sqlx::FromRow)]
        struct Row {
            supplier_product_id: i64,
            supplier_name: String,
            product_code: Option<String>,
            product_name: String,
        }
        let rows: Vec<Row> = self
            .db
            .exec()
            .fetch_all(Sql::new(
                "SELECT sp.id AS supplier_product_id, s.name AS supplier_name, p.default_code AS product_code, p.name AS product_name
                   FROM supplier_product sp JOIN supplier s ON s.id = sp.supplier_id JOIN product p ON p.id = sp.product_id
                  ORDER BY s.name, p.default_code, p.name",
            ))
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|r| QualityRaiseOption {
                supplier_product_id: r.supplier_product_id,
                supplier_name: r.supplier_name,
                product_code: r.product_code,
                product_name: r.product_name,
            })
            .collect())
    }

    async fn raise(&self, actor: &Actor, input: RaiseHoldInput) -> Result<i64, AppError> {
        require_buyer(actor)?;
        let valid = validate::validate_raise(&input)?;
        #[derive(sqlx::FromRow)]
        struct Item {
            supplier_id: i64,
            product_id: i64,
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        let item: Item = tx
            .fetch_optional(
                Sql::new("SELECT supplier_id, product_id FROM supplier_product WHERE id = $1")
                    .bind(valid.supplier_product_id),
            )
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::invalid("supplier_product_id", "Choose one of the listed supplier products."))?;
        let now = Utc::now();
        let created: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO quality_hold (supplier_id, product_id, lot_name, quantity, reason, status, source, raised_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 'open', 'portal', $6, $7, $7) RETURNING id",
                )
                .bind(item.supplier_id)
                .bind(item.product_id)
                .bind(valid.lot_name.clone())
                .bind(valid.quantity)
                .bind(valid.reason.as_str())
                .bind(actor.user_id)
                .bind(now),
            )
            .await
            .map_err(internal)?;
        record_history(&mut tx, created.id, "raised", Some(&valid.reason), Some(actor.user_id))
            .await
            .map_err(internal)?;
        let hold = hold_facts(&mut tx, actor, created.id).await?;
        emit_and_audit(&mut tx, actor, "quality_hold.raised", &hold, json!({"reason": valid.reason})).await?;
        tx.commit().await.map_err(internal)?;
        Ok(created.id)
    }

    async fn respond(&self, actor: &Actor, input: RespondHoldInput) -> Result<(), AppError> {
        require_supplier(actor)?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let hold = hold_facts(&mut tx, actor, input.hold_id).await?;
        if hold.status == "closed" {
            return Err(AppError::invalid("hold", "This hold is closed: it can no longer be answered."));
        }
        let valid = validate::validate_response(&input, Utc::now().date_naive())?;
        let now = Utc::now();
        let created: Id = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO quality_response (quality_hold_id, containment, root_cause, corrective_action, preventive_action,
                       corrective_due, preventive_due, responded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(hold.id)
                .bind(valid.containment.as_str())
                .bind(valid.root_cause.as_str())
                .bind(valid.corrective_action.as_str())
                .bind(valid.preventive_action.as_str())
                .bind(valid.corrective_due)
                .bind(valid.preventive_due)
                .bind(actor.user_id)
                .bind(now),
            )
            .await
            .map_err(internal)?;
        let changed = tx
            .execute(
                Sql::new("UPDATE quality_hold SET status = 'responded', updated_at = $1 WHERE id = $2 AND status <> 'closed'")
                    .bind(now)
                    .bind(hold.id),
            )
            .await
            .map_err(internal)?;
        if changed == 0 {
            return Err(AppError::invalid("hold", "The buyer closed this hold a moment ago. Reload the page."));
        }
        record_history(&mut tx, hold.id, "responded", None, Some(actor.user_id)).await.map_err(internal)?;
        let extra = json!({"response_id": created.id, "root_cause": valid.root_cause,
            "corrective_due": valid.corrective_due, "preventive_due": valid.preventive_due});
        emit_and_audit(&mut tx, actor, "quality_hold.responded", &hold, extra).await?;
        tx.commit().await.map_err(internal)
    }

    async fn close(&self, actor: &Actor, input: HoldDecisionInput) -> Result<(), AppError> {
        require_buyer(actor)?;
        let comment = validate::validate_close_comment(input.comment.as_deref())?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let hold = hold_facts(&mut tx, actor, input.hold_id).await?;
        if hold.status == "closed" {
            return Err(AppError::invalid("comment", "This hold is already closed."));
        }
        let now = Utc::now();
        let changed = tx
            .execute(
                Sql::new(
                    "UPDATE quality_hold SET status = 'closed', closed_at = $1, closed_by = $2, updated_at = $1
                      WHERE id = $3 AND status <> 'closed'",
                )
                .bind(now)
                .bind(actor.user_id)
                .bind(hold.id),
            )
            .await
            .map_err(internal)?;
        if changed == 0 {
            return Err(AppError::invalid("comment", "Someone closed this hold a moment ago. Reload the page."));
        }
        record_history(&mut tx, hold.id, "closed", comment.as_deref(), Some(actor.user_id)).await.map_err(internal)?;
        emit_and_audit(
            &mut tx,
            actor,
            "quality_hold.closed",
            &hold,
            json!({"comment": comment, "previous_status": hold.status}),
        )
        .await?;
        tx.commit().await.map_err(internal)
    }

    async fn reopen(&self, actor: &Actor, input: HoldDecisionInput) -> Result<(), AppError> {
        require_buyer(actor)?;
        let reason = validate::validate_reopen_reason(input.comment.as_deref())?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let hold = hold_facts(&mut tx, actor, input.hold_id).await?;
        if hold.status != "closed" {
            return Err(AppError::invalid("comment", "Only a closed hold can be reopened."));
        }
        let now = Utc::now();
        let changed = tx
            .execute(
                Sql::new(
                    "UPDATE quality_hold SET status = 'open', closed_at = NULL, closed_by = NULL, updated_at = $1
                      WHERE id = $2 AND status = 'closed'",
                )
                .bind(now)
                .bind(hold.id),
            )
            .await
            .map_err(internal)?;
        if changed == 0 {
            return Err(AppError::invalid("comment", "Someone reopened this hold a moment ago. Reload the page."));
        }
        record_history(&mut tx, hold.id, "reopened", Some(&reason), Some(actor.user_id)).await.map_err(internal)?;
        emit_and_audit(&mut tx, actor, "quality_hold.reopened", &hold, json!({"reason": reason})).await?;
        tx.commit().await.map_err(internal)
    }
}
