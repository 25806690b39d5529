//! `myx funnel test FILE...`: run expectation files and show readable diffs.

use super::source::{is_test_file, read_funnel};
use crate::Outcome;
use myx_core::expectations::{load_test_file, run_case, TestFile};
use myx_core::funnel::{Problem, SourceFormat};
use std::path::{Path, PathBuf};

pub fn read_test_file(path: &Path) -> Result<TestFile, Vec<Problem>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![Problem::new("", format!("cannot read file: {e}"))])?;
    load_test_file(&text, SourceFormat::from_path(path))
}

/// The expectation file beside a funnel file (`x.yaml` → `x.test.yaml`).
fn sibling_test(funnel: &Path) -> Option<PathBuf> {
    let stem = funnel.file_stem()?.to_str()?;
    ["yaml", "yml", "json"]
        .iter()
        .map(|ext| funnel.with_file_name(format!("{stem}.test.{ext}")))
        .find(|p| p.is_file())
}

pub fn run(files: &[PathBuf], out: &mut String) -> anyhow::Result<Outcome> {
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in files {
        let test_path = if is_test_file(file) {
            file.clone()
        } else if let Some(t) = sibling_test(file) {
            t
        } else {
            outln!(
                out,
                "FAIL  {}: no expectation file beside it (expected {}.test.yaml)",
                file.display(),
                file.file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("funnel")
            );
            failed += 1;
            continue;
        };
        match run_file(&test_path, out) {
            Ok((p, f)) => {
                passed += p;
                failed += f;
            }
            Err(problems) => {
                outln!(out, "FAIL  {}", test_path.display());
                for p in problems {
                    outln!(out, "  {p}");
                }
                failed += 1;
            }
        }
    }
    outln!(out, "{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

/// Runs every case of one file: (passed, failed), or why the file cannot run.
fn run_file(path: &Path, out: &mut String) -> Result<(usize, usize), Vec<Problem>> {
    let spec = read_test_file(path)?;
    let funnel_path = path.parent().unwrap_or(Path::new(".")).join(&spec.funnel);
    let funnel = read_funnel(&funnel_path).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| {
                Problem::new(
                    format!("funnel {}: {}", funnel_path.display(), p.path),
                    p.message,
                )
            })
            .collect::<Vec<_>>()
    })?;
    let (mut passed, mut failed) = (0, 0);
    for (i, case) in spec.cases.iter().enumerate() {
        match run_case(&funnel, case) {
            Ok(outcome) if outcome.passed() => {
                outln!(out, "ok    {} :: {}", path.display(), outcome.name);
                passed += 1;
            }
            Ok(outcome) => {
                outln!(out, "FAIL  {} :: {}", path.display(), outcome.name);
                for line in outcome.diff.lines() {
                    outln!(out, "    {line}");
                }
                failed += 1;
            }
            Err(e) => {
                outln!(
                    out,
                    "FAIL  {} :: cases[{i}] {}: {e}",
                    path.display(),
                    case.name
                );
                failed += 1;
            }
        }
    }
    Ok((passed, failed))
}
