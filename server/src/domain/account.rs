//! Accounts: e-mail addresses, users, sign-in checks, and the session view of the shell.

use app::model::{Role, SessionView};
use app::ports::{AccountPort, Actor};
use app::AppError;

use crate::auth::password::{self, NewPassword, PasswordError};
use crate::db::{is_unique_violation, Db, DbError, Executor, Sql, Tx};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::internal;

/// A syntactically plausible e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an e-mail address.".into());
        }
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{email:?} is not a valid e-mail address."));
        }
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@') =>
            {
                Ok(Email(email))
            }
            _ => Err(format!("{email:?} is not a valid e-mail address.")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub supplier_id: Option<i64>,
    pub active: bool,
}

impl UserRow {
    /// The actor this user acts as; `None` for inactive users or inconsistent rows.
    pub fn actor(&self) -> Option<Actor> {
        if !self.active {
            return None;
        }
        let role = Role::parse(&self.role)?;
        Actor::new(self.id, role, self.supplier_id).ok()
    }
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, role, supplier_id, active";

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<UserRow>, DbError> {
    db.exec()
        .fetch_optional(Sql::new(format!("SELECT {USER_COLUMNS} FROM app_user WHERE email = $1")).bind(email.as_str()))
        .await
}

pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, DbError> {
    db.exec().fetch_optional(Sql::new(format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1")).bind(id)).await
}

/// The active user with this e-mail and password, or `None`. Costs the same hash verification
/// whether or not the account exists, so timing does not tell which.
pub async fn authenticate(db: &Db, email: &Email, password_attempt: String) -> Result<Option<UserRow>, AccountError> {
    let user = find_by_email(db, email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = password::verify(password_attempt, stored).await?;
    Ok(user.filter(|u| matches && u.active))
}

/// Records a sign-in and audits it with how it was made (`password`, `sso`).
pub async fn record_login(db: &Db, user: &UserRow, ip: Option<&str>, method: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    tx.execute(Sql::new("UPDATE app_user SET last_login_at = $1 WHERE id = $2").bind(chrono::Utc::now()).bind(user.id))
        .await?;
    let entry =
        AuditEntry { detail: serde_json::json!({ "method": method }), ..own_account_entry(user, "session.login", ip) };
    audit::record(&mut tx, entry).await?;
    tx.commit().await
}

/// What a person did to their own account (signed in, asked for or used a password link), from `ip`.
pub fn own_account_entry<'a>(user: &'a UserRow, action: &'a str, ip: Option<&'a str>) -> AuditEntry<'a> {
    AuditEntry {
        user_id: Some(user.id),
        role: Some(&user.role),
        supplier_id: user.supplier_id,
        action,
        entity: Some(("app_user", user.id)),
        detail: serde_json::json!({}),
        ip,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    InvalidEmail(String),
    #[error("{0}")]
    InvalidPassword(#[from] PasswordError),
    #[error("unknown role {0:?}: use supplier_user, supplier_admin, buyer or admin")]
    UnknownRole(String),
    #[error("role {0} needs --supplier <code>")]
    SupplierRequired(&'static str),
    #[error("role {0} cannot belong to a supplier; leave out --supplier")]
    SupplierNotAllowed(&'static str),
    #[error("no supplier has the code {0:?}")]
    UnknownSupplier(String),
    #[error("a user with the e-mail {0} already exists")]
    EmailTaken(String),
    #[error("display name must not be empty")]
    EmptyName,
    #[error(transparent)]
    Db(#[from] DbError),
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub role: &'a str,
    pub supplier_code: Option<&'a str>,
}

/// Creates a user; every field is checked first, so nothing is written on an error.
pub async fn add_user(db: &Db, new: NewUser<'_>, password: &NewPassword) -> Result<i64, AccountError> {
    let email = Email::parse(new.email).map_err(AccountError::InvalidEmail)?;
    let role = Role::parse(new.role).ok_or_else(|| AccountError::UnknownRole(new.role.to_string()))?;
    let display_name = match new.display_name.map(str::trim) {
        Some("") => return Err(AccountError::EmptyName),
        Some(name) => name.to_string(),
        None => email.as_str().split('@').next().unwrap_or_default().to_string(),
    };
    let supplier_id = match (role.is_supplier_side(), new.supplier_code) {
        (true, None) => return Err(AccountError::SupplierRequired(role.as_str())),
        (false, Some(_)) => return Err(AccountError::SupplierNotAllowed(role.as_str())),
        (false, None) => None,
        (true, Some(code)) => {
            #[derive(sqlx::FromRow)]
            struct IdRow {
                id: i64,
            }
            let row: Option<IdRow> =
                db.exec().fetch_optional(Sql::new("SELECT id FROM supplier WHERE code = $1").bind(code)).await?;
            Some(row.ok_or_else(|| AccountError::UnknownSupplier(code.to_string()))?.id)
        }
    };
    let hash = password::hash(password).await?;
    insert_user(db, &email, &display_name, role, supplier_id, &hash).await
}

pub async fn insert_user(
    db: &Db,
    email: &Email,
    display_name: &str,
    role: Role,
    supplier_id: Option<i64>,
    password_hash: &str,
) -> Result<i64, AccountError> {
    let mut tx = db.begin().await?;
    let id = insert_user_in(&mut tx, email, display_name, role, supplier_id, password_hash).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts a user and its audit entry inside the caller's transaction.
pub async fn insert_user_in(
    tx: &mut Tx,
    email: &Email,
    display_name: &str,
    role: Role,
    supplier_id: Option<i64>,
    password_hash: &str,
) -> Result<i64, AccountError> {
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: i64,
    }
    let now = chrono::Utc::now();
    let inserted: Result<IdRow, DbError> = tx
        .fetch_one(
            Sql::new(
                "INSERT INTO app_user (email, display_name, password_hash, role, supplier_id, active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) RETURNING id",
            )
            .bind(email.as_str())
            .bind(display_name)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(supplier_id)
            .bind(now),
        )
        .await;
    let id = match inserted {
        Ok(row) => row.id,
        Err(e) if is_unique_violation(&e) => return Err(AccountError::EmailTaken(email.as_str().to_string())),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        tx,
        AuditEntry {
            user_id: None,
            role: None,
            supplier_id,
            action: "user.created",
            entity: Some(("app_user", id)),
            detail: serde_json::json!({ "email": email.as_str(), "role": role.as_str() }),
            ip: None,
        },
    )
    .await?;
    Ok(id)
}

pub struct AccountService {
    pub db: Db,
}

#[async_trait::async_trait]
impl AccountPort for AccountService {
    async fn session_view(&self, actor: &Actor) -> Result<SessionView, AppError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            display_name: String,
            email: String,
            supplier_name: Option<String>,
        }
        let row: Row = self
            .db
            .exec()
            .fetch_optional(
                Sql::new(
                    "SELECT u.display_name, u.email, s.name AS supplier_name
                     FROM app_user u LEFT JOIN supplier s ON s.id = u.supplier_id WHERE u.id = $1",
                )
                .bind(actor.user_id),
            )
            .await
            .map_err(internal)?
            .ok_or(AppError::Unauthenticated)?;
        Ok(SessionView {
            display_name: row.display_name,
            email: row.email,
            role: actor.role,
            supplier_name: row.supplier_name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ana@Example.COM ").unwrap().as_str(), "ana@example.com");
    }

    #[test]
    fn implausible_emails_are_refused_with_a_reason() {
        for bad in ["", "ana", "ana@", "@example.com", "ana@example", "a b@example.com", "ana@.com", "a@b@c.com"] {
            let err = Email::parse(bad).unwrap_err();
            assert!(err.contains("e-mail"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn inactive_users_act_as_nobody() {
        let mut u = UserRow {
            id: 1,
            email: "a@b.co".into(),
            display_name: "A".into(),
            password_hash: None,
            role: "supplier_user".into(),
            supplier_id: Some(4),
            active: true,
        };
        assert_eq!(u.actor().unwrap().supplier_scope(), Some(4));
        u.active = false;
        assert!(u.actor().is_none());
        u.active = true;
        u.supplier_id = None;
        assert!(u.actor().is_none(), "a supplier role without a supplier is refused");
    }
}
