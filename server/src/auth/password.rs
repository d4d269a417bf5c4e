//! Password hashing: argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), always on a
//! blocking thread so a sign-in never stalls the async runtime.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters long")]
    TooShort,
    #[error("the password must be at most {MAX_PASSWORD_CHARS} characters long")]
    TooLong,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the hashing thread failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A password that meets the policy. Its `Debug` never shows it.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(raw: String) -> Result<NewPassword, PasswordError> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        Ok(NewPassword(raw))
    }

    /// A random password for `user add` when none is given: 20 characters, ~119 bits.
    pub fn generate() -> NewPassword {
        use rand::Rng;
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut rng = rand::thread_rng();
        NewPassword((0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// At most this many argon2 computations (19 MiB each) at once: a flood of sign-ins queues
/// instead of exhausting memory with hundreds of blocking threads.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        tokio::sync::Semaphore::new(cores * 2)
    })
}

/// Runs one argon2 computation on a blocking thread once a slot is free.
async fn with_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
    let _slot = hashing_slots().acquire().await.expect("the hashing semaphore is never closed");
    Ok(tokio::task::spawn_blocking(work).await?)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: &NewPassword) -> Result<String, PasswordError> {
    let password = password.0.clone();
    with_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// A hash of a random password, computed once: verified against when the account does not exist,
/// so an unknown e-mail costs as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(b"no account has this password", &salt).expect("dummy hash").to_string()
    })
}

/// Computes the dummy hash in the background ahead of the first sign-in, so that one is not
/// slower than the rest.
pub fn warm_up() {
    drop(tokio::task::spawn_blocking(|| dummy_hash().len()));
}

/// Checks `candidate` against `stored` (or against the dummy hash when there is no account).
/// A malformed stored hash counts as a mismatch and is logged.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, PasswordError> {
    with_slot(move || {
        let (hash, real) = match &stored {
            Some(h) => (h.as_str(), true),
            None => (dummy_hash(), false),
        };
        let parsed = match PasswordHash::new(hash) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "stored password hash is malformed");
                return Ok(false);
            }
        };
        // Parameters come from the stored hash, so older hashes still verify after a policy change.
        let ok = Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok();
        Ok(ok && real)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let pw = NewPassword::parse("correct horse battery".into()).unwrap();
        let h = hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("correct horse batterY".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_account_never_verifies_yet_costs_a_real_verification() {
        assert!(!verify("no account has this password".into(), None).await.unwrap());
        // The dummy hash has the real parameters, so checking against it costs what a real check costs.
        assert!(dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", dummy_hash());
    }

    #[tokio::test]
    async fn malformed_stored_hash_is_a_mismatch() {
        assert!(!verify("x".into(), Some("not-a-phc-string".into())).await.unwrap());
    }

    #[test]
    fn policy_refuses_short_and_huge_passwords() {
        assert!(matches!(NewPassword::parse("short".into()), Err(PasswordError::TooShort)));
        assert!(matches!(NewPassword::parse("x".repeat(257)), Err(PasswordError::TooLong)));
        assert_eq!(NewPassword::generate().expose().len(), 20);
        assert_eq!(format!("{:?}", NewPassword::generate()), "NewPassword(***)");
    }
}
