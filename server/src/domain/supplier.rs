//! Suppliers: the rows every supplier-side record hangs on. Buyers and admins list them; the CLI adds
//! one (`supplier add`) or imports Odoo's vendors (`supplier import`), both through one idempotent
//! upsert: a supplier is found first by its Odoo vendor (connection, `res.partner` id), then by code;
//! name, e-mail and the Odoo link follow the source; a supplier's code, once given, never changes.
//! Every create and update writes an audit entry; nothing is written when nothing changed.

use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use app::model::{SupplierAdminStatus, SupplierView};
use app::ports::{Actor, SupplierPort};
use app::AppError;

use crate::db::{is_unique_violation, Db, DbError, Executor, Sql, Tx};
use crate::domain::account::Email;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::{internal, require_buyer};
use crate::odoo::{OdooClient, OdooError};

pub const MIN_CODE_CHARS: usize = 2;
pub const MAX_CODE_CHARS: usize = 32;
/// A code made from a name is at most this long before its "-2" (…) suffix.
const MAX_STEM_CHARS: usize = 12;
pub const MAX_NAME_CHARS: usize = 200;
/// What a name without a single usable letter or digit becomes.
const FALLBACK_STEM: &str = "SUPPLIER";

/// A supplier's code: what people type after `--supplier`. Capital letters A–Z, digits and single
/// hyphens between them, 2 to 32 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierCode(String);

impl SupplierCode {
    /// The code as typed, trimmed; the error says what is wrong with it.
    pub fn parse(raw: &str) -> Result<SupplierCode, String> {
        let code = raw.trim();
        if code.is_empty() {
            return Err("the supplier code is empty: give one such as ACME".into());
        }
        if let Some(bad) = code.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!("supplier code {code:?} contains {bad:?}: use only the letters A-Z, digits and \"-\""));
        }
        if code.chars().any(|c| c.is_ascii_lowercase()) {
            return Err(format!(
                "supplier code {code:?} has lower-case letters: codes are written in capitals, e.g. {:?}",
                code.to_ascii_uppercase()
            ));
        }
        let chars = code.chars().count();
        if !(MIN_CODE_CHARS..=MAX_CODE_CHARS).contains(&chars) {
            return Err(format!(
                "supplier code {code:?} has {chars} character(s): use {MIN_CODE_CHARS} to {MAX_CODE_CHARS}"
            ));
        }
        if code.starts_with('-') || code.ends_with('-') || code.contains("--") {
            return Err(format!("supplier code {code:?}: a hyphen goes between two letters or digits"));
        }
        Ok(SupplierCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The stem of a code made from a supplier's name: its first word in capital ASCII letters and digits
/// (accents dropped), the next words added while it is shorter than two characters, cut at 12.
/// "ACME Components" → "ACME", "Müller Stahl" → "MULLER". Pure.
pub fn code_stem(name: &str) -> String {
    let folded: String = name
        .chars()
        .flat_map(|c| {
            // Letters NFKD does not take apart.
            let spelled = match c {
                'ß' => "ss",
                'æ' | 'Æ' => "ae",
                'œ' | 'Œ' => "oe",
                'ø' | 'Ø' => "o",
                'ł' | 'Ł' => "l",
                'đ' | 'Đ' => "d",
                'þ' | 'Þ' => "th",
                _ => "",
            };
            if spelled.is_empty() {
                c.to_string().nfkd().collect::<Vec<_>>()
            } else {
                spelled.chars().collect()
            }
        })
        // Accents (combining marks after NFKD) and letters without an ASCII spelling go; spaces stay.
        .filter_map(|c| if c.is_ascii() { Some(c) } else { c.is_whitespace().then_some(' ') })
        .collect();
    let mut stem = String::new();
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        stem.push_str(&word.to_ascii_uppercase());
        if stem.len() >= MIN_CODE_CHARS {
            break;
        }
    }
    stem.truncate(MAX_STEM_CHARS);
    if stem.len() < MIN_CODE_CHARS {
        FALLBACK_STEM.to_string()
    } else {
        stem
    }
}

/// The code a supplier is to have.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeRequest {
    /// `supplier add --code`: this code, or an error saying why not.
    Exact(SupplierCode),
    /// Odoo's `ref`: used (in capitals) when it is a valid code and free; otherwise a code is made
    /// from the name.
    Preferred(Option<String>),
}

/// A supplier as its source (the CLI, Odoo) describes it.
#[derive(Debug, Clone)]
pub struct SupplierInput {
    pub code: CodeRequest,
    pub name: String,
    /// `None`: leave the address as it is; `Some(None)`: the source has none.
    pub email: Option<Option<Email>>,
    /// The Odoo vendor: (connection id, `res.partner` id).
    pub odoo: Option<(i64, i64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupplierError {
    /// The input is wrong; the message says how.
    #[error("{0}")]
    Invalid(String),
    /// The input contradicts a supplier that exists (its code or its Odoo vendor).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an upsert did (or, in a transaction that is rolled back, would do).
#[derive(Debug, Clone, PartialEq)]
pub enum Upserted {
    Created {
        id: i64,
        code: String,
        /// Where the code came from when it is not Odoo's `ref`, e.g. "made from the name: no ref in Odoo".
        code_note: Option<String>,
    },
    Updated {
        id: i64,
        code: String,
        /// Each change in words: `name "Old" → "New"`.
        changes: Vec<String>,
    },
    Unchanged {
        id: i64,
        code: String,
    },
}

impl Upserted {
    pub fn code(&self) -> &str {
        match self {
            Upserted::Created { code, .. } | Upserted::Updated { code, .. } | Upserted::Unchanged { code, .. } => code,
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Existing {
    id: i64,
    code: String,
    name: String,
    email: Option<String>,
    odoo_connection_id: Option<i64>,
    odoo_partner_id: Option<i64>,
    odoo_connection: Option<String>,
}

impl Existing {
    fn link(&self) -> Option<(i64, i64)> {
        self.odoo_connection_id.zip(self.odoo_partner_id)
    }

    /// Linked to an Odoo vendor other than `odoo`: not the same supplier.
    fn linked_elsewhere(&self, odoo: Option<(i64, i64)>) -> bool {
        matches!((self.link(), odoo), (Some(have), Some(want)) if have != want)
    }

    fn describe_link(&self) -> String {
        match (self.odoo_partner_id, &self.odoo_connection) {
            (Some(p), Some(c)) => format!("Odoo partner {p} on {c}"),
            (Some(p), None) => format!("Odoo partner {p}"),
            _ => "no Odoo vendor".into(),
        }
    }
}

const EXISTING_SELECT: &str =
    "SELECT s.id, s.code, s.name, s.email, s.odoo_connection_id, s.odoo_partner_id, c.name AS odoo_connection
       FROM supplier s LEFT JOIN odoo_connection c ON c.id = s.odoo_connection_id";

async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<Existing>, DbError> {
    tx.fetch_optional(Sql::new(format!("{EXISTING_SELECT} WHERE s.code = $1")).bind(code)).await
}

async fn by_partner(tx: &mut Tx, (connection, partner): (i64, i64)) -> Result<Option<Existing>, DbError> {
    tx.fetch_optional(
        Sql::new(format!("{EXISTING_SELECT} WHERE s.odoo_connection_id = $1 AND s.odoo_partner_id = $2"))
            .bind(connection)
            .bind(partner),
    )
    .await
}

fn valid_name(raw: &str) -> Result<String, SupplierError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(SupplierError::Invalid("the supplier's name is empty".into()));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(SupplierError::Invalid(format!(
            "the supplier's name has {chars} characters: at most {MAX_NAME_CHARS}"
        )));
    }
    Ok(name.to_string())
}

fn shown(value: &Option<String>) -> String {
    value.as_ref().map(|v| format!("{v:?}")).unwrap_or_else(|| "none".into())
}

/// Creates or updates one supplier inside the caller's transaction, with its audit entry (`source`
/// says who asked: "cli", "odoo_import"). Checks everything before it writes, so an error leaves the
/// transaction as it was.
pub async fn upsert(tx: &mut Tx, input: SupplierInput, source: &str) -> Result<Upserted, SupplierError> {
    let name = valid_name(&input.name)?;
    let found = match input.odoo {
        Some(link) => by_partner(tx, link).await?,
        None => None,
    };
    let existing = match found {
        Some(row) => {
            if let CodeRequest::Exact(code) = &input.code {
                if code.as_str() != row.code {
                    return Err(SupplierError::Conflict(format!(
                        "{} is already supplier {}, and a supplier's code never changes: use --code {}",
                        row.describe_link(),
                        row.code,
                        row.code
                    )));
                }
            }
            Some(row)
        }
        None => match &input.code {
            CodeRequest::Exact(code) => match by_code(tx, code.as_str()).await? {
                Some(row) if row.linked_elsewhere(input.odoo) => {
                    return Err(SupplierError::Conflict(format!(
                        "supplier {} is linked to {}, not to this Odoo vendor",
                        row.code,
                        row.describe_link()
                    )))
                }
                row => row,
            },
            CodeRequest::Preferred(reference) => match reference.as_deref().map(ref_code) {
                // Another vendor's supplier holds the ref: this vendor gets a code of its own.
                Some(Ok(code)) => by_code(tx, code.as_str()).await?.filter(|row| !row.linked_elsewhere(input.odoo)),
                _ => None,
            },
        },
    };
    match existing {
        Some(row) => update(tx, row, name, input, source).await,
        None => create(tx, name, input, source).await,
    }
}

/// Odoo's `ref` as a code: trimmed and in capitals.
fn ref_code(reference: &str) -> Result<SupplierCode, String> {
    SupplierCode::parse(&reference.trim().to_ascii_uppercase())
}

async fn update(
    tx: &mut Tx,
    row: Existing,
    name: String,
    input: SupplierInput,
    source: &str,
) -> Result<Upserted, SupplierError> {
    let mut changes = Vec::new();
    if row.name != name {
        changes.push(format!("name {:?} → {name:?}", row.name));
    }
    let email = match input.email {
        Some(email) => email.map(|e| e.as_str().to_string()),
        None => row.email.clone(),
    };
    if email != row.email {
        changes.push(format!("e-mail {} → {}", shown(&row.email), shown(&email)));
    }
    let link = input.odoo.or(row.link());
    if link != row.link() {
        changes.push(format!("linked to Odoo partner {}", link.map(|(_, p)| p).unwrap_or_default()));
    }
    if changes.is_empty() {
        return Ok(Upserted::Unchanged { id: row.id, code: row.code });
    }
    tx.execute(
        Sql::new(
            "UPDATE supplier SET name = $1, email = $2, odoo_connection_id = $3, odoo_partner_id = $4, updated_at = $5
              WHERE id = $6",
        )
        .bind(name.as_str())
        .bind(email.clone())
        .bind(link.map(|(c, _)| c))
        .bind(link.map(|(_, p)| p))
        .bind(chrono::Utc::now())
        .bind(row.id),
    )
    .await?;
    let detail = json!({
        "code": row.code, "name": name, "email": email, "odoo_connection_id": link.map(|(c, _)| c),
        "odoo_partner_id": link.map(|(_, p)| p), "changes": changes, "source": source,
    });
    audit::record(tx, system_entry("supplier.updated", row.id, detail)).await?;
    Ok(Upserted::Updated { id: row.id, code: row.code, changes })
}

/// An audit entry of the operator's command line: no signed-in person (like `user add`).
fn system_entry(action: &str, supplier_id: i64, detail: Value) -> AuditEntry<'_> {
    AuditEntry {
        user_id: None,
        role: None,
        supplier_id: Some(supplier_id),
        action,
        entity: Some(("supplier", supplier_id)),
        detail,
        ip: None,
    }
}

async fn code_is_free(tx: &mut Tx, code: &str) -> Result<bool, DbError> {
    Ok(by_code(tx, code).await?.is_none())
}

/// The code of a new supplier, and why it is not Odoo's `ref` when it is not.
async fn new_code(tx: &mut Tx, name: &str, request: &CodeRequest) -> Result<(String, Option<String>), DbError> {
    let why_not_ref = match request {
        // Free: `upsert` found no supplier with it.
        CodeRequest::Exact(code) => return Ok((code.as_str().to_string(), None)),
        CodeRequest::Preferred(None) => "no ref in Odoo".to_string(),
        CodeRequest::Preferred(Some(reference)) => match ref_code(reference) {
            Ok(code) if code_is_free(tx, code.as_str()).await? => return Ok((code.as_str().to_string(), None)),
            Ok(code) => format!("ref {:?} is another Odoo vendor's supplier", code.as_str()),
            Err(why) => format!("ref {reference:?} is not a valid code: {why}"),
        },
    };
    let stem = code_stem(name);
    let mut n = 1;
    loop {
        let candidate = if n == 1 { stem.clone() } else { format!("{stem}-{n}") };
        if code_is_free(tx, &candidate).await? {
            return Ok((candidate, Some(format!("made from the name: {why_not_ref}"))));
        }
        n += 1;
    }
}

async fn create(tx: &mut Tx, name: String, input: SupplierInput, source: &str) -> Result<Upserted, SupplierError> {
    let (code, code_note) = new_code(tx, &name, &input.code).await?;
    let email = input.email.flatten().map(|e| e.as_str().to_string());
    let now = chrono::Utc::now();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let inserted = tx
        .fetch_one::<Id>(
            Sql::new(
                "INSERT INTO supplier (code, name, email, odoo_connection_id, odoo_partner_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(code.as_str())
            .bind(name.as_str())
            .bind(email.clone())
            .bind(input.odoo.map(|(c, _)| c))
            .bind(input.odoo.map(|(_, p)| p))
            .bind(now),
        )
        .await;
    let id = match inserted {
        Ok(row) => row.id,
        Err(e) if is_unique_violation(&e) => {
            return Err(SupplierError::Conflict(format!(
                "supplier {code} was created by someone else at the same time: run the command again"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let detail = json!({
        "code": code, "name": name, "email": email, "odoo_connection_id": input.odoo.map(|(c, _)| c),
        "odoo_partner_id": input.odoo.map(|(_, p)| p), "source": source,
    });
    audit::record(tx, system_entry("supplier.created", id, detail)).await?;
    Ok(Upserted::Created { id, code, code_note })
}

/// `supplyline supplier add`: what the operator typed, unchecked.
pub struct NewSupplier<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// (connection id, `res.partner` id)
    pub odoo: Option<(i64, i64)>,
}

/// Adds a supplier, or updates the one with this code or this Odoo vendor. Every field is checked
/// first, and every problem named at once.
pub async fn add(db: &Db, new: NewSupplier<'_>) -> Result<Upserted, SupplierError> {
    let mut problems = Vec::new();
    let code = SupplierCode::parse(new.code).map_err(|e| problems.push(e)).ok();
    if let Err(SupplierError::Invalid(e)) = valid_name(new.name) {
        problems.push(e);
    }
    let email = match new.email {
        Some(raw) => Email::parse(raw).map(Some).map_err(|e| problems.push(format!("--email: {e}"))).ok(),
        None => None,
    };
    if let Some((_, partner)) = new.odoo {
        if partner <= 0 {
            problems.push(format!("--partner-id {partner} is not an Odoo record id (ids start at 1)"));
        }
    }
    let Some(code) = code.filter(|_| problems.is_empty()) else {
        return Err(SupplierError::Invalid(problems.join("; ")));
    };
    let input = SupplierInput { code: CodeRequest::Exact(code), name: new.name.to_string(), email, odoo: new.odoo };
    let mut tx = db.begin().await?;
    let done = upsert(&mut tx, input, "cli").await?;
    tx.commit().await?;
    Ok(done)
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    code: String,
    name: String,
    email: Option<String>,
    odoo_connection: Option<String>,
    odoo_partner_id: Option<i64>,
    odoo_bound: bool,
    active_users: i64,
    active_admins: i64,
    invited_admins: i64,
}

/// Every supplier, by name: for the operator's CLI and, through [`SupplierService`], buyers and admins.
pub async fn list(db: &Db) -> Result<Vec<SupplierView>, DbError> {
    let rows: Vec<ListRow> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT s.id, s.code, s.name, s.email, c.name AS odoo_connection, s.odoo_partner_id,
                    EXISTS (SELECT 1 FROM odoo_credential k WHERE k.supplier_id = s.id AND k.purpose = 'supplier') AS odoo_bound,
                    (SELECT COUNT(*) FROM app_user u
                      WHERE u.supplier_id = s.id AND u.active = TRUE AND u.password_hash IS NOT NULL) AS active_users,
                    (SELECT COUNT(*) FROM app_user u
                      WHERE u.supplier_id = s.id AND u.role = 'supplier_admin' AND u.active = TRUE
                        AND u.password_hash IS NOT NULL) AS active_admins,
                    (SELECT COUNT(*) FROM app_user u
                      WHERE u.supplier_id = s.id AND u.role = 'supplier_admin' AND u.active = TRUE
                        AND u.password_hash IS NULL) AS invited_admins
               FROM supplier s LEFT JOIN odoo_connection c ON c.id = s.odoo_connection_id
              ORDER BY s.name, s.code",
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| SupplierView {
            admin: match (r.active_admins, r.invited_admins) {
                (0, 0) => SupplierAdminStatus::Missing,
                (0, _) => SupplierAdminStatus::Invited,
                _ => SupplierAdminStatus::Active,
            },
            id: r.id,
            code: r.code,
            name: r.name,
            email: r.email,
            odoo_connection: r.odoo_connection,
            odoo_partner_id: r.odoo_partner_id,
            odoo_bound: r.odoo_bound,
            active_users: r.active_users,
        })
        .collect())
}

pub struct SupplierService {
    pub db: Db,
}

#[async_trait::async_trait]
impl SupplierPort for SupplierService {
    async fn list(&self, actor: &Actor) -> Result<Vec<SupplierView>, AppError> {
        require_buyer(actor)?;
        list(&self.db).await.map_err(internal)
    }
}

// ---- Odoo's vendors ----

/// Odoo's vendors: companies with a supplier rank (set by `account`, which purchase depends on).
pub fn default_vendor_domain() -> Value {
    json!([["supplier_rank", ">", 0], ["is_company", "=", true]])
}

/// `--domain`: a JSON list of Odoo domain terms (`[field, operator, value]`) and the operators `&`, `|`,
/// `!` in Odoo's prefix notation. Checked here so that a mistake is named before anything is read.
pub fn parse_domain(raw: &str) -> Result<Value, String> {
    const EXAMPLE: &str = r#"e.g. '[["supplier_rank", ">", 0], ["country_id.code", "=", "DE"]]'"#;
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("--domain is not JSON ({e}); {EXAMPLE}"))?;
    let Value::Array(items) = &value else {
        return Err(format!("--domain must be a JSON list of terms; {EXAMPLE}"));
    };
    // Prefix notation read from the end: a term is one operand, `&`/`|` join two, `!` negates one.
    let mut operands = 0usize;
    for (i, item) in items.iter().enumerate().rev() {
        let needs = match item {
            Value::String(op) if op == "&" || op == "|" => 2,
            Value::String(op) if op == "!" => 1,
            Value::Array(term) if term.len() == 3 && term[0].is_string() && term[1].is_string() => 0,
            other => {
                return Err(format!(
                    "--domain item {} is {other}: a term is [\"field\", \"operator\", value], or one of \"&\", \"|\", \"!\"",
                    i + 1
                ))
            }
        };
        if operands < needs {
            return Err(format!("--domain item {} ({item}) needs {needs} term(s) after it", i + 1));
        }
        operands = operands - needs + 1;
    }
    Ok(value)
}

/// A vendor as Odoo has it (`res.partner`: id, name, ref, email); empty texts are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooVendor {
    pub partner_id: i64,
    pub name: Option<String>,
    pub reference: Option<String>,
    pub email: Option<String>,
}

/// Every `res.partner` matching `domain`, read `page_size` at a time in id order (an id cursor, so a
/// vendor created meanwhile neither shifts nor repeats a page).
pub async fn read_vendors(odoo: &OdooClient, domain: &Value, page_size: usize) -> Result<Vec<OdooVendor>, OdooError> {
    let terms = domain.as_array().cloned().unwrap_or_default();
    let page_size = page_size.max(1);
    let text = |record: &serde_json::Map<String, Value>, field: &str| {
        record.get(field).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let mut vendors = Vec::new();
    let mut after = 0i64;
    loop {
        let mut page_domain = terms.clone();
        page_domain.push(json!(["id", ">", after]));
        let page = odoo
            .search_read(
                "res.partner",
                Value::Array(page_domain),
                &["id", "name", "ref", "email"],
                Some("id asc"),
                Some(page_size),
            )
            .await?;
        let full = page.len() >= page_size;
        let mut last = after;
        for record in page {
            let Some(id) = record.get("id").and_then(Value::as_i64) else { continue };
            last = last.max(id);
            vendors.push(OdooVendor {
                partner_id: id,
                name: text(&record, "name"),
                reference: text(&record, "ref"),
                email: text(&record, "email"),
            });
        }
        // A short page is the last; a page that did not move the cursor would repeat forever.
        if !full || last <= after {
            return Ok(vendors);
        }
        after = last;
    }
}

/// What the import did with one vendor.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Done(Upserted),
    /// Not imported; the reason in words.
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportLine {
    pub vendor: OdooVendor,
    pub outcome: ImportOutcome,
    /// Something the operator should know, e.g. an e-mail address that was left out.
    pub notes: Vec<String>,
}

/// Creates or updates a supplier for each vendor of `connection_id`, in one transaction. A dry run
/// does exactly the same and then rolls back, so it answers what a real run would do.
pub async fn import(
    db: &Db,
    connection_id: i64,
    vendors: &[OdooVendor],
    dry_run: bool,
) -> Result<Vec<ImportLine>, SupplierError> {
    let mut tx = db.begin().await?;
    let mut lines = Vec::with_capacity(vendors.len());
    for vendor in vendors {
        let mut notes = Vec::new();
        // Odoo's address replaces the portal's; no address in Odoo leaves the portal's as it is.
        let email = match vendor.email.as_deref().map(Email::parse) {
            None => None,
            Some(Ok(email)) => Some(Some(email)),
            // Odoo holds something else there ("a@x.example, b@x.example"): keep what the portal has.
            Some(Err(_)) => {
                notes.push(format!(
                    "e-mail {:?} left as it was: not one address",
                    vendor.email.as_deref().unwrap_or("")
                ));
                None
            }
        };
        let outcome = match vendor.name.as_deref() {
            None => ImportOutcome::Skipped("it has no name in Odoo".into()),
            Some(name) => {
                let input = SupplierInput {
                    code: CodeRequest::Preferred(vendor.reference.clone()),
                    name: name.to_string(),
                    email,
                    odoo: Some((connection_id, vendor.partner_id)),
                };
                match upsert(&mut tx, input, "odoo_import").await {
                    Ok(done) => ImportOutcome::Done(done),
                    Err(SupplierError::Invalid(why)) => ImportOutcome::Skipped(why),
                    Err(e) => return Err(e),
                }
            }
        };
        lines.push(ImportLine { vendor: vendor.clone(), outcome, notes });
    }
    if !dry_run {
        tx.commit().await?;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_capitals_digits_and_inner_hyphens() {
        for ok in ["ACME", "NORDFAST", "3M", "V-00042", "ACME-2"] {
            assert_eq!(SupplierCode::parse(&format!(" {ok} ")).unwrap().as_str(), ok);
        }
        let err = |raw: &str| SupplierCode::parse(raw).unwrap_err();
        assert!(err("").contains("empty"));
        assert!(err("acme").contains("\"ACME\""), "{}", err("acme"));
        assert!(err("AC ME").contains("' '"), "{}", err("AC ME"));
        assert!(err("ACMÉ").contains("'É'"));
        assert!(err("A").contains("1 character(s)"));
        assert!(err(&"A".repeat(33)).contains("33 character(s)"));
        for hyphen in ["-ACME", "ACME-", "AC--ME"] {
            assert!(err(hyphen).contains("hyphen"), "{hyphen}");
        }
    }

    #[test]
    fn a_code_is_made_from_the_first_word_of_the_name() {
        assert_eq!(code_stem("ACME Components"), "ACME");
        assert_eq!(code_stem("Kessler Präzisionsguss GmbH"), "KESSLER");
        assert_eq!(code_stem("Müller Stahl"), "MULLER");
        assert_eq!(code_stem("Großmann & Søn"), "GROSSMANN");
        assert_eq!(code_stem("3M Deutschland"), "3M");
        assert_eq!(code_stem("A. B. Metals"), "AB");
        assert_eq!(code_stem("O'Neil Tools"), "ONEIL");
        assert_eq!(code_stem("Präzisionsgusswerke Süd"), "PRAZISIONSGU");
        assert_eq!(code_stem("株式会社"), "SUPPLIER");
        for name in ["ACME Components", "Müller Stahl", "株式会社", "A. B. Metals"] {
            let stem = code_stem(name);
            assert!(SupplierCode::parse(&format!("{stem}-12")).is_ok(), "{stem}");
        }
    }

    #[test]
    fn odoo_refs_become_codes_in_capitals() {
        assert_eq!(ref_code(" v-0042 ").unwrap().as_str(), "V-0042");
        assert!(ref_code("ACME Corp").is_err());
    }

    #[test]
    fn a_domain_is_a_list_of_whole_terms() {
        assert_eq!(parse_domain(r#"[["is_company", "=", true]]"#).unwrap(), json!([["is_company", "=", true]]));
        assert!(parse_domain(r#"["|", ["ref", "=", "A"], ["ref", "=", "B"]]"#).is_ok());
        assert!(parse_domain("[]").is_ok());
        assert!(parse_domain("supplier_rank > 0").unwrap_err().contains("not JSON"));
        assert!(parse_domain(r#"{"a": 1}"#).unwrap_err().contains("JSON list"));
        assert!(parse_domain(r#"[["ref", "="]]"#).unwrap_err().contains("item 1"));
        let dangling = parse_domain(r#"["|", ["ref", "=", "A"]]"#).unwrap_err();
        assert!(dangling.contains("item 1") && dangling.contains("needs 2"), "{dangling}");
    }
}
