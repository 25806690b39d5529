//! The plain-text alternative derived from an email's HTML, with html2text.
//!
//! html2text parses and lays out a whole document per call, which was the
//! largest single cost of building an email. An HTML template made only of
//! text and `{{ ... }}` expressions converts to a plain-text template once
//! (the expressions pass through as text, links' URLs to the footnotes),
//! and each message then renders that. Templates with `{% ... %}` blocks
//! or comments are converted per message: a block around a link would
//! leave its footnote outside the block.

use super::RenderError;
use lru::LruCache;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

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

/// Distinct HTML templates whose plain-text template is kept.
const DERIVED_CAPACITY: NonZeroUsize = match NonZeroUsize::new(256) {
    Some(n) => n,
    None => unreachable!(),
};

/// An HTML template and the plain-text template derived from it, if it
/// has one.
struct Derived {
    html: String,
    text: Option<Arc<str>>,
}

static DERIVED: LazyLock<Mutex<LruCache<u64, Arc<Derived>>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(DERIVED_CAPACITY)));

/// The plain-text template for an HTML template, or `None` when the text
/// must come from each rendered message instead (see the module comment).
/// Rendering it gives what [`html_to_text`] gives for the rendered HTML,
/// except that lines are wrapped where the template's text would wrap.
pub(crate) fn text_template(html_template: &str) -> Option<Arc<str>> {
    let mut hasher = DefaultHasher::new();
    html_template.hash(&mut hasher);
    let key = hasher.finish();
    let cache = || DERIVED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = cache().get(&key).filter(|d| d.html == html_template) {
        return hit.text.clone();
    }
    let text = derive(html_template).map(Arc::from);
    cache().put(
        key,
        Arc::new(Derived {
            html: html_template.to_string(),
            text: text.clone(),
        }),
    );
    text
}

fn derive(html_template: &str) -> Option<String> {
    if html_template.contains("{%") || html_template.contains("{#") {
        return None;
    }
    let text = html_to_text(html_template).ok()?;
    // Every expression came through once and nothing new became one (an
    // escaped `&#123;&#123;` in the HTML is literal text, not a tag).
    let same =
        |pattern: &str| text.matches(pattern).count() == html_template.matches(pattern).count();
    (same("{{") && same("}}")).then_some(text)
}

/// A rendered plain-text part ends as [`html_to_text`]'s output does.
pub(crate) fn finish_text(rendered: &str) -> String {
    rendered.trim_end().to_string() + "\n"
}
