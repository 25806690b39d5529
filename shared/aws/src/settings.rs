//! The Lambda functions' settings, from the environment the SAM template
//! sets. Parsing takes a lookup function, so tests never touch the
//! process environment.

use crate::scheduler::ScheduleTarget;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Everything the adapters and handlers need to know about the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// `MYX_TABLE_NAME`
    pub table_name: String,
    /// `MYX_STEPS_QUEUE_URL`
    pub steps_queue_url: String,
    /// `MYX_STEPS_QUEUE_ARN`: the schedules' target.
    pub steps_queue_arn: String,
    /// `MYX_STEPS_DLQ_ARN`: where schedules that cannot deliver end up.
    pub steps_dlq_arn: String,
    /// `MYX_SCHEDULER_GROUP`
    pub scheduler_group: String,
    /// `MYX_SCHEDULER_ROLE_ARN`: assumed by the scheduler to send to the queue.
    pub scheduler_role_arn: String,
    /// `MYX_SES_CONFIGURATION_SET`
    pub ses_configuration_set: String,
    /// `MYX_SECRET_ID`
    pub secret_id: String,
    /// `MYX_PUBLIC_URL`: base of unsubscribe and calendar links, no trailing `/`.
    pub public_url: String,
    /// `MYX_EXPORT_BUCKET`: where stream-export writes.
    pub export_bucket: Option<String>,
    /// `MYX_SENDER_ADDRESS`
    pub sender_address: Option<String>,
    /// `MYX_POSTAL_ADDRESS`
    pub postal_address: Option<String>,
    /// `MYX_BUSINESS_NAME`
    pub business_name: Option<String>,
}

impl AwsSettings {
    /// From the process environment.
    pub fn from_env() -> Result<AwsSettings, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From `lookup(name)`, the value of each variable if set. Values are
    /// trimmed; an empty value counts as unset.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<AwsSettings, SettingsError> {
        let optional = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &'static str| optional(name).ok_or(SettingsError::Missing(name));
        let public_url = required("MYX_PUBLIC_URL")?;
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            return Err(SettingsError::Invalid {
                name: "MYX_PUBLIC_URL",
                reason: "must start with https:// (or http://)".into(),
            });
        }
        Ok(AwsSettings {
            table_name: required("MYX_TABLE_NAME")?,
            steps_queue_url: required("MYX_STEPS_QUEUE_URL")?,
            steps_queue_arn: required("MYX_STEPS_QUEUE_ARN")?,
            steps_dlq_arn: required("MYX_STEPS_DLQ_ARN")?,
            scheduler_group: required("MYX_SCHEDULER_GROUP")?,
            scheduler_role_arn: required("MYX_SCHEDULER_ROLE_ARN")?,
            ses_configuration_set: required("MYX_SES_CONFIGURATION_SET")?,
            secret_id: required("MYX_SECRET_ID")?,
            public_url: public_url.trim_end_matches('/').to_string(),
            export_bucket: optional("MYX_EXPORT_BUCKET"),
            sender_address: optional("MYX_SENDER_ADDRESS"),
            postal_address: optional("MYX_POSTAL_ADDRESS"),
            business_name: optional("MYX_BUSINESS_NAME"),
        })
    }

    /// Where [`SchedulerTimers`](crate::SchedulerTimers) deliver.
    pub fn schedule_target(&self) -> ScheduleTarget {
        ScheduleTarget {
            group: self.scheduler_group.clone(),
            queue_arn: self.steps_queue_arn.clone(),
            role_arn: self.scheduler_role_arn.clone(),
            dead_letter_arn: self.steps_dlq_arn.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const REQUIRED: [(&str, &str); 9] = [
        ("MYX_TABLE_NAME", "myx"),
        (
            "MYX_STEPS_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/1/steps",
        ),
        ("MYX_STEPS_QUEUE_ARN", "arn:aws:sqs:us-east-1:1:steps"),
        ("MYX_STEPS_DLQ_ARN", "arn:aws:sqs:us-east-1:1:steps-dlq"),
        ("MYX_SCHEDULER_GROUP", "myx"),
        ("MYX_SCHEDULER_ROLE_ARN", "arn:aws:iam::1:role/scheduler"),
        ("MYX_SES_CONFIGURATION_SET", "myx"),
        ("MYX_SECRET_ID", "myx/app"),
        ("MYX_PUBLIC_URL", "https://events.example.com/"),
    ];

    fn parse(vars: &HashMap<&str, &str>) -> Result<AwsSettings, SettingsError> {
        AwsSettings::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn reads_required_and_optional_values() {
        let mut vars: HashMap<&str, &str> = REQUIRED.into_iter().collect();
        vars.insert("MYX_BUSINESS_NAME", " Acme Events ");
        vars.insert("MYX_EXPORT_BUCKET", "");
        let settings = parse(&vars).unwrap();
        assert_eq!(settings.table_name, "myx");
        assert_eq!(settings.public_url, "https://events.example.com");
        assert_eq!(settings.business_name.as_deref(), Some("Acme Events"));
        assert_eq!(settings.export_bucket, None, "empty counts as unset");
        assert_eq!(settings.sender_address, None);
        let target = settings.schedule_target();
        assert_eq!(target.queue_arn, "arn:aws:sqs:us-east-1:1:steps");
        assert_eq!(target.dead_letter_arn, "arn:aws:sqs:us-east-1:1:steps-dlq");
    }

    #[test]
    fn a_missing_required_variable_is_named() {
        for (name, _) in REQUIRED {
            let mut vars: HashMap<&str, &str> = REQUIRED.into_iter().collect();
            vars.remove(name);
            assert_eq!(parse(&vars), Err(SettingsError::Missing(name)));
            vars.insert(name, "  ");
            assert_eq!(parse(&vars), Err(SettingsError::Missing(name)));
        }
    }

    #[test]
    fn public_url_must_be_http() {
        let mut vars: HashMap<&str, &str> = REQUIRED.into_iter().collect();
        vars.insert("MYX_PUBLIC_URL", "events.example.com");
        assert!(matches!(
            parse(&vars),
            Err(SettingsError::Invalid {
                name: "MYX_PUBLIC_URL",
                ..
            })
        ));
    }
}
