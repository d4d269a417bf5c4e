//! Secrets we must present elsewhere (Odoo API keys, webhook signing secrets): held in memory as
//! [`Secret`] (never printed), stored sealed with AES-256-GCM under a master key from configuration.
//! Each sealed value names the master key that sealed it, so keys can rotate: new values use the
//! active key, old ones open with theirs until re-sealed.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;

/// A secret string; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

/// 256 random bits as 64 hex characters: webhook URL secrets, one-time account links.
pub fn random_token() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// What we keep of a token we issued: its SHA-256, in hex.
pub fn sha256_hex(token: impl AsRef<[u8]>) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(token.as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("no master key is configured (set SUPPLYLINE_MASTER_KEYS to `id:base64-of-32-bytes`)")]
    NoMasterKey,
    #[error(
        "master key {0:?} is not configured; it sealed this secret, so it must stay until the secret is re-sealed"
    )]
    UnknownKey(String),
    #[error("master key {id:?} is not valid: {reason}")]
    InvalidKey { id: String, reason: String },
    #[error("the sealed secret does not open with master key {0:?}: wrong key, or the value was tampered with")]
    Tampered(String),
}

/// The master keys as configured (`SUPPLYLINE_MASTER_KEYS` or `master_keys` in the file); never printed.
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct MasterKeySpec(String);

impl MasterKeySpec {
    pub fn new(spec: impl Into<String>) -> MasterKeySpec {
        MasterKeySpec(spec.into())
    }

    pub fn keys(&self) -> Result<MasterKeys, SecretError> {
        MasterKeys::parse(&self.0)
    }
}

impl std::fmt::Debug for MasterKeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKeySpec([redacted])")
    }
}

/// A sealed secret as stored: ciphertext (with the GCM tag), its 96-bit nonce, and the master key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

/// The configured master keys; the first is the active one (it seals new secrets).
#[derive(Clone, Default)]
pub struct MasterKeys {
    keys: Vec<(String, Key<Aes256Gcm>)>,
}

impl std::fmt::Debug for MasterKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("MasterKeys").field("ids", &ids).finish()
    }
}

impl MasterKeys {
    /// Parses `id:base64,id:base64` (the first is active), e.g. `2026-11:q83v…,2026-05:7Hs0…`.
    pub fn parse(spec: &str) -> Result<MasterKeys, SecretError> {
        let mut keys = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, encoded) = entry.split_once(':').ok_or_else(|| SecretError::InvalidKey {
                id: entry.chars().take(8).collect(),
                reason: "expected `id:base64`".into(),
            })?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| SecretError::InvalidKey { id: id.into(), reason: format!("not base64: {e}") })?;
            if bytes.len() != 32 {
                return Err(SecretError::InvalidKey {
                    id: id.into(),
                    reason: format!("{} bytes, need 32", bytes.len()),
                });
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(SecretError::InvalidKey { id: id.into(), reason: "listed twice".into() });
            }
            keys.push((id.to_string(), *Key::<Aes256Gcm>::from_slice(&bytes)));
        }
        Ok(MasterKeys { keys })
    }

    /// A fresh random key (demo mode: nothing sealed outlives the process's database).
    pub fn generate(id: &str) -> MasterKeys {
        MasterKeys { keys: vec![(id.to_string(), Aes256Gcm::generate_key(aes_gcm::aead::OsRng))] }
    }

    /// A new key as `id:base64`, for an operator to put in the configuration.
    pub fn new_spec(id: &str) -> String {
        let key = Aes256Gcm::generate_key(aes_gcm::aead::OsRng);
        format!("{id}:{}", base64::engine::general_purpose::STANDARD.encode(key))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn active_id(&self) -> Option<&str> {
        self.keys.first().map(|(id, _)| id.as_str())
    }

    /// Seals `secret`, bound to `context` (e.g. `odoo_credential:7`) so a sealed value copied onto
    /// another row does not open there.
    pub fn seal(&self, secret: &Secret, context: &str) -> Result<Sealed, SecretError> {
        let (id, key) = self.keys.first().ok_or(SecretError::NoMasterKey)?;
        let nonce = Aes256Gcm::generate_nonce(aes_gcm::aead::OsRng);
        let ciphertext = Aes256Gcm::new(key)
            .encrypt(&nonce, Payload { msg: secret.expose().as_bytes(), aad: context.as_bytes() })
            .map_err(|_| SecretError::Tampered(id.clone()))?;
        Ok(Sealed { ciphertext, nonce: nonce.to_vec(), key_id: id.clone() })
    }

    pub fn open(&self, sealed: &Sealed, context: &str) -> Result<Secret, SecretError> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| *id == sealed.key_id)
            .ok_or_else(|| SecretError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.nonce.len() != 12 {
            return Err(SecretError::Tampered(sealed.key_id.clone()));
        }
        let plain = Aes256Gcm::new(key)
            .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: context.as_bytes() })
            .map_err(|_| SecretError::Tampered(sealed.key_id.clone()))?;
        String::from_utf8(plain).map(Secret).map_err(|_| SecretError::Tampered(sealed.key_id.clone()))
    }

    /// Whether `sealed` should be re-sealed under the active key.
    pub fn needs_rotation(&self, sealed: &Sealed) -> bool {
        self.active_id() != Some(sealed.key_id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let keys = MasterKeys::generate("k1");
        let secret = Secret::new("0123456789abcdef0123456789abcdef01234567");
        let sealed = keys.seal(&secret, "odoo_credential:1").unwrap();
        assert_ne!(sealed.ciphertext, secret.expose().as_bytes());
        assert_eq!(keys.open(&sealed, "odoo_credential:1").unwrap(), secret);
        assert_eq!(keys.open(&sealed, "odoo_credential:2"), Err(SecretError::Tampered("k1".into())));
        let other = MasterKeys::generate("k1");
        assert!(other.open(&sealed, "odoo_credential:1").is_err());
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert!(keys.open(&flipped, "odoo_credential:1").is_err());
    }

    #[test]
    fn rotation_keeps_old_secrets_readable_and_seals_new_ones_with_the_new_key() {
        let old_spec = MasterKeys::new_spec("2026-05");
        let new_spec = MasterKeys::new_spec("2026-11");
        let old = MasterKeys::parse(&old_spec).unwrap();
        let sealed = old.seal(&Secret::new("key"), "c").unwrap();
        let both = MasterKeys::parse(&format!("{new_spec},{old_spec}")).unwrap();
        assert_eq!(both.open(&sealed, "c").unwrap().expose(), "key");
        assert!(both.needs_rotation(&sealed));
        let resealed = both.seal(&Secret::new("key"), "c").unwrap();
        assert_eq!(resealed.key_id, "2026-11");
        assert!(!both.needs_rotation(&resealed));
        let only_new = MasterKeys::parse(&new_spec).unwrap();
        assert_eq!(only_new.open(&sealed, "c"), Err(SecretError::UnknownKey("2026-05".into())));
    }

    #[test]
    fn bad_master_key_specs_are_refused_with_the_reason() {
        assert!(matches!(MasterKeys::parse("k1"), Err(SecretError::InvalidKey { .. })));
        assert!(matches!(MasterKeys::parse("k1:!!!"), Err(SecretError::InvalidKey { .. })));
        assert!(
            matches!(MasterKeys::parse("k1:AAAA"), Err(SecretError::InvalidKey { reason, .. }) if reason.contains("need 32"))
        );
        assert_eq!(MasterKeys::parse("").unwrap().seal(&Secret::new("x"), "c"), Err(SecretError::NoMasterKey));
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let keys = MasterKeys::generate("k1");
        assert_eq!(format!("{keys:?}"), "MasterKeys { ids: [\"k1\"] }");
    }
}
