//! Files attached to a quality hold: only a few kinds (PDF, PNG, JPEG, plain text / CSV, XLSX,
//! DOCX), recognised by their content (magic bytes) and not by the name or the type the browser
//! declared; limited in size; names cleaned of paths and control characters.

use app::AppError;

/// 10 MiB unless configured otherwise.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;
pub const MAX_FILENAME_CHARS: usize = 120;

/// What the allow-list says in an error message.
pub const ALLOWED: &str = "PDF, PNG, JPEG, plain text, CSV, Excel (.xlsx) or Word (.docx)";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub filename: String,
    pub content_type: &'static str,
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path segment,
/// without control characters, quotes or backslashes, at most [`MAX_FILENAME_CHARS`] characters
/// (the extension kept).
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let cleaned = if cleaned.is_empty() { "attachment".to_string() } else { cleaned };
    if cleaned.chars().count() <= MAX_FILENAME_CHARS {
        return cleaned;
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => (stem.to_string(), format!(".{ext}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = MAX_FILENAME_CHARS - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

fn extension(filename: &str) -> String {
    filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The content type the bytes really are, given the name's extension; `None` if they are not an
/// allowed kind or do not match the extension (a PNG named .pdf, a ZIP that is not an Office file).
pub fn sniff(bytes: &[u8], filename: &str) -> Option<&'static str> {
    let ext = extension(filename);
    if bytes.starts_with(b"%PDF-") {
        return (ext == "pdf").then_some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return (ext == "png").then_some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return matches!(ext.as_str(), "jpg" | "jpeg").then_some("image/jpeg");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // Office Open XML: a ZIP whose entries' names (stored uncompressed) say what it is.
        let office = contains(bytes, b"[Content_Types].xml");
        return match ext.as_str() {
            "xlsx" if office && contains(bytes, b"xl/") => {
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
            "docx" if office && contains(bytes, b"word/") => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            _ => None,
        };
    }
    // Text: UTF-8 (a BOM allowed), no NUL bytes, no other control characters than tab and line ends.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let is_text = std::str::from_utf8(text)
        .is_ok_and(|t| t.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c')));
    match ext.as_str() {
        "txt" | "log" if is_text => Some("text/plain"),
        "csv" if is_text => Some("text/csv"),
        _ => None,
    }
}

/// Checks a file before it is stored. Errors name the `file` field and say the limit or the kinds allowed.
pub fn check(raw_filename: &str, bytes: &[u8], max_bytes: u64) -> Result<CheckedFile, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "Choose a file to attach (the file was empty)."));
    }
    if bytes.len() as u64 > max_bytes {
        return Err(AppError::invalid(
            "file",
            format!("The file is too large: at most {} per file.", human_size(max_bytes)),
        ));
    }
    let filename = sanitize_filename(raw_filename);
    match sniff(bytes, &filename) {
        Some(content_type) => Ok(CheckedFile { filename, content_type }),
        None => Err(AppError::invalid(
            "file",
            format!("{filename:?} is not an accepted file: attach {ALLOWED}, with the matching extension."),
        )),
    }
}

/// `10 MiB`, `512 KiB`, `300 bytes`.
pub fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded: String = filename
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn zip_with(entries: &[&str]) -> Vec<u8> {
        let mut bytes = b"PK\x03\x04\x14\0\0\0".to_vec();
        for e in entries {
            bytes.extend_from_slice(e.as_bytes());
            bytes.extend_from_slice(b"\0\0PK\x03\x04");
        }
        bytes
    }

    #[test]
    fn allowed_kinds_are_recognised_by_their_content() {
        assert_eq!(sniff(PDF, "8d.pdf"), Some("application/pdf"));
        assert_eq!(sniff(PNG, "photo.PNG"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "photo.jpeg"), Some("image/jpeg"));
        assert_eq!(sniff(b"lot;qty\nA;4\n", "sort.csv"), Some("text/csv"));
        assert_eq!(sniff("Sorted 400 pcs — all OK\r\n".as_bytes(), "notes.txt"), Some("text/plain"));
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(
            sniff(&xlsx, "measurements.xlsx"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert!(sniff(&docx, "report.docx").unwrap().contains("wordprocessingml"));
    }

    #[test]
    fn a_name_or_declared_type_does_not_make_a_file_acceptable() {
        assert_eq!(sniff(PNG, "report.pdf"), None, "a PNG named .pdf");
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "report.pdf"), None, "an executable named .pdf");
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "notes.txt"), None, "binary is not text");
        assert_eq!(sniff(b"<html><script>alert(1)</script>", "page.html"), None, "HTML is not on the list");
        assert_eq!(sniff(&zip_with(&["evil.exe"]), "data.xlsx"), None, "a plain ZIP named .xlsx");
        assert_eq!(sniff(&zip_with(&["[Content_Types].xml", "word/document.xml"]), "data.xlsx"), None);
        assert_eq!(sniff(PDF, "noextension"), None);
    }

    #[test]
    fn size_and_kind_errors_name_the_limit_and_the_list() {
        let err = check("big.pdf", &[b'%'; 2048], 1024).unwrap_err();
        assert_eq!(err.field_message("file").unwrap(), "The file is too large: at most 1 KiB per file.");
        let err = check("x.exe", b"MZ", 1024).unwrap_err();
        assert!(err.field_message("file").unwrap().contains(ALLOWED));
        assert!(check("empty.txt", b"", 1024).is_err());
        assert_eq!(human_size(DEFAULT_MAX_ATTACHMENT_BYTES), "10 MiB");
        let ok = check("C:\\Users\\qa\\8D report.pdf", PDF, 1024).unwrap();
        assert_eq!(ok, CheckedFile { filename: "8D report.pdf".into(), content_type: "application/pdf" });
    }

    #[test]
    fn filenames_lose_paths_control_characters_and_length() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("a\"b\r\nc.pdf"), "a_b__c.pdf");
        assert_eq!(sanitize_filename("..."), "attachment");
        assert_eq!(sanitize_filename(".hidden.txt"), "hidden.txt");
        let long = format!("{}.pdf", "n".repeat(300));
        let short = sanitize_filename(&long);
        assert_eq!(short.chars().count(), MAX_FILENAME_CHARS);
        assert!(short.ends_with(".pdf"));
        assert_eq!(sanitize_filename("Prüfbericht.pdf"), "Prüfbericht.pdf");
    }

    #[test]
    fn the_download_header_carries_a_safe_and_a_utf8_name() {
        assert_eq!(
            content_disposition("Prüf bericht.pdf"),
            "attachment; filename=\"Pr_f bericht.pdf\"; filename*=UTF-8''Pr%C3%BCf%20bericht.pdf"
        );
    }
}
