//! JSON logs, one object per line, as CloudWatch (LogFormat JSON) reads
//! them. Every line carries its spans: the runtime's invocation span
//! (`requestId`, `xrayTraceId`), then ours (the API Gateway request id and
//! route of an HTTP request; the SQS message id and work kind of a send).
//!
//! Nothing logged here or by the handlers holds an email address or phone
//! number: spans carry ids and route templates, never paths with query
//! strings or bodies (the tests read every line of an enrollment's logs).

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The level filter when `RUST_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "info";

/// Installs the JSON subscriber on stdout, filtered by `RUST_LOG`. A second
/// call does nothing.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Err only when a subscriber is already installed: keep that one.
    let _ = tracing::subscriber::set_global_default(json_subscriber(std::io::stdout, filter));
}

/// The functions' subscriber, writing to `writer` (tests pass a buffer).
pub fn json_subscriber<W>(writer: W, filter: EnvFilter) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        .with_writer(writer)
        .finish()
}
