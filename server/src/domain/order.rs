//! Purchase orders as suppliers and buyers read them. Every query is scoped by the actor:
//! a supplier sees only its own POs, and another supplier's PO is "not found".

use chrono::{DateTime, Duration, Utc};

use app::model::{
    AckState, FeedPage, Page, PoDetailView, PoFeedItem, PoFeedQuery, PoFilter, PoLineView, PoQuery, PoSort, PoState,
    PoSummaryView, PoView, PoViewCount, SupplierOption, PO_PAGE_SIZE,
};
use app::ports::{Actor, OrderPort};
use app::AppError;

use crate::db::{Arg, Db, Executor, Sql};
use crate::domain::{cursor, internal};

#[derive(Debug, sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    number: String,
    supplier_id: i64,
    supplier_name: String,
    state: String,
    ack_state: String,
    order_date: DateTime<Utc>,
    expected_date: Option<DateTime<Utc>>,
    currency: String,
    amount_total: f64,
    line_count: i64,
    received_at: DateTime<Utc>,
    ack_sla_hours: i64,
}

impl SummaryRow {
    fn into_view(self) -> Result<PoSummaryView, AppError> {
        let state = PoState::parse(&self.state)
            .ok_or_else(|| internal(format!("PO {} has unknown state {:?}", self.id, self.state)))?;
        let ack_state = AckState::parse(&self.ack_state)
            .ok_or_else(|| internal(format!("PO {} has unknown ack state {:?}", self.id, self.ack_state)))?;
        // The SLA clock runs from the PO reaching the portal, while an answer is awaited.
        let awaiting = state == PoState::Purchase && matches!(ack_state, AckState::Pending | AckState::Reconfirm);
        let ack_due_at = awaiting.then(|| self.received_at + Duration::hours(self.ack_sla_hours));
        Ok(PoSummaryView {
            ack_overdue: ack_due_at.is_some_and(|due| Utc::now() > due),
            ack_due_at,
            id: self.id,
            number: self.number,
            supplier_id: self.supplier_id,
            supplier_name: self.supplier_name,
            state,
            ack_state,
            order_date: self.order_date,
            expected_date: self.expected_date,
            currency: self.currency,
            amount_total: self.amount_total,
            line_count: self.line_count,
        })
    }
}

const SUMMARY_SELECT: &str =
    "SELECT po.id, po.updated_at, po.number, po.supplier_id, s.name AS supplier_name, po.state, po.ack_state,
       po.order_date, po.expected_date, po.currency, po.amount_total, po.received_at, s.ack_sla_hours,
       (SELECT COUNT(*) FROM purchase_order_line l WHERE l.purchase_order_id = po.id) AS line_count
  FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id";

/// `WHERE` clauses of the list: the actor's scope first, then the filters.
fn list_conditions(actor: &Actor, filter: &PoFilter) -> Sql {
    let mut sql = Sql::new(" WHERE 1 = 1");
    // A supplier's own scope wins over any supplier filter it sends.
    match (actor.supplier_scope(), filter.supplier_id) {
        (Some(own), _) => sql.push(" AND po.supplier_id = ?", [Arg::from(own)]),
        (None, Some(chosen)) => sql.push(" AND po.supplier_id = ?", [Arg::from(chosen)]),
        (None, None) => {}
    }
    if let Some(state) = filter.state {
        sql.push(" AND po.state = ?", [Arg::from(state.as_str())]);
    }
    if let Some(view) = filter.view {
        sql.push(&format!(" AND {}", view_condition(view)), []);
    }
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        // Matching products first (a small table), then the POs with lines on them: a semi-join
        // the planner answers from the line index instead of a probe per PO.
        sql.push(
            " AND (LOWER(po.number) LIKE ? ESCAPE '\\' OR po.id IN (
                 SELECT l.purchase_order_id FROM purchase_order_line l
                   JOIN purchase_order lpo ON lpo.id = l.purchase_order_id
                  WHERE l.product_id IN (SELECT p.id FROM product p
                                          WHERE LOWER(p.name) LIKE ? ESCAPE '\\'
                                             OR LOWER(COALESCE(p.default_code, '')) LIKE ? ESCAPE '\\')
                     OR (lpo.supplier_id, l.product_id) IN (SELECT sp.supplier_id, sp.product_id FROM supplier_product sp
                                                             WHERE LOWER(COALESCE(sp.supplier_code, '')) LIKE ? ESCAPE '\\')))",
            std::iter::repeat_n(Arg::from(pattern), 4),
        );
    }
    sql
}

/// The SQL condition of an inbox view (fixed text, no user input).
fn view_condition(view: PoView) -> &'static str {
    match view {
        PoView::NeedsAck => "(po.state = 'purchase' AND po.ack_state = 'pending')",
        PoView::ChangesProposed => "(po.ack_state = 'changes_proposed')",
        PoView::Reconfirm => "(po.state = 'purchase' AND po.ack_state = 'reconfirm')",
        PoView::Open => "(po.state = 'purchase')",
        PoView::Shipped => {
            "(EXISTS (SELECT 1 FROM asn_line al JOIN asn a ON a.id = al.asn_id
                        JOIN purchase_order_line sl ON sl.id = al.purchase_order_line_id
                       WHERE sl.purchase_order_id = po.id AND a.status IN ('submitted', 'received')))"
        }
        PoView::Closed => "(po.state IN ('done', 'cancel'))",
    }
}

/// `%`, `_` and `\` typed by a user match themselves.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whitelisted `ORDER BY`, with the id as a tie-breaker so pages never overlap.
fn order_by(sort: PoSort) -> &'static str {
    match sort {
        PoSort::OrderDateDesc => " ORDER BY po.order_date DESC, po.id DESC",
        PoSort::OrderDateAsc => " ORDER BY po.order_date ASC, po.id ASC",
        PoSort::ExpectedDateAsc => " ORDER BY po.expected_date IS NULL, po.expected_date ASC, po.id ASC",
        PoSort::ExpectedDateDesc => " ORDER BY po.expected_date IS NULL, po.expected_date DESC, po.id DESC",
        PoSort::NumberAsc => " ORDER BY po.number ASC, po.id ASC",
        PoSort::NumberDesc => " ORDER BY po.number DESC, po.id DESC",
        PoSort::TotalDesc => " ORDER BY po.amount_total DESC, po.id DESC",
        PoSort::TotalAsc => " ORDER BY po.amount_total ASC, po.id ASC",
    }
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    n: i64,
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    amount_untaxed: f64,
    buyer_name: Option<String>,
    notes: Option<String>,
    supplier_reference: Option<String>,
    revision: i64,
    received_at: DateTime<Utc>,
    ack_sla_hours: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    line_no: i64,
    product_code: Option<String>,
    product_name: String,
    supplier_product_code: Option<String>,
    description: String,
    tracking: String,
    quantity: f64,
    qty_received: f64,
    uom: String,
    price_unit: f64,
    subtotal: f64,
    requested_date: DateTime<Utc>,
    ack_state: String,
}

pub struct OrderService {
    pub db: Db,
}

impl OrderService {
    /// The PO's summary if the actor may see it; `NotFound` otherwise (missing and foreign alike).
    async fn summary(&self, actor: &Actor, id: i64) -> Result<PoSummaryView, AppError> {
        let mut sql = Sql::new(SUMMARY_SELECT);
        sql.push(" WHERE po.id = ?", [Arg::from(id)]);
        if let Some(own) = actor.supplier_scope() {
            sql.push(" AND po.supplier_id = ?", [Arg::from(own)]);
        }
        let row: Option<SummaryRow> = self.db.exec().fetch_optional(sql).await.map_err(internal)?;
        row.ok_or(AppError::NotFound)?.into_view()
    }
}

#[async_trait::async_trait]
impl OrderPort for OrderService {
    async fn list(&self, actor: &Actor, query: PoQuery) -> Result<Page<PoSummaryView>, AppError> {
        let filter = query.parse()?;
        let conditions = list_conditions(actor, &filter);

        let count = Sql {
            text: format!("SELECT COUNT(*) AS n FROM purchase_order po{}", conditions.text),
            args: conditions.args.clone(),
        };
        let total = self.db.exec().fetch_one::<CountRow>(count).await.map_err(internal)?.n;

        let mut sql = Sql {
            text: format!("{SUMMARY_SELECT}{}{}", conditions.text, order_by(filter.sort)),
            args: conditions.args,
        };
        let offset = i64::from(filter.page - 1) * i64::from(PO_PAGE_SIZE);
        sql.push(" LIMIT ? OFFSET ?", [Arg::from(i64::from(PO_PAGE_SIZE)), Arg::from(offset)]);
        let rows: Vec<SummaryRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let items = rows.into_iter().map(SummaryRow::into_view).collect::<Result<_, _>>()?;
        Ok(Page { items, page: filter.page, page_size: PO_PAGE_SIZE, total })
    }

    async fn get(&self, actor: &Actor, id: i64) -> Result<PoDetailView, AppError> {
        let summary = self.summary(actor, id).await?;
        let detail: DetailRow = self
            .db
            .exec()
            .fetch_one(
                Sql::new(
                    "SELECT po.amount_untaxed, po.buyer_name, po.notes, po.supplier_reference, po.revision, po.received_at,
                            s.ack_sla_hours
                       FROM purchase_order po JOIN supplier s ON s.id = po.supplier_id WHERE po.id = $1",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        let lines: Vec<LineRow> = self
            .db
            .exec()
            .fetch_all(
                Sql::new(
                    "SELECT l.id, l.line_no, p.default_code AS product_code, p.name AS product_name,
                            sp.supplier_code AS supplier_product_code, l.description, p.tracking, l.quantity,
                            l.qty_received, u.name AS uom, l.price_unit, l.subtotal, l.requested_date, l.ack_state
                       FROM purchase_order_line l
                       JOIN purchase_order po ON po.id = l.purchase_order_id
                       JOIN product p ON p.id = l.product_id
                       JOIN uom u ON u.id = l.uom_id
                       LEFT JOIN supplier_product sp ON sp.product_id = l.product_id AND sp.supplier_id = po.supplier_id
                      WHERE l.purchase_order_id = $1
                      ORDER BY l.line_no",
                )
                .bind(id),
            )
            .await
            .map_err(internal)?;
        let proposals = crate::domain::proposal::for_po(&self.db, id).await?;
        let revision_changes = revision_changes(&self.db, id, detail.revision).await?;
        let can_acknowledge = actor.supplier_scope() == Some(summary.supplier_id)
            && summary.state == PoState::Purchase
            && matches!(summary.ack_state, AckState::Pending | AckState::Reconfirm);
        let ack_due_at = detail.received_at + Duration::hours(detail.ack_sla_hours);
        Ok(PoDetailView {
            revision_changes,
            ack_overdue: summary.ack_overdue,
            proposals,
            can_acknowledge,
            summary,
            amount_untaxed: detail.amount_untaxed,
            buyer_name: detail.buyer_name,
            notes: detail.notes,
            supplier_reference: detail.supplier_reference,
            revision: detail.revision,
            received_at: detail.received_at,
            ack_due_at,
            lines: lines
                .into_iter()
                .map(|l| PoLineView {
                    id: l.id,
                    line_no: l.line_no,
                    product_code: l.product_code,
                    product_name: l.product_name,
                    supplier_product_code: l.supplier_product_code,
                    description: l.description,
                    tracking: l.tracking,
                    quantity: l.quantity,
                    qty_received: l.qty_received,
                    uom: l.uom,
                    price_unit: l.price_unit,
                    subtotal: l.subtotal,
                    requested_date: l.requested_date,
                    ack_state: l.ack_state,
                })
                .collect(),
        })
    }

    async fn view_counts(&self, actor: &Actor) -> Result<Vec<PoViewCount>, AppError> {
        // The state-based views in one pass over the actor's POs; "shipped" from the (small) ASN side,
        // rather than probing the ASN tables once per PO.
        let by_state = [PoView::NeedsAck, PoView::ChangesProposed, PoView::Reconfirm, PoView::Open, PoView::Closed];
        let sums: Vec<String> = by_state
            .iter()
            .map(|v| format!("COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS {}", view_condition(*v), v.as_str()))
            .collect();
        let mut sql = Sql::new(format!("SELECT {} FROM purchase_order po WHERE 1 = 1", sums.join(", ")));
        let mut shipped = Sql::new(
            "SELECT COUNT(DISTINCT l.purchase_order_id) AS n
               FROM asn_line al JOIN asn a ON a.id = al.asn_id
               JOIN purchase_order_line l ON l.id = al.purchase_order_line_id
              WHERE a.status IN ('submitted', 'received')",
        );
        if let Some(own) = actor.supplier_scope() {
            sql.push(" AND po.supplier_id = ?", [Arg::from(own)]);
            shipped.push(" AND a.supplier_id = ?", [Arg::from(own)]);
        }
        #[derive(sqlx::FromRow)]
        struct Counts {
            needs_ack: i64,
            changes_proposed: i64,
            reconfirm: i64,
            open: i64,
            closed: i64,
        }
        let c: Counts = self.db.exec().fetch_one(sql).await.map_err(internal)?;
        let shipped = self.db.exec().fetch_one::<CountRow>(shipped).await.map_err(internal)?.n;
        let count = |view: PoView| match view {
            PoView::NeedsAck => c.needs_ack,
            PoView::ChangesProposed => c.changes_proposed,
            PoView::Reconfirm => c.reconfirm,
            PoView::Open => c.open,
            PoView::Shipped => shipped,
            PoView::Closed => c.closed,
        };
        Ok(PoView::ALL.into_iter().map(|view| PoViewCount { view, count: count(view) }).collect())
    }

    async fn confirmation_monitor(&self, actor: &Actor) -> Result<Vec<app::model::SupplierConfirmation>, AppError> {
        crate::domain::monitor::confirmation_monitor(&self.db, actor).await
    }

    async fn feed(&self, actor: &Actor, query: PoFeedQuery) -> Result<FeedPage<PoFeedItem>, AppError> {
        let limit = cursor::limit(query.limit)?;
        let filter = PoQuery { state: query.state.clone(), ..PoQuery::default() }.parse()?;
        let conditions = list_conditions(actor, &filter);
        let mut sql = Sql { text: format!("{SUMMARY_SELECT}{}", conditions.text), args: conditions.args };
        if let Some(since) = query.updated_since {
            sql.push(" AND po.updated_at >= ?", [Arg::from(since)]);
        }
        if let Some(after) = query.cursor.as_deref() {
            let (at, id) = cursor::decode(after)?;
            let at = at.ok_or_else(|| AppError::invalid("cursor", "This cursor belongs to another feed."))?;
            sql.push(
                " AND (po.updated_at > ? OR (po.updated_at = ? AND po.id > ?))",
                [Arg::from(at), Arg::from(at), Arg::from(id)],
            );
        }
        sql.push(" ORDER BY po.updated_at ASC, po.id ASC LIMIT ?", [Arg::from(limit + 1)]);
        let mut rows: Vec<FeedRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = match rows.last() {
            Some(last) => Some(cursor::encode(Some(last.updated_at), last.summary.id)),
            // Nothing new: the same place again.
            None => query.cursor.clone(),
        };
        let items = rows
            .into_iter()
            .map(|r| Ok(PoFeedItem { updated_at: r.updated_at, summary: r.summary.into_view()? }))
            .collect::<Result<_, AppError>>()?;
        Ok(FeedPage { items, next_cursor, has_more })
    }

    async fn supplier_options(&self, actor: &Actor) -> Result<Vec<SupplierOption>, AppError> {
        if actor.supplier_scope().is_some() {
            return Ok(Vec::new());
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
        }
        let rows: Vec<Row> = self
            .db
            .exec()
            .fetch_all(Sql::new("SELECT id, name FROM supplier ORDER BY name"))
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|r| SupplierOption { id: r.id, name: r.name }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::Role;

    fn filter() -> PoFilter {
        PoQuery::default().parse().unwrap()
    }

    #[test]
    fn supplier_scope_overrides_a_supplier_filter() {
        let actor = Actor::new(1, Role::SupplierUser, Some(7)).unwrap();
        let sql = list_conditions(&actor, &PoFilter { supplier_id: Some(9), ..filter() });
        assert_eq!(sql.text, " WHERE 1 = 1 AND po.supplier_id = $1");
        assert!(matches!(sql.args[..], [Arg::Int(Some(7))]));
    }

    #[test]
    fn buyers_see_all_suppliers_unless_they_filter() {
        let buyer = Actor::new(2, Role::Buyer, None).unwrap();
        assert_eq!(list_conditions(&buyer, &filter()).text, " WHERE 1 = 1");
        let chosen = list_conditions(&buyer, &PoFilter { supplier_id: Some(9), ..filter() });
        assert!(matches!(chosen.args[..], [Arg::Int(Some(9))]));
    }

    #[test]
    fn like_wildcards_typed_by_users_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}

/// The changes Odoo made in the PO's current revision, from its snapshot (see `sync::import`).
async fn revision_changes(db: &Db, po_id: i64, revision: i64) -> Result<Vec<app::model::RevisionChangeView>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Snapshot {
        snapshot: String,
    }
    let row: Option<Snapshot> = db
        .exec()
        .fetch_optional(
            Sql::new("SELECT snapshot FROM purchase_order_revision WHERE purchase_order_id = $1 AND revision = $2 AND source = 'odoo'")
                .bind(po_id)
                .bind(revision),
        )
        .await
        .map_err(internal)?;
    Ok(row.map(|r| parse_revision_changes(&r.snapshot)).unwrap_or_default())
}

fn parse_revision_changes(snapshot: &str) -> Vec<app::model::RevisionChangeView> {
    let value: serde_json::Value = serde_json::from_str(snapshot).unwrap_or_default();
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => n.as_f64().map(app::format::quantity),
        other => Some(other.to_string()),
    };
    value["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| app::model::RevisionChangeView {
            line_no: c["line_no"].as_i64().unwrap_or_default(),
            field: c["field"].as_str().unwrap_or_default().to_string(),
            from: shown(&c["from"]),
            to: shown(&c["to"]),
        })
        .collect()
}

#[cfg(test)]
mod revision_tests {
    #[test]
    fn a_snapshot_reads_back_as_sentences() {
        let snapshot = r#"{"lines": [], "changes": [{"line_no": 1, "field": "quantity", "from": 10.0, "to": 12.0},
            {"line_no": 2, "field": "date", "from": "2026-12-10", "to": "2026-12-14"}, {"line_no": 3, "field": "added", "from": null, "to": 6.0}]}"#;
        let sentences: Vec<String> = super::parse_revision_changes(snapshot).iter().map(|c| c.sentence()).collect();
        assert_eq!(
            sentences,
            ["Line 1: quantity 10 → 12", "Line 2: date 2026-12-10 → 2026-12-14", "Line 3: added (6)"]
        );
        assert!(super::parse_revision_changes("not json").is_empty());
    }
}
