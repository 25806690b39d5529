//! The `stream-export` Lambda binary: JSON logs, the exporter built once
//! per cold start, then the runtime loop.

use anyhow::Context as _;
use lambda_runtime::{service_fn, LambdaEvent};
use myx_fn_stream_export::Exporter;
use serde_json::Value;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_target(false)
        .init();
    let exporter = Exporter::from_env()
        .await
        .context("configuring stream-export")?;
    tracing::info!(bucket = exporter.bucket(), "stream-export ready");
    let exporter = &exporter;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        exporter.handle(event).await
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
    .context("the Lambda runtime stopped")
}
