//! The functions' settings: [`AwsSettings`] (the adapters' half) plus what
//! only the functions read. Parsed from a lookup, so tests never touch the
//! process environment.

use myx_aws::{AwsSettings, SettingsError};
use std::collections::BTreeMap;

/// The tenant the stack's own settings describe when none is named.
pub const DEFAULT_TENANT: &str = "default";
/// The template's `MaxReceiveCount` when `MYX_STEPS_MAX_RECEIVE_COUNT` is unset.
pub const DEFAULT_MAX_RECEIVE_COUNT: u32 = 5;
/// Public requests per minute per client address, per execution environment.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaSettings {
    pub aws: AwsSettings,
    /// `MYX_TENANT_ID`: the tenant bootstrapped from the stack's parameters
    /// (`MYX_BUSINESS_NAME`, ...) and the secret's `adminApiKey`; inbound
    /// SMS belong to it.
    pub tenant: String,
    /// `MYX_STEPS_MAX_RECEIVE_COUNT`: the steps queue's `maxReceiveCount`;
    /// the receive that reaches it is a message's final attempt.
    pub max_receive_count: u32,
    /// `MYX_RATE_LIMIT_PER_MINUTE` (0 disables): the enrollment route's
    /// per-address limit in one execution environment. API Gateway's
    /// throttling is the stack-wide limit.
    pub rate_limit_per_minute: Option<u32>,
    /// The providers' settings that come from the environment, by name
    /// (see [`PROVIDER_ENVIRONMENT`]); myx-providers reads and checks them,
    /// with the credentials from the secret.
    pub provider_environment: BTreeMap<&'static str, String>,
}

/// Provider settings taken from the environment, not the secret: the
/// endpoints when not the public ones (tests, proxies) and the SNS topics
/// SES events may come from (the template passes its own; unset, the SES
/// webhook answers 503).
pub const PROVIDER_ENVIRONMENT: &[&str] = &[
    "TWILIO_API_BASE",
    "RESEND_API_BASE",
    "ZOOM_API_BASE",
    "ZOOM_OAUTH_URL",
    "SES_EVENTS_TOPIC_ARN",
];

impl LambdaSettings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Values are trimmed; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let optional = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let aws = AwsSettings::from_lookup(&lookup)?;
        let tenant = optional("MYX_TENANT_ID").unwrap_or_else(|| DEFAULT_TENANT.into());
        if !is_valid_tenant_id(&tenant) {
            return Err(SettingsError::Invalid {
                name: "MYX_TENANT_ID",
                reason: "1 to 40 characters of a-z, 0-9, '-' and '_'".into(),
            });
        }
        let max_receive_count = match optional("MYX_STEPS_MAX_RECEIVE_COUNT") {
            None => DEFAULT_MAX_RECEIVE_COUNT,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| SettingsError::Invalid {
                    name: "MYX_STEPS_MAX_RECEIVE_COUNT",
                    reason: "must be a whole number from 1 to 1000 (SQS's range)".into(),
                })?,
        };
        let rate_limit_per_minute = match optional("MYX_RATE_LIMIT_PER_MINUTE") {
            None => Some(DEFAULT_RATE_LIMIT_PER_MINUTE),
            Some(v) => match v.parse::<u32>() {
                Ok(0) => None,
                Ok(n) => Some(n),
                Err(_) => {
                    return Err(SettingsError::Invalid {
                        name: "MYX_RATE_LIMIT_PER_MINUTE",
                        reason: "must be a whole number (0 disables the limit)".into(),
                    })
                }
            },
        };
        Ok(LambdaSettings {
            aws,
            tenant,
            max_receive_count,
            rate_limit_per_minute,
            provider_environment: PROVIDER_ENVIRONMENT
                .iter()
                .filter_map(|&name| optional(name).map(|value| (name, value)))
                .collect(),
        })
    }
}

/// Tenant ids are part of every key (`T#{tenant}#...`): no separators.
fn is_valid_tenant_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn required() -> HashMap<&'static str, &'static str> {
        [
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
            ("MYX_PUBLIC_URL", "https://events.example.com"),
        ]
        .into_iter()
        .collect()
    }

    fn parse(vars: &HashMap<&str, &str>) -> Result<LambdaSettings, SettingsError> {
        LambdaSettings::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn defaults_apply_when_only_the_adapters_settings_are_set() {
        let settings = parse(&required()).unwrap();
        assert_eq!(settings.tenant, "default");
        assert_eq!(settings.max_receive_count, 5);
        assert_eq!(settings.rate_limit_per_minute, Some(60));
        assert!(settings.provider_environment.is_empty());
        assert_eq!(settings.aws.table_name, "myx");
    }

    #[test]
    fn function_settings_are_read() {
        let mut vars = required();
        vars.insert("MYX_TENANT_ID", " acme ");
        vars.insert("MYX_STEPS_MAX_RECEIVE_COUNT", "7");
        vars.insert("MYX_RATE_LIMIT_PER_MINUTE", "0");
        vars.insert("TWILIO_API_BASE", "http://127.0.0.1:9");
        let settings = parse(&vars).unwrap();
        assert_eq!(settings.tenant, "acme");
        assert_eq!(settings.max_receive_count, 7);
        assert_eq!(settings.rate_limit_per_minute, None, "0 disables");
        assert_eq!(
            settings
                .provider_environment
                .get("TWILIO_API_BASE")
                .map(String::as_str),
            Some("http://127.0.0.1:9")
        );
    }

    #[test]
    fn bad_values_are_named() {
        for (name, value) in [
            ("MYX_TENANT_ID", "T#1"),
            ("MYX_TENANT_ID", "Acme"),
            ("MYX_STEPS_MAX_RECEIVE_COUNT", "0"),
            ("MYX_STEPS_MAX_RECEIVE_COUNT", "five"),
            ("MYX_RATE_LIMIT_PER_MINUTE", "-1"),
        ] {
            let mut vars = required();
            vars.insert(name, value);
            match parse(&vars) {
                Err(SettingsError::Invalid { name: named, .. }) => assert_eq!(named, name),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
        let mut vars = required();
        vars.remove("MYX_SECRET_ID");
        assert_eq!(parse(&vars), Err(SettingsError::Missing("MYX_SECRET_ID")));
    }
}
