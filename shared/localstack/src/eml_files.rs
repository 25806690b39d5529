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

use jiff::Timestamp;
use myx_compose::to_eml_at;
use myx_engine::OutgoingEmail;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// Bytes of files waiting to be written before a sender waits too.
const MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;

/// A file's content: bytes already built, or an email whose MIME the
/// writer builds (off the send path: the MIME is most of a send's cost).
pub(crate) enum Content {
    Bytes(Vec<u8>),
    Email(Box<OutgoingEmail>, Timestamp),
}

impl Content {
    /// About the file's size, for the queue's byte budget.
    fn size(&self) -> usize {
        match self {
            Content::Bytes(bytes) => bytes.len(),
            Content::Email(email, _) => {
                // Quoted-printable and headers add about a tenth.
                let parts = email.html.len() + email.text.len();
                let attached: usize = email.attachments.iter().map(|a| a.content.len()).sum();
                (parts + attached) * 11 / 10 + 1024
            }
        }
    }
}

enum Job {
    Write {
        path: PathBuf,
        content: Content,
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
                        Job::Write { path, content, .. } => match content {
                            Content::Bytes(bytes) => write(&thread_dir, &path, &bytes),
                            Content::Email(email, date) => match to_eml_at(&email, date) {
                                Ok(bytes) => write(&thread_dir, &path, &bytes),
                                Err(error) => tracing::warn!(
                                    %error,
                                    message = %email.message_id,
                                    "no .eml file for this email; it is kept in the outbox only"
                                ),
                            },
                        },
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
    pub(crate) async fn queue(&self, path: PathBuf, content: Content) {
        let cost = u32::try_from(content.size().clamp(1, MAX_QUEUED_BYTES)).unwrap_or(u32::MAX);
        let Ok(budget) = Arc::clone(&self.budget).acquire_many_owned(cost).await else {
            return;
        };
        let job = Job::Write {
            path,
            content,
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
