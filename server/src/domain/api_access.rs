//! API credentials: personal tokens and OAuth clients (managed in the browser by supplier admins,
//! buyers and admins), the short-lived access tokens OAuth clients obtain, and the check every API
//! request passes. A credential acts for its owner, within its scopes, never beyond its supplier;
//! it stops working at once when revoked, expired, or when its owner is deactivated.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use app::error::FieldError;
use app::model::{
    CredentialKind, CredentialStatus, CredentialView, CredentialsView, IssuedCredential, NewCredentialInput, Role,
    Scope, MAX_ACCESS_TOKEN_SECONDS, MAX_CREDENTIAL_DAYS,
};
use app::ports::{Actor, ApiAccessPort};
use app::AppError;

use crate::auth::api_token;
use crate::db::{Arg, Db, DbError, Executor, Sql};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::internal;
use crate::secret::sha256_hex;

/// Who is calling the API: the actor the domain services see, plus what the credential allows.
#[derive(Debug, Clone)]
pub struct ApiPrincipal {
    pub actor: Actor,
    pub scopes: Vec<Scope>,
    pub credential_id: i64,
    /// Idempotency keys and rate limits belong to this credential: the token itself, or the OAuth
    /// client behind an access token (its successive access tokens share them).
    pub owner_credential_id: i64,
}

impl ApiPrincipal {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Why a bearer token was refused; each is a 401 with this text as the description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    #[error("The token is not a Supplyline API token (malformed or mistyped).")]
    Malformed,
    #[error("The token is not known.")]
    Unknown,
    #[error("The token has been revoked.")]
    Revoked,
    #[error("The token has expired.")]
    Expired,
    #[error("The token's owner is no longer active.")]
    OwnerInactive,
}

/// RFC 6749 §5.2 errors of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError { error, description: description.into() }
    }
}

pub struct AccessToken {
    pub token: String,
    pub expires_in: i64,
    pub scopes: Vec<Scope>,
}

/// How often a credential's "last used" is written: at most once a minute, or when the address changes.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

#[derive(sqlx::FromRow)]
struct CredentialRow {
    id: i64,
    kind: String,
    name: String,
    display_hint: String,
    client_id: Option<String>,
    scopes: String,
    owner_name: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    last_used_ip: Option<String>,
}

impl CredentialRow {
    fn into_view(self) -> Result<CredentialView, AppError> {
        Ok(CredentialView {
            status: CredentialStatus::at(self.revoked_at, self.expires_at, Utc::now()),
            kind: CredentialKind::parse(&self.kind)
                .ok_or_else(|| internal(format!("credential {} has kind {:?}", self.id, self.kind)))?,
            scopes: Scope::parse_list(&self.scopes).map_err(internal)?,
            id: self.id,
            name: self.name,
            hint: self.display_hint,
            client_id: self.client_id,
            owner_name: self.owner_name,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            last_used_at: self.last_used_at,
            last_used_ip: self.last_used_ip,
        })
    }
}

/// A credential as the authentication check reads it, with its owner's current standing.
#[derive(sqlx::FromRow)]
struct PresentedRow {
    id: i64,
    parent_id: Option<i64>,
    supplier_id: Option<i64>,
    scopes: String,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    parent_revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    last_used_ip: Option<String>,
    user_id: i64,
    role: String,
    user_supplier_id: Option<i64>,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: i64,
    name: String,
    user_id: i64,
    supplier_id: Option<i64>,
    secret_sha256: String,
    scopes: String,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

pub struct ApiAccessService {
    pub db: Db,
}

/// Supplier admins manage their supplier's credentials; admins every internal one; a buyer their own.
fn push_management_scope(actor: &Actor, sql: &mut Sql) -> Result<(), AppError> {
    sql.push(" AND c.kind IN ('token', 'oauth_client')", []);
    match actor.role {
        Role::SupplierAdmin => {
            let own = actor.supplier_scope().ok_or(AppError::Forbidden)?;
            sql.push(" AND c.supplier_id = ?", [Arg::from(own)]);
        }
        Role::Admin => sql.push(" AND c.supplier_id IS NULL", []),
        Role::Buyer => sql.push(" AND c.supplier_id IS NULL AND c.user_id = ?", [Arg::from(actor.user_id)]),
        Role::SupplierUser => return Err(AppError::Forbidden),
    }
    Ok(())
}

struct ValidCredential {
    kind: CredentialKind,
    name: String,
    scopes: Vec<Scope>,
    expires_at: DateTime<Utc>,
}

fn validate(actor: &Actor, input: &NewCredentialInput, now: DateTime<Utc>) -> Result<ValidCredential, AppError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let kind = CredentialKind::parse(input.kind.trim());
    if kind.is_none() {
        fail("kind", "Choose a token or an OAuth client.".into());
    }
    let name = input.name.trim().to_string();
    if name.is_empty() {
        fail("name", "Give it a name that says which system uses it.".into());
    } else if name.chars().count() > 100 {
        fail("name", "The name is too long: at most 100 characters.".into());
    }
    let grantable = Scope::grantable_by(actor.role);
    let mut scopes = Vec::new();
    for name in &input.scopes {
        match Scope::parse(name.trim()) {
            Some(scope) if grantable.contains(&scope) => {
                if !scopes.contains(&scope) {
                    scopes.push(scope)
                }
            }
            Some(scope) => fail("scopes", format!("Your role cannot grant {}.", scope.as_str())),
            None => fail("scopes", format!("Unknown scope {name:?}.")),
        }
    }
    scopes.sort();
    if scopes.is_empty() && input.scopes.is_empty() {
        fail("scopes", "Choose at least one scope: a credential without scopes can do nothing.".into());
    }
    let days = match input.expires_in_days.trim().parse::<i64>() {
        Ok(days) if (1..=MAX_CREDENTIAL_DAYS).contains(&days) => Some(days),
        _ => {
            fail("expires_in_days", format!("Enter the days until it expires: 1 to {MAX_CREDENTIAL_DAYS}."));
            None
        }
    };
    match (kind, days, errors.is_empty()) {
        (Some(kind), Some(days), true) => {
            Ok(ValidCredential { kind, name, scopes, expires_at: now + Duration::days(days) })
        }
        _ => Err(AppError::Fields(errors)),
    }
}

impl ApiAccessService {
    /// Checks a bearer token; on success notes when and from where it was used.
    pub async fn authenticate(&self, token: &str, ip: Option<&str>) -> Result<ApiPrincipal, AuthFailure> {
        if !api_token::is_well_formed(token) {
            return Err(AuthFailure::Rejected(TokenRejection::Malformed));
        }
        let row: Option<PresentedRow> = self
            .db
            .exec()
            .fetch_optional(
                Sql::new(
                    "SELECT c.id, c.parent_id, c.supplier_id, c.scopes, c.expires_at, c.revoked_at,
                            p.revoked_at AS parent_revoked_at, c.last_used_at, c.last_used_ip,
                            u.id AS user_id, u.role, u.supplier_id AS user_supplier_id, u.active
                       FROM api_credential c
                       JOIN app_user u ON u.id = c.user_id
                       LEFT JOIN api_credential p ON p.id = c.parent_id
                      WHERE c.secret_sha256 = $1 AND c.kind IN ('token', 'oauth_access')",
                )
                .bind(sha256_hex(token)),
            )
            .await?;
        let row = row.ok_or(AuthFailure::Rejected(TokenRejection::Unknown))?;
        let now = Utc::now();
        if row.revoked_at.is_some() || row.parent_revoked_at.is_some() {
            return Err(AuthFailure::Rejected(TokenRejection::Revoked));
        }
        if row.expires_at <= now {
            return Err(AuthFailure::Rejected(TokenRejection::Expired));
        }
        // The owner's current role; a credential never outlives a move to another supplier.
        let actor = Role::parse(&row.role)
            .filter(|_| row.active && row.user_supplier_id == row.supplier_id)
            .and_then(|role| Actor::new(row.user_id, role, row.supplier_id).ok())
            .ok_or(AuthFailure::Rejected(TokenRejection::OwnerInactive))?;
        let scopes = Scope::parse_list(&row.scopes).map_err(|e| AuthFailure::Internal(e.to_string()))?;
        let stale = row.last_used_at.is_none_or(|at| (now - at).num_seconds() >= LAST_USED_GRANULARITY_SECS);
        if stale || row.last_used_ip.as_deref() != ip {
            // One statement for the token and, behind an access token, the OAuth client the console shows.
            let note =
                Sql::new("UPDATE api_credential SET last_used_at = $1, last_used_ip = $2 WHERE id = $3 OR id = $4")
                    .bind(now)
                    .bind(ip)
                    .bind(row.id)
                    .bind(row.parent_id.unwrap_or(row.id));
            self.db.exec().execute(note).await?;
        }
        Ok(ApiPrincipal { actor, scopes, credential_id: row.id, owner_credential_id: row.parent_id.unwrap_or(row.id) })
    }

    /// The client-credentials grant: a registered client's secret for an access token of at most
    /// an hour, limited to the client's scopes (or fewer, if it asks for fewer).
    pub async fn issue_access_token(
        &self,
        client_id: &str,
        client_secret: &str,
        requested: Option<&str>,
    ) -> Result<AccessToken, OAuthError> {
        let server_error = |e: DbError| {
            tracing::error!(error = %e, "the token endpoint could not read the database");
            OAuthError::new("server_error", "The server could not issue a token; try again.")
        };
        let client: Option<ClientRow> = self
            .db
            .exec()
            .fetch_optional(
                Sql::new(
                    "SELECT c.id, c.name, c.user_id, c.supplier_id, c.secret_sha256, c.scopes, c.expires_at,
                            c.revoked_at, u.active
                       FROM api_credential c JOIN app_user u ON u.id = c.user_id
                      WHERE c.kind = 'oauth_client' AND c.client_id = $1",
                )
                .bind(client_id),
            )
            .await
            .map_err(server_error)?;
        let now = Utc::now();
        let invalid_client = || OAuthError::new("invalid_client", "Unknown client, or a wrong secret.");
        let client = client.ok_or_else(invalid_client)?;
        let presented = sha256_hex(client_secret);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), client.secret_sha256.as_bytes())) {
            return Err(invalid_client());
        }
        if client.revoked_at.is_some() || client.expires_at <= now || !client.active {
            return Err(OAuthError::new("invalid_client", "This client has been revoked or has expired."));
        }
        let allowed = Scope::parse_list(&client.scopes).map_err(|e| {
            tracing::error!(client = client.id, error = %e, "an OAuth client has unreadable scopes");
            OAuthError::new("server_error", "The client's scopes cannot be read.")
        })?;
        let scopes = match requested.map(str::trim).filter(|s| !s.is_empty()) {
            None => allowed.clone(),
            Some(text) => {
                let wanted = Scope::parse_list(text).map_err(|e| OAuthError::new("invalid_scope", e))?;
                if let Some(extra) = wanted.iter().find(|s| !allowed.contains(s)) {
                    return Err(OAuthError::new(
                        "invalid_scope",
                        format!("This client may not ask for {}.", extra.as_str()),
                    ));
                }
                wanted
            }
        };
        let expires_at = (now + Duration::seconds(MAX_ACCESS_TOKEN_SECONDS)).min(client.expires_at);
        let token = api_token::generate();
        self.db
            .exec()
            .execute(
                Sql::new(
                    "INSERT INTO api_credential (kind, name, user_id, supplier_id, parent_id, secret_sha256, display_hint,
                                                 scopes, expires_at, created_at)
                     VALUES ('oauth_access', $1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(client.name.as_str())
                .bind(client.user_id)
                .bind(client.supplier_id)
                .bind(client.id)
                .bind(sha256_hex(&token))
                .bind(api_token::hint(&token))
                .bind(Scope::join(&scopes))
                .bind(expires_at)
                .bind(now),
            )
            .await
            .map_err(server_error)?;
        Ok(AccessToken { token, expires_in: (expires_at - now).num_seconds().max(0), scopes })
    }

    /// Expired access tokens are of no use to anyone: deleted a day after they lapse.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<u64, DbError> {
        let cutoff = now - Duration::days(1);
        let used = Sql::new(
            "DELETE FROM idempotency_record WHERE credential_id IN
               (SELECT id FROM api_credential WHERE kind = 'oauth_access' AND expires_at < $1)",
        )
        .bind(cutoff);
        self.db.exec().execute(used).await?;
        self.db
            .exec()
            .execute(
                Sql::new("DELETE FROM api_credential WHERE kind = 'oauth_access' AND expires_at < $1").bind(cutoff),
            )
            .await
    }
}

/// A refused request (401) or a failure on our side (500).
#[derive(Debug)]
pub enum AuthFailure {
    Rejected(TokenRejection),
    Internal(String),
}

impl From<DbError> for AuthFailure {
    fn from(e: DbError) -> Self {
        AuthFailure::Internal(e.to_string())
    }
}

#[async_trait::async_trait]
impl ApiAccessPort for ApiAccessService {
    async fn list(&self, actor: &Actor) -> Result<CredentialsView, AppError> {
        let mut sql = Sql::new(
            "SELECT c.id, c.kind, c.name, c.display_hint, c.client_id, c.scopes, u.display_name AS owner_name,
                    c.created_at, c.expires_at, c.revoked_at, c.last_used_at, c.last_used_ip
               FROM api_credential c JOIN app_user u ON u.id = c.user_id
              WHERE 1 = 1",
        );
        push_management_scope(actor, &mut sql)?;
        sql.push(" ORDER BY c.revoked_at IS NOT NULL, c.created_at DESC, c.id DESC", []);
        let rows: Vec<CredentialRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        Ok(CredentialsView {
            credentials: rows.into_iter().map(CredentialRow::into_view).collect::<Result<_, _>>()?,
            grantable: Scope::grantable_by(actor.role),
        })
    }

    async fn create(&self, actor: &Actor, input: NewCredentialInput) -> Result<IssuedCredential, AppError> {
        push_management_scope(actor, &mut Sql::default())?;
        let now = Utc::now();
        let valid = validate(actor, &input, now)?;
        let secret = api_token::generate();
        let client_id = (valid.kind == CredentialKind::OauthClient).then(api_token::new_client_id);
        let hint = client_id.clone().unwrap_or_else(|| api_token::hint(&secret));
        let mut tx = self.db.begin().await.map_err(internal)?;
        let row: IdRow = tx
            .fetch_one(
                Sql::new(
                    "INSERT INTO api_credential (kind, name, user_id, supplier_id, client_id, secret_sha256, display_hint,
                                                 scopes, expires_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(valid.kind.as_str())
                .bind(valid.name.as_str())
                .bind(actor.user_id)
                .bind(actor.supplier_scope())
                .bind(client_id.clone())
                .bind(sha256_hex(&secret))
                .bind(hint)
                .bind(Scope::join(&valid.scopes))
                .bind(valid.expires_at)
                .bind(now),
            )
            .await
            .map_err(internal)?;
        audit::record(
            &mut tx,
            AuditEntry::acting(
                actor,
                "api_credential.created",
                Some(("api_credential", row.id)),
                actor.supplier_scope(),
                json!({ "kind": valid.kind.as_str(), "name": valid.name, "scopes": Scope::join(&valid.scopes),
                                "expires_at": valid.expires_at }),
            ),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(IssuedCredential {
            id: row.id,
            kind: valid.kind,
            name: valid.name,
            secret,
            client_id,
            expires_at: valid.expires_at,
        })
    }

    async fn revoke(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        let mut find = Sql::new("SELECT c.id FROM api_credential c WHERE c.id = $1").bind(id);
        push_management_scope(actor, &mut find)?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let found: Option<IdRow> = tx.fetch_optional(find).await.map_err(internal)?;
        found.ok_or(AppError::NotFound)?;
        let now = Utc::now();
        // The client's access tokens go with it.
        tx.execute(
            Sql::new(
                "UPDATE api_credential SET revoked_at = $1 WHERE (id = $2 OR parent_id = $2) AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id),
        )
        .await
        .map_err(internal)?;
        audit::record(
            &mut tx,
            AuditEntry::acting(
                actor,
                "api_credential.revoked",
                Some(("api_credential", id)),
                actor.supplier_scope(),
                json!({}),
            ),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }
}
