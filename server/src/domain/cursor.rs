//! Opaque cursors of the changes feeds: where the last page ended, as URL-safe base64 so partners
//! treat it as a token rather than something to build themselves.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};

use app::model::{FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT};
use app::AppError;

/// After the item that changed at `at` with this `id` (ties broken by id).
pub fn encode(at: Option<DateTime<Utc>>, id: i64) -> String {
    let at = at.map(|t| t.to_rfc3339_opts(SecondsFormat::Nanos, true)).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
}

pub fn decode(cursor: &str) -> Result<(Option<DateTime<Utc>>, i64), AppError> {
    let bad = || AppError::invalid("cursor", "This cursor is not one we issued; start again without a cursor.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    let at = match at {
        "" => None,
        at => Some(DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc)),
    };
    Ok((at, id))
}

/// The page size asked for, within bounds.
pub fn limit(asked: Option<u32>) -> Result<i64, AppError> {
    match asked {
        None => Ok(i64::from(FEED_DEFAULT_LIMIT)),
        Some(n) if (1..=FEED_MAX_LIMIT).contains(&n) => Ok(i64::from(n)),
        Some(_) => Err(AppError::invalid("limit", format!("The limit must be 1 to {FEED_MAX_LIMIT}."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_to_the_nanosecond() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T12:34:56.123456789Z").unwrap().with_timezone(&Utc);
        assert_eq!(decode(&encode(Some(at), 42)).unwrap(), (Some(at), 42));
        assert_eq!(decode(&encode(None, 7)).unwrap(), (None, 7));
    }

    #[test]
    fn made_up_cursors_are_refused_with_the_field_named() {
        for bad in ["", "!!!", &URL_SAFE_NO_PAD.encode("x|y"), &URL_SAFE_NO_PAD.encode("nonsense")] {
            assert!(decode(bad).unwrap_err().field_message("cursor").is_some(), "{bad}");
        }
    }
}
