//! The plain-text alternative derived from an email's HTML, with html2text.

use super::RenderError;

/// Lines are wrapped for reading at this width; links are never wrapped.
const WIDTH: usize = 78;

/// Plain text for `html`: paragraphs wrapped, each link's text followed by a
/// numbered footnote reference and its URL listed at the end.
pub fn html_to_text(html: &str) -> Result<String, RenderError> {
    html2text::config::plain()
        .link_footnotes(true)
        .no_link_wrapping()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), WIDTH)
        .map(|text| text.trim_end().to_string() + "\n")
        .map_err(|e| RenderError::PlainText(e.to_string()))
}
