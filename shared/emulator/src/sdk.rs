//! SDK configs for the emulator, built from constants: tests must not
//! depend on whatever AWS variables or profiles the developer has set.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};

/// Region, credentials and endpoint for moto (starting it if needed).
pub fn sdk_config() -> SdkConfig {
    config_for(crate::endpoint())
}

/// A config whose endpoint refuses connections (a port nothing listens
/// on) and which does not retry: for testing how adapters report outages.
pub fn unreachable_sdk_config() -> SdkConfig {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"));
    config_for(&format!("http://127.0.0.1:{port}"))
        .into_builder()
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
}

fn config_for(endpoint: &str) -> SdkConfig {
    let credentials = Credentials::new("test", "test", None, None, "myx-emulator");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(endpoint)
        .build()
}
