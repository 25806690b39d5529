//! The MiniJinja environment every part is rendered with: semi-strict
//! undefined values, HTML auto-escaping for the html part only. Compiled
//! templates are kept per process: a funnel's few templates are compiled
//! once, not once per message.

use super::missing::undefined_names;
use super::{Part, RenderError};
use crate::variables::Variables;
use lru::LruCache;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// Distinct (part, source) pairs kept compiled: every part of a few dozen
/// funnels' templates; the least recently used goes first beyond that.
const COMPILED_CAPACITY: NonZeroUsize = match NonZeroUsize::new(512) {
    Some(n) => n,
    None => unreachable!(),
};

/// One compiled part: an environment holding it as its only template.
struct Compiled {
    source: String,
    env: Environment<'static>,
}

/// Keyed by the part and a hash of the source; the source itself is
/// compared on a hit, so a hash collision only costs a compile.
type CompiledCache = LruCache<(Part, u64), Arc<Compiled>>;

static COMPILED: LazyLock<Mutex<CompiledCache>> =
    LazyLock::new(|| Mutex::new(LruCache::new(COMPILED_CAPACITY)));

/// The compiled part, from the cache or compiled now. A template that does
/// not compile is not kept: it fails the same way each time.
fn compiled(part: Part, source: &str) -> Result<Arc<Compiled>, RenderError> {
    let mut hasher = DefaultHasher::new();
    source.hash(&mut hasher);
    let key = (part, hasher.finish());
    let cache = || COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = cache().get(&key).filter(|c| c.source == source) {
        return Ok(Arc::clone(hit));
    }
    let mut env = environment();
    env.add_template_owned(part.as_str(), source.to_string())
        .map_err(|e| template_error(part, &e))?;
    let compiled = Arc::new(Compiled {
        source: source.to_string(),
        env,
    });
    cache().put(key, Arc::clone(&compiled));
    Ok(compiled)
}

/// Renders one part of a template. The part's name selects its escaping.
pub(crate) fn render_part(
    part: Part,
    source: &str,
    vars: &Variables,
) -> Result<String, RenderError> {
    let compiled = compiled(part, source)?;
    let template = compiled
        .env
        .get_template(part.as_str())
        .map_err(|e| template_error(part, &e))?;
    let context = Value::from(Serde(vars.as_map()));
    template.render(context).map_err(|e| {
        if e.kind() == ErrorKind::UndefinedError {
            let names = undefined_names(&template, vars);
            if !names.is_empty() {
                return RenderError::UndefinedVariables { part, names };
            }
        }
        template_error(part, &e)
    })
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name == Part::Html.as_str() {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == AutoEscape::Html && !value.is_safe() {
            // MiniJinja's own HTML escaper also escapes `/`, which turns every
            // URL in an href into `https:&#x2f;&#x2f;...`: valid HTML, but it
            // garbles links for anything reading the raw source. Escape only
            // what HTML needs: & < > " '.
            let text = value.to_string();
            out.write_str(&html_escape::encode_quoted_attribute(&text))
                .map_err(minijinja::Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
}

fn template_error(part: Part, e: &minijinja::Error) -> RenderError {
    let message = match (e.detail(), e.line()) {
        (Some(detail), Some(line)) => format!("{detail} (line {line})"),
        (Some(detail), None) => detail.to_string(),
        (None, Some(line)) => format!("{} (line {line})", e.kind()),
        (None, None) => e.kind().to_string(),
    };
    RenderError::Template { part, message }
}
