//! Reading funnel files from disk.

use myx_core::funnel::{load_funnel, Funnel, Problem, SourceFormat};
use std::path::Path;

/// Reads and validates a funnel file; unreadable files become one problem.
pub fn read_funnel(path: &Path) -> Result<Funnel, Vec<Problem>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![Problem::new("", format!("cannot read file: {e}"))])?;
    load_funnel(&text, SourceFormat::from_path(path))
}

/// Expectation files are named `<anything>.test.yaml|yml|json`.
pub fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".test.yaml", ".test.yml", ".test.json"]
        .iter()
        .any(|s| name.ends_with(s))
}
