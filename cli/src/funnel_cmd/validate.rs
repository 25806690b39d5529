//! `myx funnel validate FILE... [--format text|json]`

use super::source::{is_test_file, read_funnel};
use super::test::read_test_file;
use super::TextOrJson;
use crate::Outcome;
use myx_core::funnel::Problem;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Serialize)]
struct FileReport {
    file: String,
    kind: &'static str,
    valid: bool,
    problems: Vec<Problem>,
}

pub fn run(files: &[PathBuf], format: TextOrJson, out: &mut String) -> anyhow::Result<Outcome> {
    let reports: Vec<FileReport> = files
        .iter()
        .map(|path| {
            let (kind, problems) = if is_test_file(path) {
                (
                    "funnel-test",
                    read_test_file(path).err().unwrap_or_default(),
                )
            } else {
                ("funnel", read_funnel(path).err().unwrap_or_default())
            };
            FileReport {
                file: path.display().to_string(),
                kind,
                valid: problems.is_empty(),
                problems,
            }
        })
        .collect();
    let all_valid = reports.iter().all(|r| r.valid);
    match format {
        TextOrJson::Json => {
            let doc = serde_json::json!({ "valid": all_valid, "files": reports });
            outln!(out, "{}", serde_json::to_string_pretty(&doc)?);
        }
        TextOrJson::Text => {
            for r in &reports {
                if r.valid {
                    outln!(out, "ok    {}", r.file);
                } else {
                    outln!(
                        out,
                        "FAIL  {} ({} problem{})",
                        r.file,
                        r.problems.len(),
                        if r.problems.len() == 1 { "" } else { "s" }
                    );
                    for p in &r.problems {
                        outln!(out, "  {p}");
                    }
                }
            }
        }
    }
    Ok(if all_valid {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
