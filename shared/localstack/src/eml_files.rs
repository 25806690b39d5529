//! Writes the outbox's `.eml` files on one background thread.
//!
//! The outbox entry in the store is the record of a captured email; the
//! file is a copy for mail clients and scripts. Writing it inline cost the
//! send path more than everything else together (a blocking-pool thread per
//! file, and concurrent creates fighting over the folder's lock), so sends
//! queue the bytes here and go on. Creating a file can be slow for reasons
//! that have nothing to do with us (an ext4 without a journal scans past
//! every inode freed in the last minutes), so the queue is bounded by bytes,
//! not files: a burst of sends never waits for the disk unless it has fallen
//! behind by [`MAX_QUEUED_BYTES`]. Files are written in order; `flush`
//! waits until everything queued before it is on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// Bytes of files waiting to be written before a sender waits too.
const MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;

enum Job {
    Write {
        path: PathBuf,
        bytes: Vec<u8>,
        /// Returned when the file is written: the queue's byte budget.
        _budget: OwnedSemaphorePermit,
    },
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct EmlFiles {
    dir: PathBuf,
    jobs: mpsc::UnboundedSender<Job>,
    budget: Arc<Semaphore>,
}

impl EmlFiles {
    /// Starts the writer thread for `dir` (created when the first file is).
    pub(crate) fn start(dir: PathBuf) -> std::io::Result<Self> {
        let (jobs, mut queued) = mpsc::unbounded_channel::<Job>();
        let thread_dir = dir.clone();
        std::thread::Builder::new()
            .name("myx-eml-writer".into())
            .spawn(move || {
                // Ends when the last `EmlFiles` is dropped.
                while let Some(job) = queued.blocking_recv() {
                    match job {
                        Job::Write { path, bytes, .. } => write(&thread_dir, &path, &bytes),
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })?;
        Ok(EmlFiles {
            dir,
            jobs,
            budget: Arc::new(Semaphore::new(MAX_QUEUED_BYTES)),
        })
    }

    /// Where the email with this id is (or will shortly be) written.
    pub(crate) fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{message_id}.eml"))
    }

    /// Queues a file; returns once it is queued, not written (waiting
    /// only while the queue holds more than [`MAX_QUEUED_BYTES`]).
    pub(crate) async fn queue(&self, path: PathBuf, bytes: Vec<u8>) {
        let cost = u32::try_from(bytes.len().clamp(1, MAX_QUEUED_BYTES)).unwrap_or(u32::MAX);
        let Ok(budget) = Arc::clone(&self.budget).acquire_many_owned(cost).await else {
            return;
        };
        let job = Job::Write {
            path,
            bytes,
            _budget: budget,
        };
        if self.jobs.send(job).is_err() {
            tracing::error!("the .eml writer has stopped; the email is kept in the outbox only");
        }
    }

    /// Waits until every file queued so far is written (or failed).
    pub(crate) async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

/// Writes one file, creating the folder if it is missing. A failure is
/// logged, not retried: the email itself is safe in the outbox entry.
fn write(dir: &Path, path: &Path, bytes: &[u8]) {
    let result = std::fs::write(path, bytes).or_else(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(path, bytes))
        } else {
            Err(error)
        }
    });
    if let Err(error) = result {
        tracing::warn!(path = %path.display(), %error, "writing an .eml file failed");
    }
}
