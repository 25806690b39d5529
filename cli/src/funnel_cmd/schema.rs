//! `myx funnel schema` and `myx funnel variables`.

use crate::Outcome;
use myx_core::template_vars::{CUSTOM_PREFIX, VARIABLES};

pub fn print_schema(out: &mut String) -> anyhow::Result<Outcome> {
    outln!(
        out,
        "{}",
        serde_json::to_string_pretty(&myx_core::funnel::json_schema())?
    );
    Ok(Outcome::Success)
}

pub fn print_variables(out: &mut String) -> anyhow::Result<Outcome> {
    for (name, what) in VARIABLES {
        outln!(out, "{name:<22} {what}");
    }
    outln!(
        out,
        "{:<22} Custom enrollment field <field> (customFields)",
        format!("{CUSTOM_PREFIX}.<field>")
    );
    Ok(Outcome::Success)
}
