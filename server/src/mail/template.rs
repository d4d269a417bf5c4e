//! The one layout every e-mail uses, as plain text and as HTML (escaped): a greeting, paragraphs,
//! an optional button, and why the reader got it.

pub struct Content<'a> {
    pub greeting: &'a str,
    pub paragraphs: &'a [String],
    /// Label and absolute URL of the one thing to do.
    pub action: Option<(&'a str, &'a str)>,
    /// Why this e-mail came, and how to stop it where that applies.
    pub footer: &'a str,
}

pub fn text(content: &Content) -> String {
    let mut out = format!("{}\n\n", content.greeting);
    for p in content.paragraphs {
        out.push_str(p);
        out.push_str("\n\n");
    }
    if let Some((label, url)) = content.action {
        out.push_str(&format!("{label}: {url}\n\n"));
    }
    out.push_str("-- \n");
    out.push_str(content.footer);
    out.push('\n');
    out
}

pub fn html(subject: &str, content: &Content) -> String {
    let mut body = format!("<p>{}</p>", escape(content.greeting));
    for p in content.paragraphs {
        body.push_str(&format!("<p>{}</p>", escape(p)));
    }
    if let Some((label, url)) = content.action {
        body.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#0f172a;color:#ffffff;\
             text-decoration:none;border-radius:6px\">{}</a></p>",
            escape(url),
            escape(label)
        ));
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;color:#0f172a;max-width:560px\">{body}\
         <p style=\"color:#64748b;font-size:12px\">{}</p></body></html>",
        escape(subject),
        escape(content.footer)
    )
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_supplier_typed_cannot_become_markup() {
        let paragraphs = vec!["Reason: <script>alert(1)</script> & more".to_string()];
        let content = Content {
            greeting: "Hello Lars,",
            paragraphs: &paragraphs,
            action: Some(("Open", "https://portal.example/pos/1?a=1&b=2")),
            footer: "You get this because…",
        };
        let html = html("Subject <x>", &content);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"https://portal.example/pos/1?a=1&amp;b=2\""));
        let text = text(&content);
        assert!(text.contains("Open: https://portal.example/pos/1?a=1&b=2"));
        assert!(text.contains("<script>"), "plain text keeps the words as typed");
    }
}
