//! Credentials: passwords and API keys (`res.users.apikeys`, §5).

use chrono::Utc;
use rand::RngCore;

use crate::store::Store;
use crate::OdooVersion;

/// `binascii.hexlify(os.urandom(20))`: 40 lowercase hex chars.
pub fn new_key() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    fn user_active(&self, uid: i64) -> bool {
        self.exists("res.users", uid) && self.bool_of("res.users", uid, "active")
    }

    /// The uid an API key belongs to; expired keys count only before 18.0 (17 has no expiry).
    pub fn uid_for_key(&self, key: &str) -> Option<i64> {
        let now = Utc::now();
        self.api_keys
            .iter()
            .find(|k| {
                k.key == key
                    && (self.version == OdooVersion::V17 || k.expires_at.is_none_or(|e| e >= now))
                    && self.user_active(k.uid)
            })
            .map(|k| k.uid)
    }

    /// Password or API key of `uid` (RPC accepts either, §2.1).
    pub fn check_secret(&self, uid: i64, secret: &str) -> bool {
        if !self.user_active(uid) || secret.is_empty() {
            return false;
        }
        let password_ok = self.auth.get(&uid).and_then(|a| a.password.as_deref()) == Some(secret);
        password_ok || self.uid_for_key(secret) == Some(uid)
    }

    /// `common.login` / `common.authenticate`.
    pub fn login(&self, login: &str, secret: &str) -> Option<i64> {
        let uid =
            self.find("res.users", |r| r.get("login").and_then(|l| l.as_str()) == Some(login)).first().copied()?;
        self.check_secret(uid, secret).then_some(uid)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_40_lowercase_hex() {
        let k = super::new_key();
        assert_eq!(k.len(), 40);
        assert!(k.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
