//! Odoo connections and the credentials bound to them: a supplier's own bot key (its reads and writes
//! go out under it, never anyone else's) and one read-only planning key per connection (what belongs
//! to no single supplier: manufacturing orders). Keys are sealed at rest (see `crate::secret`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::db::{Db, DbError, Executor, Sql};
use crate::odoo::{Endpoint, ErrorKind, OdooClient, OdooError};
use crate::secret::{MasterKeys, Sealed, Secret, SecretError};

#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    #[error("supplier {0} is not bound to an Odoo connection (supplyline odoo bind)")]
    Unbound(i64),
    #[error("connection {0} has no planning credential (supplyline odoo bind --planning)")]
    NoPlanningCredential(i64),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Odoo(#[from] OdooError),
}

impl BindingError {
    /// Whether trying again later could help (Odoo unreachable), as opposed to needing a person.
    pub fn is_retryable(&self) -> bool {
        match self {
            BindingError::Odoo(e) => e.is_retryable(),
            BindingError::Db(_) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: i64,
    pub name: String,
    pub base_url: String,
    pub database: String,
    pub odoo_version: Option<String>,
}

impl ConnectionRow {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint { base_url: self.base_url.clone(), database: self.database.clone() }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CredentialRow {
    connection_id: i64,
    odoo_login: String,
    key_ciphertext: Vec<u8>,
    key_nonce: Vec<u8>,
    master_key_id: String,
}

/// The AAD a credential is sealed with: a sealed key copied to another supplier's row does not open.
fn credential_context(supplier_id: Option<i64>, connection_id: i64) -> String {
    match supplier_id {
        Some(id) => format!("odoo_credential:supplier:{id}"),
        None => format!("odoo_credential:planning:{connection_id}"),
    }
}

pub fn webhook_secret_hash(secret: &str) -> String {
    crate::secret::sha256_hex(secret)
}

/// Creates a connection and returns its id and webhook URL secret (shown once, stored as SHA-256).
pub async fn create_connection(db: &Db, name: &str, base_url: &str, database: &str) -> Result<(i64, String), DbError> {
    let secret = crate::secret::random_token();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let row: Id = db
        .exec()
        .fetch_one(
            Sql::new(
                "INSERT INTO odoo_connection (name, base_url, database, webhook_secret_sha256, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(base_url.trim_end_matches('/'))
            .bind(database)
            .bind(webhook_secret_hash(&secret))
            .bind(Utc::now()),
        )
        .await?;
    Ok((row.id, secret))
}

/// Gives the connection a new webhook secret (the old URL stops working at once); returns it.
pub async fn rotate_webhook_secret(db: &Db, connection_id: i64) -> Result<String, DbError> {
    let secret = crate::secret::random_token();
    set_webhook_secret(db, connection_id, &secret).await?;
    Ok(secret)
}

/// Makes `secret` the connection's webhook secret (stored as its hash only).
pub async fn set_webhook_secret(db: &Db, connection_id: i64, secret: &str) -> Result<(), DbError> {
    db.exec()
        .execute(
            Sql::new("UPDATE odoo_connection SET webhook_secret_sha256 = $1 WHERE id = $2")
                .bind(webhook_secret_hash(secret))
                .bind(connection_id),
        )
        .await
        .map(drop)
}

/// The hash of the connection's webhook secret (empty when it has none).
pub async fn webhook_secret_hash_of(db: &Db, connection_id: i64) -> Result<String, DbError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        webhook_secret_sha256: Option<String>,
    }
    let row: Row = db
        .exec()
        .fetch_one(Sql::new("SELECT webhook_secret_sha256 FROM odoo_connection WHERE id = $1").bind(connection_id))
        .await?;
    Ok(row.webhook_secret_sha256.unwrap_or_default())
}

pub async fn connection_by_name(db: &Db, name: &str) -> Result<Option<ConnectionRow>, DbError> {
    db.exec()
        .fetch_optional(
            Sql::new("SELECT id, name, base_url, database, odoo_version FROM odoo_connection WHERE name = $1")
                .bind(name),
        )
        .await
}

pub async fn connection(db: &Db, id: i64) -> Result<Option<ConnectionRow>, DbError> {
    db.exec()
        .fetch_optional(
            Sql::new("SELECT id, name, base_url, database, odoo_version FROM odoo_connection WHERE id = $1").bind(id),
        )
        .await
}

pub async fn connections(db: &Db) -> Result<Vec<ConnectionRow>, DbError> {
    db.exec()
        .fetch_all(Sql::new("SELECT id, name, base_url, database, odoo_version FROM odoo_connection ORDER BY id"))
        .await
}

/// The connection whose webhook secret this is. The lookup is by SHA-256, so timing reveals nothing
/// about the secret; the hashes are compared again in constant time all the same.
pub async fn connection_by_webhook_secret(db: &Db, secret: &str) -> Result<Option<ConnectionRow>, DbError> {
    use subtle::ConstantTimeEq;
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        webhook_secret_sha256: Option<String>,
    }
    let hash = webhook_secret_hash(secret);
    let found: Option<Row> = db
        .exec()
        .fetch_optional(
            Sql::new("SELECT id, webhook_secret_sha256 FROM odoo_connection WHERE webhook_secret_sha256 = $1")
                .bind(hash.as_str()),
        )
        .await?;
    match found {
        Some(row)
            if row
                .webhook_secret_sha256
                .as_deref()
                .is_some_and(|h| bool::from(h.as_bytes().ct_eq(hash.as_bytes()))) =>
        {
            connection(db, row.id).await
        }
        _ => Ok(None),
    }
}

pub async fn record_version(db: &Db, connection_id: i64, version: &str, protocol: &str) -> Result<(), DbError> {
    db.exec()
        .execute(
            Sql::new("UPDATE odoo_connection SET odoo_version = $1, protocol = $2, checked_at = $3 WHERE id = $4")
                .bind(version)
                .bind(protocol)
                .bind(Utc::now())
                .bind(connection_id),
        )
        .await
        .map(drop)
}

/// Binds a supplier (or, with `supplier_id = None`, the connection's planning user) to an Odoo login
/// and API key, replacing any earlier key. `odoo_partner_id` is the vendor in Odoo.
#[allow(clippy::too_many_arguments)]
pub async fn bind(
    db: &Db,
    keys: &MasterKeys,
    connection_id: i64,
    supplier_id: Option<i64>,
    odoo_partner_id: Option<i64>,
    login: &str,
    key: &Secret,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), BindingError> {
    let sealed = keys.seal(key, &credential_context(supplier_id, connection_id))?;
    let mut tx = db.begin().await?;
    let purpose = if supplier_id.is_some() { "supplier" } else { "planning" };
    let mut delete = Sql::new("DELETE FROM odoo_credential WHERE purpose = $1").bind(purpose);
    match supplier_id {
        Some(id) => delete.push(" AND supplier_id = ?", [id.into()]),
        None => delete.push(" AND odoo_connection_id = ?", [connection_id.into()]),
    }
    tx.execute(delete).await?;
    tx.execute(
        Sql::new(
            "INSERT INTO odoo_credential (supplier_id, purpose, odoo_connection_id, odoo_login, key_ciphertext, key_nonce, master_key_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(supplier_id)
        .bind(purpose)
        .bind(connection_id)
        .bind(login)
        .bind(sealed.ciphertext)
        .bind(sealed.nonce)
        .bind(sealed.key_id)
        .bind(expires_at)
        .bind(Utc::now()),
    )
    .await?;
    if let Some(id) = supplier_id {
        tx.execute(
            Sql::new("UPDATE supplier SET odoo_connection_id = $1, odoo_partner_id = COALESCE($2, odoo_partner_id) WHERE id = $3")
                .bind(connection_id)
                .bind(odoo_partner_id)
                .bind(id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Re-seals every credential that is not under the active master key; returns how many.
pub async fn rotate_master_key(db: &Db, keys: &MasterKeys) -> Result<usize, BindingError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        supplier_id: Option<i64>,
        odoo_connection_id: i64,
        key_ciphertext: Vec<u8>,
        key_nonce: Vec<u8>,
        master_key_id: String,
    }
    let rows: Vec<Row> = db
        .exec()
        .fetch_all(Sql::new(
            "SELECT id, supplier_id, odoo_connection_id, key_ciphertext, key_nonce, master_key_id FROM odoo_credential",
        ))
        .await?;
    let mut rotated = 0;
    for row in rows {
        let sealed = Sealed { ciphertext: row.key_ciphertext, nonce: row.key_nonce, key_id: row.master_key_id };
        if !keys.needs_rotation(&sealed) {
            continue;
        }
        let context = credential_context(row.supplier_id, row.odoo_connection_id);
        let resealed = keys.seal(&keys.open(&sealed, &context)?, &context)?;
        db.exec()
            .execute(
                Sql::new(
                    "UPDATE odoo_credential SET key_ciphertext = $1, key_nonce = $2, master_key_id = $3 WHERE id = $4",
                )
                .bind(resealed.ciphertext)
                .bind(resealed.nonce)
                .bind(resealed.key_id)
                .bind(row.id),
            )
            .await?;
        rotated += 1;
    }
    Ok(rotated)
}

/// One credential, opened: where to connect and as whom.
pub struct Binding {
    pub connection: ConnectionRow,
    pub login: String,
    pub key: Secret,
}

async fn load_binding(
    db: &Db,
    keys: &MasterKeys,
    supplier_id: Option<i64>,
    connection_id: Option<i64>,
) -> Result<Option<Binding>, BindingError> {
    let mut sql = Sql::new(
        "SELECT odoo_connection_id AS connection_id, odoo_login, key_ciphertext, key_nonce, master_key_id FROM odoo_credential WHERE ",
    );
    match (supplier_id, connection_id) {
        (Some(id), _) => sql.push("purpose = 'supplier' AND supplier_id = ?", [id.into()]),
        (None, Some(id)) => sql.push("purpose = 'planning' AND odoo_connection_id = ?", [id.into()]),
        (None, None) => return Ok(None),
    }
    let Some(row): Option<CredentialRow> = db.exec().fetch_optional(sql).await? else {
        return Ok(None);
    };
    let connection = connection(db, row.connection_id).await?.ok_or(BindingError::Unbound(supplier_id.unwrap_or(0)))?;
    let sealed = Sealed { ciphertext: row.key_ciphertext, nonce: row.key_nonce, key_id: row.master_key_id };
    let key = keys.open(&sealed, &credential_context(supplier_id, row.connection_id))?;
    Ok(Some(Binding { connection, login: row.odoo_login, key }))
}

pub async fn supplier_binding(db: &Db, keys: &MasterKeys, supplier_id: i64) -> Result<Binding, BindingError> {
    load_binding(db, keys, Some(supplier_id), None).await?.ok_or(BindingError::Unbound(supplier_id))
}

pub async fn planning_binding(db: &Db, keys: &MasterKeys, connection_id: i64) -> Result<Binding, BindingError> {
    load_binding(db, keys, None, Some(connection_id)).await?.ok_or(BindingError::NoPlanningCredential(connection_id))
}

/// Connected clients, one per supplier key (and per planning key), reused across calls. A client
/// whose key Odoo refuses is dropped, so a rotated key is picked up on the next call.
#[derive(Clone)]
pub struct Clients {
    db: Db,
    keys: MasterKeys,
    http: reqwest::Client,
    force_jsonrpc: bool,
    cache: Arc<Mutex<HashMap<ClientKey, Arc<OdooClient>>>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum ClientKey {
    Supplier(i64),
    Planning(i64),
}

impl Clients {
    pub fn new(db: Db, keys: MasterKeys, http: reqwest::Client, force_jsonrpc: bool) -> Clients {
        Clients { db, keys, http, force_jsonrpc, cache: Arc::default() }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub async fn for_supplier(&self, supplier_id: i64) -> Result<Arc<OdooClient>, BindingError> {
        self.get(ClientKey::Supplier(supplier_id)).await
    }

    pub async fn for_planning(&self, connection_id: i64) -> Result<Arc<OdooClient>, BindingError> {
        self.get(ClientKey::Planning(connection_id)).await
    }

    /// Forgets a client after Odoo refused its key (AccessDenied): the next call re-reads the binding.
    pub async fn forget_if_refused(&self, supplier_id: i64, error: &OdooError) {
        if error.kind == ErrorKind::AccessDenied {
            self.cache.lock().await.remove(&ClientKey::Supplier(supplier_id));
        }
    }

    async fn get(&self, which: ClientKey) -> Result<Arc<OdooClient>, BindingError> {
        // Held while connecting, so concurrent pushes of one supplier share one connection set-up.
        let mut cache = self.cache.lock().await;
        if let Some(client) = cache.get(&which) {
            return Ok(client.clone());
        }
        let binding = match which {
            ClientKey::Supplier(id) => supplier_binding(&self.db, &self.keys, id).await?,
            ClientKey::Planning(id) => planning_binding(&self.db, &self.keys, id).await?,
        };
        let client = OdooClient::connect(
            self.http.clone(),
            &binding.connection.endpoint(),
            &binding.login,
            binding.key,
            self.force_jsonrpc,
        )
        .await?;
        let version = client.version().to_string();
        if binding.connection.odoo_version.as_deref() != Some(version.as_str()) {
            record_version(&self.db, binding.connection.id, &version, client.protocol().as_str()).await?;
        }
        let client = Arc::new(client);
        cache.insert(which, client.clone());
        Ok(client)
    }
}
