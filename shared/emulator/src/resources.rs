//! Uniquely named AWS resources for one test. Tests share one moto, so
//! every name carries a random suffix; nothing is ever reset or reused.
//!
//! These helpers panic on failure: they are test fixtures, and a panic with
//! the SDK's error is the clearest report.

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;

/// `prefix` and a random suffix: `myx-queue-4f1c…` (at most 64 characters
/// for prefixes up to 31 characters, within every service's name limit).
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A new table with exactly the production layout (created by
/// [`myx_aws::dynamo::create_table`]); returns its name.
pub async fn create_table(config: &SdkConfig) -> String {
    let name = unique_name("myx-table");
    let client = aws_sdk_dynamodb::Client::new(config);
    if let Err(error) = myx_aws::dynamo::create_table(&client, &name).await {
        panic!("cannot create table {name}: {error}");
    }
    name
}

/// A queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct TestQueue {
    pub name: String,
    pub url: String,
    pub arn: String,
    pub dlq_url: String,
    pub dlq_arn: String,
}

/// A queue whose messages move to a new dead-letter queue after
/// `max_receive_count` receives.
pub async fn create_queue_with_dlq(config: &SdkConfig, max_receive_count: u32) -> TestQueue {
    let client = aws_sdk_sqs::Client::new(config);
    let name = unique_name("myx-steps");
    let (dlq_url, dlq_arn) = create_queue(&client, &format!("{name}-dlq"), None).await;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receive_count.to_string(),
    })
    .to_string();
    let (url, arn) = create_queue(&client, &name, Some(redrive)).await;
    TestQueue {
        name,
        url,
        arn,
        dlq_url,
        dlq_arn,
    }
}

async fn create_queue(
    client: &aws_sdk_sqs::Client,
    name: &str,
    redrive_policy: Option<String>,
) -> (String, String) {
    let mut request = client.create_queue().queue_name(name);
    if let Some(policy) = redrive_policy {
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
    }
    let created = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot create queue {name}: {e:?}"));
    let url = created
        .queue_url()
        .unwrap_or_else(|| panic!("queue {name} has no URL"))
        .to_string();
    let attributes = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot read queue {name}: {e:?}"));
    let arn = attributes
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .unwrap_or_else(|| panic!("queue {name} has no ARN"))
        .clone();
    (url, arn)
}

/// A new EventBridge Scheduler group (moto answers 500 for schedules in a
/// group that does not exist); returns its name.
pub async fn create_scheduler_group(config: &SdkConfig) -> String {
    let name = unique_name("myx-timers");
    aws_sdk_scheduler::Client::new(config)
        .create_schedule_group()
        .name(&name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot create schedule group {name}: {e:?}"));
    name
}

/// Verifies an email address or domain as an SES sender (moto verifies at
/// once).
pub async fn create_email_identity(config: &SdkConfig, identity: &str) {
    aws_sdk_sesv2::Client::new(config)
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot create email identity {identity}: {e:?}"));
}

/// A new SES configuration set; returns its name.
pub async fn create_configuration_set(config: &SdkConfig) -> String {
    let name = unique_name("myx-ses");
    aws_sdk_sesv2::Client::new(config)
        .create_configuration_set()
        .configuration_set_name(&name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot create configuration set {name}: {e:?}"));
    name
}

/// A new Secrets Manager secret holding `secret_string`; returns its name.
pub async fn create_secret(config: &SdkConfig, secret_string: &str) -> String {
    let name = unique_name("myx/secret");
    aws_sdk_secretsmanager::Client::new(config)
        .create_secret()
        .name(&name)
        .secret_string(secret_string)
        .send()
        .await
        .unwrap_or_else(|e| panic!("cannot create secret {name}: {e:?}"));
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ_and_fit_service_limits() {
        let a = unique_name("myx-steps");
        let b = unique_name("myx-steps");
        assert_ne!(a, b);
        assert!(a.starts_with("myx-steps-"));
        // SQS allows 80 characters; with "-dlq" this must still fit.
        assert!(a.len() + 4 <= 80, "{a}");
        assert!(unique_name("myx-timers").len() <= 64);
    }
}
