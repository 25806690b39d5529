//! The `send` Lambda function: works the steps queue (everything is in
//! myx-lambda and the engine).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), myx_lambda::Error> {
    myx_lambda::run_send().await
}
