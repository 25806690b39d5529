//! Everything a function needs, built once per cold start: the settings,
//! the app secret (read once), the AWS adapters and the engine over them,
//! and the webhook secrets. Invocations share it.

use crate::error::InitError;
use crate::send::SendFunction;
use crate::senders;
use crate::settings::LambdaSettings;
use aws_config::SdkConfig;
use myx_aws::{AppSecrets, DynamoStore, SchedulerTimers, SecretsCache, SesSender, SqsQueue};
use myx_engine::{Clock, Engine, EngineConfig, SystemClock, UuidV7Ids};
use myx_http::{ApiState, RateLimit, WebhookSettings};
use std::num::NonZeroU32;
use std::sync::Arc;

/// The HTTP functions and the routes each serves (`template.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpFunction {
    /// Public: enrollment, calendar file, unsubscribe, health.
    Enroll,
    /// Operators: funnels, events, timelines, behind an API key.
    Admin,
    /// Provider callbacks, each verified by its signature.
    Webhooks,
}

impl HttpFunction {
    pub fn name(self) -> &'static str {
        match self {
            HttpFunction::Enroll => "enroll",
            HttpFunction::Admin => "admin",
            HttpFunction::Webhooks => "webhooks",
        }
    }
}

/// Built once per cold start.
#[derive(Clone)]
pub struct App {
    pub settings: LambdaSettings,
    pub engine: Engine,
    pub secrets: AppSecrets,
    pub webhooks: WebhookSettings,
    /// The steps queue's client (the send function changes visibility with it).
    pub sqs: aws_sdk_sqs::Client,
    /// The enrollment route's per-address limit, shared by every
    /// invocation of this execution environment.
    pub rate_limit: Option<RateLimit>,
}

impl App {
    /// From the Lambda environment: the settings, the SDK's own
    /// configuration (region, credentials, `AWS_ENDPOINT_URL`), the system
    /// clock.
    pub async fn from_env() -> Result<App, InitError> {
        let settings = LambdaSettings::from_env()?;
        let sdk = aws_config::load_from_env().await;
        App::new(&sdk, settings, Arc::new(SystemClock)).await
    }

    /// Reads the app secret and builds the adapters and the engine.
    pub async fn new(
        sdk: &SdkConfig,
        settings: LambdaSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<App, InitError> {
        let aws = &settings.aws;
        let secrets = SecretsCache::new(sdk, &aws.secret_id).get().await?.clone();
        let unsubscribe_key =
            secrets
                .unsubscribe_key
                .clone()
                .ok_or_else(|| InitError::NoUnsubscribeKey {
                    secret_id: aws.secret_id.clone(),
                })?;
        let providers = senders::provider_settings(&settings, &secrets)?;
        let email = senders::email_sender(
            &providers,
            SesSender::new(sdk, &aws.ses_configuration_set),
            clock.clone(),
        )?;
        let sms = senders::sms_sender(&providers)?;
        let conferencing = senders::conferencing(&providers, clock.clone())?;
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let engine = Engine {
            store: Arc::new(DynamoStore::new(sdk, &aws.table_name)),
            timers: Arc::new(SchedulerTimers::new(sdk, aws.schedule_target())),
            queue: Arc::new(SqsQueue::from_client(sqs.clone(), &aws.steps_queue_url)),
            email,
            sms,
            conferencing,
            clock,
            ids: Arc::new(UuidV7Ids),
            config: Arc::new(EngineConfig::new(&aws.public_url, unsubscribe_key)),
            funnels: Arc::default(),
            tenants: Arc::default(),
        };
        let webhooks = WebhookSettings::from_providers(&providers, Some(settings.tenant.clone()));
        let rate_limit = settings
            .rate_limit_per_minute
            .and_then(NonZeroU32::new)
            .map(RateLimit::per_minute);
        Ok(App {
            settings,
            engine,
            secrets,
            webhooks,
            sqs,
            rate_limit,
        })
    }

    /// Writes the default tenant and its admin key ([`crate::bootstrap`]).
    pub async fn bootstrap_default_tenant(&self) -> Result<crate::Bootstrapped, InitError> {
        crate::bootstrap::default_tenant(&self.engine, &self.settings, &self.secrets)
            .await
            .map_err(|source| InitError::Bootstrap {
                tenant: self.settings.tenant.clone(),
                source,
            })
    }

    /// The routes `function` serves, over this app's engine.
    pub fn router(&self, function: HttpFunction) -> axum::Router {
        let state = ApiState::new(self.engine.clone());
        match function {
            HttpFunction::Enroll => {
                myx_http::public_router(state.with_rate_limit(self.rate_limit.clone()))
            }
            HttpFunction::Admin => myx_http::admin_router(state),
            HttpFunction::Webhooks => {
                myx_http::webhooks_router(state.with_webhooks(self.webhooks.clone()))
            }
        }
    }

    /// The send function's SQS batch handler.
    pub fn send_function(&self) -> SendFunction {
        SendFunction::new(
            self.engine.clone(),
            self.sqs.clone(),
            self.settings.aws.steps_queue_url.clone(),
            self.settings.max_receive_count,
        )
    }
}
