//! The secrets we issue for the API: `spl_`, 30 random base62 characters, then a 6-character base62
//! CRC32 of those. The prefix lets secret scanners recognise a leaked token; the checksum lets us
//! turn away a mistyped or made-up one without reading the database. Only the SHA-256 is stored.

use rand::Rng;

pub const PREFIX: &str = "spl_";
/// OAuth client ids are public: a different prefix so nobody mistakes one for a secret.
pub const CLIENT_ID_PREFIX: &str = "splc_";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_base62(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char).collect()
}

fn checksum(random: &str) -> String {
    let mut n = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(random.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

/// A new secret: about 178 random bits.
pub fn generate() -> String {
    let random = random_base62(RANDOM_LEN);
    format!("{PREFIX}{random}{}", checksum(&random))
}

/// Prefix, length, alphabet and checksum all right.
pub fn is_well_formed(token: &str) -> bool {
    let Some(body) = token.strip_prefix(PREFIX) else { return false };
    if body.len() != RANDOM_LEN + CHECKSUM_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, sum) = body.split_at(RANDOM_LEN);
    checksum(random) == sum
}

/// What the console shows of a token: enough to recognise it, too little to use it.
pub fn hint(token: &str) -> String {
    let body = token.strip_prefix(PREFIX).unwrap_or(token);
    let head: String = body.chars().take(4).collect();
    let tail: String = body.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{PREFIX}{head}…{tail}")
}

pub fn new_client_id() -> String {
    format!("{CLIENT_ID_PREFIX}{}", random_base62(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_distinct() {
        let a = generate();
        let b = generate();
        assert!(a.starts_with("spl_") && a.len() == 4 + 36, "{a}");
        assert!(is_well_formed(&a) && is_well_formed(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let token = generate();
        let mut bytes = token.clone().into_bytes();
        bytes[10] = if bytes[10] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(bytes).unwrap();
        assert!(!is_well_formed(&typo), "{typo}");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["", "spl_", "ghp_abc", "spl_short", &format!("spl_{}", "!".repeat(36)), &format!("{}x", generate())]
        {
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_hint_hides_the_middle() {
        let token = generate();
        let hint = hint(&token);
        assert!(hint.starts_with(&token[..8]) && hint.ends_with(&token[token.len() - 4..]), "{hint}");
        assert!(hint.chars().count() < 15);
    }

    #[test]
    fn checksum_is_a_fixed_function_of_the_random_part() {
        // CRC-32 of "abc" is 0x352441C2 = 891568578 → base62, six digits.
        assert_eq!(checksum("abc"), "0yKviM");
    }
}
