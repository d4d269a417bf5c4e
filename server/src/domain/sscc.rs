//! Serial Shipping Container Codes (GS1): extension digit, company prefix, serial reference, and the
//! GS1 mod-10 check digit, 18 digits in all.

/// The GS1 check digit of `digits` (weights 3, 1, 3, … from the right).
pub fn check_digit(digits: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let d = c.to_digit(10)?;
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    Some((10 - sum % 10) % 10)
}

/// The SSCC for serial number `serial` under `company_prefix` (7 to 10 digits), extension digit 0.
pub fn sscc(company_prefix: &str, serial: u64) -> Result<String, String> {
    if !(7..=10).contains(&company_prefix.len()) || !company_prefix.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("the GS1 company prefix {company_prefix:?} must be 7 to 10 digits"));
    }
    let serial_digits = 16 - company_prefix.len();
    let serial_text = format!("{serial:0serial_digits$}");
    if serial_text.len() > serial_digits {
        return Err(format!("serial {serial} does not fit in {serial_digits} digits under this prefix"));
    }
    let body = format!("0{company_prefix}{serial_text}");
    let check = check_digit(&body).expect("only digits");
    Ok(format!("{body}{check}"))
}

/// Whether `code` is 18 digits with a correct check digit.
pub fn is_valid(code: &str) -> bool {
    code.len() == 18
        && code.chars().all(|c| c.is_ascii_digit())
        && check_digit(&code[..17]) == code[17..].chars().next().and_then(|c| c.to_digit(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_gs1_examples() {
        // EAN-13 4006381333931 and the GS1 General Specifications' SSCC example.
        assert_eq!(check_digit("400638133393"), Some(1));
        assert_eq!(check_digit("37610425002123456"), Some(9));
        assert!(is_valid("376104250021234569"));
        assert!(!is_valid("376104250021234568"));
        assert!(!is_valid("37610425002123456"));
        assert_eq!(check_digit("12a"), None);
    }

    #[test]
    fn builds_an_sscc_from_prefix_and_serial() {
        let code = sscc("0614141", 123).unwrap();
        assert_eq!(code.len(), 18);
        assert!(code.starts_with("00614141000000123"));
        assert!(is_valid(&code));
        assert!(sscc("12", 1).is_err());
        assert!(sscc("0614141", 1_000_000_000).is_err(), "9 serial digits under a 7-digit prefix");
    }
}
