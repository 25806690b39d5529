//! The functions' JSON logs, captured for one test (thread-local).

use serde_json::Value;
use std::io;
use std::sync::{Arc, Mutex};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Every line, each of which must be a JSON object.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<CapturedLogs>> = const { std::cell::RefCell::new(None) };
}

/// Writes to the calling thread's capture, if any (else nowhere).
#[derive(Clone, Copy)]
struct ThreadRouted;

impl io::Write for ThreadRouted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(logs) = c.borrow_mut().as_mut() {
                let _ = logs.write(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadRouted {
    type Writer = ThreadRouted;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// Stops the capture when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

/// The functions' logs on the calling thread (a `#[tokio::test]` runs its
/// tasks there) until the guard drops. myx-lambda's subscriber, at
/// `debug` so that more lines are checked, is installed once for the
/// whole test process: per-thread subscribers would share callsite
/// interest with the other tests' threads and miss lines.
pub fn capture() -> (CapturedLogs, CaptureGuard) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let subscriber =
            myx_lambda::logging::json_subscriber(ThreadRouted, EnvFilter::new("debug"));
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    let logs = CapturedLogs::default();
    CAPTURE.with(|c| *c.borrow_mut() = Some(logs.clone()));
    (logs, CaptureGuard)
}

/// The `spans` of a log line, merged: `{requestId, apigwRequestId, ...}`.
pub fn span_fields(line: &Value) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    for span in line["spans"].as_array().into_iter().flatten() {
        if let Some(object) = span.as_object() {
            fields.extend(object.clone());
        }
    }
    fields
}
