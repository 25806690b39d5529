//! Which variables a failed render had no value for. MiniJinja's undefined
//! error does not name the value, so the template's free variables are
//! compared with what the message provides.

use crate::variables::Variables;
use minijinja::Template;

/// The template's free variables (dotted, e.g. `custom.company`) that have
/// no value in `vars`, sorted.
pub(crate) fn undefined_names(template: &Template<'_, '_>, vars: &Variables) -> Vec<String> {
    let mut names: Vec<String> = template
        .undeclared_variables(true)
        .into_iter()
        .filter(|name| vars.get(name).is_none())
        .collect();
    names.sort();
    names
}
