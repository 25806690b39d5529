//! The `webhooks` Lambda function (routes in `template.yaml`): everything is
//! in myx-lambda and the engine.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), myx_lambda::Error> {
    myx_lambda::run_http(myx_lambda::HttpFunction::Webhooks).await
}
