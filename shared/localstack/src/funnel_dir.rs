//! `myx dev --funnels DIR`: the folder's funnel files, stored as funnel
//! versions, and stored again whenever a file changes.
//!
//! The folder is polled (a handful of small files; it works on every file
//! system, including mounted ones where change notifications do not). A
//! file is re-read when its modification time or size changed; storing an
//! unchanged document makes no new version, so touching a file is harmless.
//! An invalid edit is reported and the previous version stays in use.

use myx_core::SourceFormat;
use myx_engine::{funnels, Engine};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What one sync did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunnelFileOutcome {
    /// Stored: a new version when `changed`, else the document was the same.
    Stored {
        path: PathBuf,
        id: String,
        version: u64,
        changed: bool,
    },
    /// Could not be read, parsed or validated; nothing was stored.
    Invalid { path: PathBuf, problem: String },
}

pub struct FunnelDir {
    dir: PathBuf,
    tenant: String,
    /// The (modification time, size) each file had when last synced.
    seen: HashMap<PathBuf, (SystemTime, u64)>,
}

impl FunnelDir {
    pub fn new(dir: impl Into<PathBuf>, tenant: impl Into<String>) -> Self {
        FunnelDir {
            dir: dir.into(),
            tenant: tenant.into(),
            seen: HashMap::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores every funnel file that is new or changed since the last sync,
    /// in file-name order. Fails only when the folder cannot be read.
    pub async fn sync(&mut self, engine: &Engine) -> std::io::Result<Vec<FunnelFileOutcome>> {
        let mut outcomes = Vec::new();
        for path in funnel_files(&self.dir)? {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue; // Removed since the listing.
            };
            let stamp = (meta.modified()?, meta.len());
            if self.seen.get(&path) == Some(&stamp) {
                continue;
            }
            self.seen.insert(path.clone(), stamp);
            outcomes.push(self.store(engine, path).await);
        }
        Ok(outcomes)
    }

    async fn store(&self, engine: &Engine, path: PathBuf) -> FunnelFileOutcome {
        let invalid = |problem: String| FunnelFileOutcome::Invalid {
            path: path.clone(),
            problem,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => return invalid(e.to_string()),
        };
        let format = SourceFormat::from_path(&path);
        let doc = match myx_core::funnel::load::load_doc(&text, format) {
            Ok(doc) => doc,
            Err(problems) => {
                return invalid(
                    problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            }
        };
        match funnels::put_funnel(engine, &self.tenant, &doc.funnel, &text, format).await {
            Ok(stored) => FunnelFileOutcome::Stored {
                path,
                id: stored.id,
                version: stored.version,
                changed: stored.changed,
            },
            Err(e) => invalid(e.to_string()),
        }
    }
}

/// The folder's funnel files (YAML or JSON, not `*.test.*` expectation
/// files), sorted by name.
fn funnel_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
                && !name.contains(".test.")
        })
        .collect();
    files.sort();
    Ok(files)
}
