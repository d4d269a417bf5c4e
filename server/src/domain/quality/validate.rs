//! The rules of what a quality-hold form may say, as pure functions: tested without a database.

use chrono::{Duration, NaiveDate};

use app::error::FieldError;
use app::model::{RaiseHoldInput, RespondHoldInput};
use app::AppError;

/// Each part of an 8D answer.
pub const MAX_8D_CHARS: usize = 4000;
/// A hold's reason, a close comment, a reopen reason.
pub const MAX_REASON_CHARS: usize = 1000;
pub const MAX_LOT_CHARS: usize = 64;
/// Due dates further out than this are a typing mistake more often than a plan.
pub const MAX_DUE_DAYS: i64 = 730;

#[derive(Debug, Clone, PartialEq)]
pub struct Valid8D {
    pub containment: String,
    pub root_cause: String,
    pub corrective_action: String,
    pub corrective_due: NaiveDate,
    pub preventive_action: String,
    pub preventive_due: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidRaise {
    pub supplier_product_id: i64,
    pub lot_name: Option<String>,
    pub quantity: Option<f64>,
    pub reason: String,
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// The trimmed text, required and at most `max` characters.
    fn required(&mut self, field: &str, raw: &str, what: &str, max: usize) -> String {
        let text = raw.trim().to_string();
        if text.is_empty() {
            self.add(field, format!("Describe the {what}."));
        } else if text.chars().count() > max {
            self.add(field, format!("Keep the {what} under {max} characters."));
        }
        text
    }

    fn due(&mut self, field: &str, raw: &str, today: NaiveDate) -> Option<NaiveDate> {
        let raw = raw.trim();
        if raw.is_empty() {
            self.add(field, "Give the date this action will be done by.");
            return None;
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Err(_) => {
                self.add(field, format!("{raw:?} is not a date (YYYY-MM-DD)."));
                None
            }
            Ok(d) if d < today => {
                self.add(field, format!("{d} is in the past."));
                None
            }
            Ok(d) if d > today + Duration::days(MAX_DUE_DAYS) => {
                self.add(field, format!("{d} is more than two years away."));
                None
            }
            Ok(d) => Some(d),
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, AppError> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(AppError::Fields(self.0)),
        }
    }
}

/// An 8D answer: containment, root cause, corrective and preventive actions, each with its due
/// date. Dates are not in the past; preventive action (stopping it from happening again) is not due
/// before the corrective action (fixing this occurrence).
pub fn validate_response(input: &RespondHoldInput, today: NaiveDate) -> Result<Valid8D, AppError> {
    let mut e = Errors(Vec::new());
    let containment = e.required(
        "containment",
        &input.containment,
        "containment (what you did to stop bad parts moving)",
        MAX_8D_CHARS,
    );
    let root_cause = e.required("root_cause", &input.root_cause, "root cause", MAX_8D_CHARS);
    let corrective_action =
        e.required("corrective_action", &input.corrective_action, "corrective action", MAX_8D_CHARS);
    let corrective_due = e.due("corrective_due", &input.corrective_due, today);
    let preventive_action =
        e.required("preventive_action", &input.preventive_action, "preventive action", MAX_8D_CHARS);
    let preventive_due = e.due("preventive_due", &input.preventive_due, today);
    if let (Some(c), Some(p)) = (corrective_due, preventive_due) {
        if p < c {
            e.add("preventive_due", format!("The preventive action cannot be due before the corrective action ({c})."));
        }
    }
    let valid = corrective_due.zip(preventive_due).map(|(corrective_due, preventive_due)| Valid8D {
        containment,
        root_cause,
        corrective_action,
        corrective_due,
        preventive_action,
        preventive_due,
    });
    e.finish(valid)
}

/// A hold a buyer raises: one of a supplier's products, lot and quantity optional, a reason.
pub fn validate_raise(input: &RaiseHoldInput) -> Result<ValidRaise, AppError> {
    let mut e = Errors(Vec::new());
    let supplier_product_id = match input.supplier_product_id.trim().parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            e.add("supplier_product_id", "Choose the supplier and product the hold is about.");
            None
        }
    };
    let lot_name = input.lot_name.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
    if lot_name.as_ref().is_some_and(|l| l.chars().count() > MAX_LOT_CHARS) {
        e.add("lot_name", format!("A lot number has at most {MAX_LOT_CHARS} characters."));
    }
    let quantity = match input.quantity.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        None => None,
        Some(raw) => match raw.replace(',', ".").parse::<f64>() {
            Ok(q) if q.is_finite() && q > 0.0 => Some(q),
            Ok(_) => {
                e.add("quantity", "The quantity held is more than zero (or leave it blank).");
                None
            }
            Err(_) => {
                e.add("quantity", format!("{raw:?} is not a number."));
                None
            }
        },
    };
    let reason = input.reason.as_deref().unwrap_or_default().trim().to_string();
    if reason.is_empty() {
        e.add("reason", "Say what is wrong with the material, so the supplier can act.");
    } else if reason.chars().count() > MAX_REASON_CHARS {
        e.add("reason", format!("Keep the reason under {MAX_REASON_CHARS} characters."));
    }
    e.finish(supplier_product_id.map(|supplier_product_id| ValidRaise {
        supplier_product_id,
        lot_name,
        quantity,
        reason,
    }))
}

/// A close comment: optional, limited in length.
pub fn validate_close_comment(comment: Option<&str>) -> Result<Option<String>, AppError> {
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_REASON_CHARS) {
        return Err(AppError::invalid("comment", format!("Keep the comment under {MAX_REASON_CHARS} characters.")));
    }
    Ok(comment)
}

/// A reopen reason: required (the supplier must learn why the hold is back), limited in length.
pub fn validate_reopen_reason(reason: Option<&str>) -> Result<String, AppError> {
    match validate_close_comment(reason)? {
        Some(r) => Ok(r),
        None => Err(AppError::invalid("comment", "Say why the hold is reopened, so the supplier knows what to do.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn answer() -> RespondHoldInput {
        RespondHoldInput {
            hold_id: 1,
            containment: "Sorted 400 pcs at our site; 12 blocked".into(),
            root_cause: " Worn thread-rolling die ".into(),
            corrective_action: "Die replaced".into(),
            corrective_due: "2026-12-05".into(),
            preventive_action: "Die life monitored by counter".into(),
            preventive_due: "2027-01-15".into(),
        }
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Fields(e) => e.into_iter().map(|f| f.field).collect(),
            AppError::Invalid { field, .. } => vec![field],
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_complete_8d_answer_is_accepted_trimmed() {
        let v = validate_response(&answer(), today()).unwrap();
        assert_eq!(v.root_cause, "Worn thread-rolling die");
        assert_eq!(v.corrective_due, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        assert_eq!(v.preventive_due, NaiveDate::from_ymd_opt(2027, 1, 15).unwrap());
        // Due today is allowed.
        let mut same_day = answer();
        same_day.corrective_due = "2026-12-01".into();
        same_day.preventive_due = "2026-12-01".into();
        assert!(validate_response(&same_day, today()).is_ok());
    }

    #[test]
    fn every_part_of_the_8d_is_required() {
        let empty = RespondHoldInput { hold_id: 1, ..Default::default() };
        assert_eq!(
            fields(validate_response(&empty, today()).unwrap_err()),
            ["containment", "root_cause", "corrective_action", "corrective_due", "preventive_action", "preventive_due"]
        );
    }

    #[test]
    fn due_dates_are_real_not_past_not_far_and_in_order() {
        let mut past = answer();
        past.corrective_due = "2026-11-30".into();
        assert_eq!(fields(validate_response(&past, today()).unwrap_err()), ["corrective_due"]);
        let mut garbled = answer();
        garbled.preventive_due = "next week".into();
        assert_eq!(fields(validate_response(&garbled, today()).unwrap_err()), ["preventive_due"]);
        let mut far = answer();
        far.preventive_due = "2029-01-01".into();
        assert_eq!(fields(validate_response(&far, today()).unwrap_err()), ["preventive_due"]);
        let mut backwards = answer();
        backwards.preventive_due = "2026-12-02".into();
        let err = validate_response(&backwards, today()).unwrap_err();
        assert!(err.field_message("preventive_due").unwrap().contains("before the corrective action"));
    }

    #[test]
    fn long_texts_are_refused_with_the_limit() {
        let mut long = answer();
        long.containment = "x".repeat(MAX_8D_CHARS + 1);
        let err = validate_response(&long, today()).unwrap_err();
        assert!(err.field_message("containment").unwrap().contains("4000"));
    }

    #[test]
    fn raising_needs_a_product_and_a_reason_and_a_positive_quantity_if_any() {
        let ok = RaiseHoldInput {
            supplier_product_id: "7".into(),
            lot_name: Some(" LOT-42 ".into()),
            quantity: Some("12,5".into()),
            reason: Some("Thread gauge fails".into()),
        };
        let v = validate_raise(&ok).unwrap();
        assert_eq!((v.supplier_product_id, v.lot_name.as_deref(), v.quantity), (7, Some("LOT-42"), Some(12.5)));
        let blank_optional = RaiseHoldInput { lot_name: Some(" ".into()), quantity: Some("".into()), ..ok.clone() };
        let v = validate_raise(&blank_optional).unwrap();
        assert_eq!((v.lot_name, v.quantity), (None, None));
        let bad = RaiseHoldInput {
            supplier_product_id: "".into(),
            lot_name: Some("L".repeat(65)),
            quantity: Some("-3".into()),
            reason: Some("  ".into()),
        };
        assert_eq!(
            fields(validate_raise(&bad).unwrap_err()),
            ["supplier_product_id", "lot_name", "quantity", "reason"]
        );
        let nan = RaiseHoldInput { quantity: Some("lots".into()), ..ok };
        assert_eq!(fields(validate_raise(&nan).unwrap_err()), ["quantity"]);
    }

    #[test]
    fn closing_needs_no_comment_but_reopening_needs_a_reason() {
        assert_eq!(validate_close_comment(None).unwrap(), None);
        assert_eq!(validate_close_comment(Some("  fine ")).unwrap().as_deref(), Some("fine"));
        assert!(validate_close_comment(Some(&"x".repeat(1001))).is_err());
        assert_eq!(fields(validate_reopen_reason(Some(" ")).unwrap_err()), ["comment"]);
        assert_eq!(validate_reopen_reason(Some("Parts fail again")).unwrap(), "Parts fail again");
    }
}
