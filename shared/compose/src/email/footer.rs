//! The CAN-SPAM footer: the sender's name and postal address and an
//! unsubscribe link, on every marketing email, in both html and text.

use html_escape::{encode_double_quoted_attribute, encode_text};

pub(crate) struct Footer<'a> {
    pub business_name: &'a str,
    pub postal_address: &'a str,
    pub unsubscribe_url: &'a str,
}

impl Footer<'_> {
    /// `html` with the footer inserted before `</body>` (or appended when
    /// the html has no body tag).
    pub fn append_to_html(&self, html: &str) -> String {
        let address: Vec<String> = address_lines(self.postal_address)
            .map(|line| encode_text(line).into_owned())
            .collect();
        let mut sender = String::new();
        if !self.business_name.trim().is_empty() {
            sender.push_str(&encode_text(self.business_name.trim()));
            sender.push_str("<br>");
        }
        sender.push_str(&address.join("<br>"));
        let footer = format!(
            concat!(
                "\n<div style=\"margin-top:32px;padding-top:16px;border-top:1px solid #dddddd;",
                "font-size:12px;line-height:1.5;color:#666666;\">\n",
                "<p style=\"margin:0;\">{sender}</p>\n",
                "<p style=\"margin:8px 0 0 0;\"><a href=\"{url}\" style=\"color:#666666;\">",
                "Unsubscribe</a></p>\n",
                "</div>\n"
            ),
            sender = sender,
            url = encode_double_quoted_attribute(self.unsubscribe_url),
        );
        match find_ignore_ascii_case(html, "</body>") {
            Some(at) => format!("{}{footer}{}", &html[..at], &html[at..]),
            None => format!("{html}{footer}"),
        }
    }

    /// `text` followed by a signature-style footer.
    pub fn append_to_text(&self, text: &str) -> String {
        let mut out = text.trim_end().to_string();
        out.push_str("\n\n-- \n");
        if !self.business_name.trim().is_empty() {
            out.push_str(self.business_name.trim());
            out.push('\n');
        }
        for line in address_lines(self.postal_address) {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str("\nUnsubscribe: ");
        out.push_str(self.unsubscribe_url);
        out.push('\n');
        out
    }
}

fn address_lines(address: &str) -> impl Iterator<Item = &str> {
    address.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Byte offset of the last occurrence of the ASCII `needle`, ignoring case.
fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let needle = needle.as_bytes();
    if hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}
