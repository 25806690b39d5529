//! What Myxelium's Lambda functions share. Each function's `main` is one
//! call: [`run_http`] for `enroll`, `admin` and `webhooks`, [`run_send`]
//! for `send`. Both build the [`App`] once per cold start (settings, the
//! app secret, the AWS adapters, the engine) and then serve invocations
//! with it.
//!
//! - [`logging`]: JSON logs with the invocation's ids, no personal data.
//! - [`settings`]: the environment the SAM template sets.
//! - [`app`]: the cold start's adapters and engine; the routes per function.
//! - [`senders`]: SES or Resend for email, Twilio for SMS, from the secret.
//! - [`bootstrap`]: the default tenant and its admin API key.
//! - [`http`]: an axum router under lambda_http.
//! - [`send`]: the SQS batch handler with partial batch failures, and
//!   [`backoff`], its retry delays.

pub mod app;
pub mod backoff;
pub mod bootstrap;
pub mod error;
pub mod http;
pub mod logging;
pub mod send;
pub mod senders;
pub mod settings;

pub use app::{App, HttpFunction};
pub use bootstrap::Bootstrapped;
pub use error::InitError;
pub use lambda_runtime::Error;
pub use send::SendFunction;
pub use settings::LambdaSettings;

use lambda_runtime::{service_fn, LambdaEvent};
use std::time::Instant;

/// An HTTP function's `main`: logs, the cold start, then the runtime loop.
pub async fn run_http(function: HttpFunction) -> Result<(), Error> {
    logging::init();
    let app = cold_start(function.name()).await?;
    if function == HttpFunction::Admin {
        let done = app.bootstrap_default_tenant().await.inspect_err(|error| {
            tracing::error!(%error, "the default tenant could not be written");
        })?;
        tracing::info!(
            tenant = %app.settings.tenant,
            tenantRecord = done.tenant,
            adminApiKey = done.api_key,
            "default tenant bootstrapped"
        );
    }
    http::serve(app.router(function)).await
}

/// The send function's `main`.
pub async fn run_send() -> Result<(), Error> {
    logging::init();
    let app = cold_start("send").await?;
    let send = app.send_function();
    let send = &send;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
            send.handle(event).await
        },
    ))
    .await
}

async fn cold_start(function: &'static str) -> Result<App, InitError> {
    let started = Instant::now();
    let app = App::from_env().await.inspect_err(|error| {
        tracing::error!(function, %error, "the function could not start");
    })?;
    tracing::info!(
        function,
        initMs = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "adapters and engine built"
    );
    Ok(app)
}
