//! An SDK config for the emulator, built from constants: tests must not
//! depend on whatever AWS variables or profiles the developer has set.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};

/// Region, credentials and endpoint for moto (starting it if needed).
pub fn sdk_config() -> SdkConfig {
    let credentials = Credentials::new("test", "test", None, None, "myx-emulator");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .endpoint_url(crate::endpoint())
        .build()
}
