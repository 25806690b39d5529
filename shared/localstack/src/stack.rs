//! Composing the local stack: one SQLite file (or memory) for the store,
//! queue and timers; the outbox as email and SMS provider (or Twilio and
//! Resend, when configured, behind failover when more than one provider of
//! a channel is given); Zoom registrants, when configured; a dev tenant
//! with an admin API key; a real or virtual clock.

use crate::driver::Driver;
use crate::outbox::Outbox;
use jiff::Timestamp;
use myx_compose::UnsubscribeKey;
use myx_engine::records::TenantRecord;
use myx_engine::{
    tenants, Clock, Conferencing, EmailSender, Engine, EngineConfig, ManualClock, NoConferencing,
    SmsSender, SystemClock, UuidV7Ids,
};
use myx_http::{ApiState, RateLimit, WebhookSettings};
use myx_local::LocalDb;
use myx_providers::sns::{HttpsSnsFetch, SnsFetch};
use myx_providers::{failover, ProviderSettings, ResendEmail, TwilioSms, ZoomConferencing};
use std::fmt;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Folder for the SQLite file, the unsubscribe key and `.eml` files;
    /// `None` keeps everything in memory (tests, the simulator).
    pub data_dir: Option<PathBuf>,
    pub public_url: String,
    /// Start a virtual clock at this instant instead of using the system clock.
    pub virtual_start: Option<Timestamp>,
    /// The dev tenant's admin API key.
    pub admin_key: String,
    /// Requests per minute per address on public routes; `None` disables.
    pub rate_limit_per_minute: Option<u32>,
    /// Also relay email over SMTP (`smtp://host:port`).
    pub smtp_relay: Option<String>,
}

/// Adapters given in code rather than settings: providers the settings
/// cannot name (an embedding program's own, a test's), and the SNS fetch.
#[derive(Clone, Default)]
pub struct ExtraAdapters {
    /// Email providers tried, in this order, before Resend.
    pub email: Vec<(String, Arc<dyn EmailSender>)>,
    /// SMS providers tried, in this order, before Twilio.
    pub sms: Vec<(String, Arc<dyn SmsSender>)>,
    /// Where SNS certificates and subscription confirmations go (default:
    /// HTTPS to SNS; tests serve them from memory).
    pub sns_fetch: Option<Arc<dyn SnsFetch>>,
}

impl fmt::Debug for ExtraAdapters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let email: Vec<&str> = self.email.iter().map(|(n, _)| n.as_str()).collect();
        let sms: Vec<&str> = self.sms.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ExtraAdapters")
            .field("email", &email)
            .field("sms", &sms)
            .field("sns_fetch", &self.sns_fetch.is_some())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("opening the local database: {0}")]
    Db(#[from] myx_local::LocalError),
    #[error("data folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("unsubscribe key: {0}")]
    Key(String),
    #[error("{0}")]
    Relay(#[from] crate::smtp::RelayUrlError),
    #[error("setting up the dev tenant: {0}")]
    Engine(#[from] myx_engine::EngineError),
    #[error("provider settings: {0}")]
    Provider(#[from] myx_providers::ConfigError),
}

pub const DEV_TENANT: &str = "dev";

pub struct LocalStack {
    pub engine: Engine,
    pub driver: Arc<Driver>,
    pub outbox: Outbox,
    pub virtual_clock: Option<Arc<ManualClock>>,
    pub rate_limit: Option<RateLimit>,
    /// Webhook secrets (Twilio, Resend) the API verifies requests with.
    pub webhooks: WebhookSettings,
    _db: LocalDb,
}

impl LocalStack {
    /// The stack with the outbox as the only email and SMS provider.
    pub async fn open(options: StackOptions) -> Result<Self, StackError> {
        Self::open_with(options, ProviderSettings::default()).await
    }

    /// With Twilio settings, SMS go to Twilio's API (or `TWILIO_API_BASE`)
    /// instead of the outbox; with Resend's, email goes to Resend; with
    /// Zoom's, Zoom events' registrants are added through Zoom's API (or
    /// `ZOOM_API_BASE`). The
    /// webhook secrets verify the provider webhooks; inbound SMS belong to
    /// the dev tenant.
    pub async fn open_with(
        options: StackOptions,
        providers: ProviderSettings,
    ) -> Result<Self, StackError> {
        Self::open_with_adapters(options, providers, ExtraAdapters::default()).await
    }

    /// As [`Self::open_with`], plus providers and adapters given in code.
    /// Per channel the providers are, in order: `extra`'s, then the
    /// configured one (Resend, Twilio); two or more fail over with a
    /// circuit breaker each ([`failover`]); none: the outbox.
    pub async fn open_with_adapters(
        options: StackOptions,
        providers: ProviderSettings,
        extra: ExtraAdapters,
    ) -> Result<Self, StackError> {
        let db = match &options.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                LocalDb::open(dir.join("myx.sqlite3"))?
            }
            None => LocalDb::open_in_memory()?,
        };
        let virtual_clock = options.virtual_start.map(|t| Arc::new(ManualClock::new(t)));
        let clock: Arc<dyn Clock> = match &virtual_clock {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        let store = Arc::new(db.store());
        let queue = db.queue(clock.clone());
        let timers = db.timers();
        let eml_dir = options.data_dir.as_ref().map(|d| d.join("outbox"));
        let mut outbox = Outbox::new(store.clone(), clock.clone(), eml_dir)?;
        if let Some(url) = &options.smtp_relay {
            outbox = outbox.with_relay(crate::smtp::SmtpRelay::from_url(url)?);
        }
        let key = UnsubscribeKey::new(unsubscribe_secret(options.data_dir.as_ref())?)
            .map_err(|e| StackError::Key(e.to_string()))?;
        let mut sms_providers = extra.sms;
        if let Some(config) = &providers.twilio {
            let mut config = config.clone();
            if config.status_callback.is_none() {
                config = config.with_public_url(&options.public_url);
            }
            let twilio: Arc<dyn SmsSender> = Arc::new(TwilioSms::new(config)?);
            sms_providers.push((myx_providers::twilio::client::PROVIDER.into(), twilio));
        }
        let mut email_providers = extra.email;
        if let Some(config) = &providers.resend {
            let resend: Arc<dyn EmailSender> = Arc::new(ResendEmail::new(config.clone())?);
            email_providers.push((myx_providers::resend::client::PROVIDER.into(), resend));
        }
        let sms =
            failover::sms(clock.clone(), sms_providers).unwrap_or_else(|| Arc::new(outbox.clone()));
        let email = failover::email(clock.clone(), email_providers)
            .unwrap_or_else(|| Arc::new(outbox.clone()));
        let conferencing: Arc<dyn Conferencing> = match &providers.zoom {
            Some(config) => Arc::new(ZoomConferencing::new(config.clone(), clock.clone())?),
            None => Arc::new(NoConferencing),
        };
        let engine = Engine {
            store,
            timers: Arc::new(timers.clone()),
            queue: Arc::new(queue.clone()),
            email,
            sms,
            conferencing,
            clock,
            ids: Arc::new(UuidV7Ids),
            config: Arc::new(EngineConfig::new(&options.public_url, key)),
            funnels: Arc::default(),
            tenants: Arc::default(),
        };
        tenants::put_tenant(
            &engine,
            &TenantRecord {
                id: DEV_TENANT.into(),
                business_name: "Myxelium Dev".into(),
                postal_address: "1 Example Street, Springfield, 00000".into(),
                sender_email: "events@myxelium.test".into(),
                sms_from: Some("+15005550006".into()),
            },
        )
        .await?;
        tenants::add_api_key(&engine, DEV_TENANT, &options.admin_key).await?;
        let driver = Arc::new(Driver::new(
            engine.clone(),
            queue,
            timers,
            virtual_clock.clone(),
        ));
        let rate_limit = options
            .rate_limit_per_minute
            .and_then(NonZeroU32::new)
            .map(RateLimit::per_minute);
        Ok(LocalStack {
            engine,
            driver,
            outbox,
            virtual_clock,
            rate_limit,
            webhooks: WebhookSettings::from_providers_with(
                &providers,
                Some(DEV_TENANT.into()),
                extra
                    .sns_fetch
                    .unwrap_or_else(|| Arc::new(HttpsSnsFetch::default())),
            ),
            _db: db,
        })
    }

    /// The API routes plus the dev-only routes.
    pub fn router(&self) -> axum::Router {
        let api = myx_http::router(
            ApiState::new(self.engine.clone())
                .with_rate_limit(self.rate_limit.clone())
                .with_webhooks(self.webhooks.clone()),
        );
        api.merge(crate::dev_routes::router(
            self.driver.clone(),
            self.outbox.clone(),
        ))
    }
}

/// The unsubscribe HMAC secret: kept in the data folder so links stay valid
/// across restarts; random per process in memory.
fn unsubscribe_secret(dir: Option<&PathBuf>) -> Result<Vec<u8>, StackError> {
    let fresh = || {
        let mut b = uuid::Uuid::new_v4().as_bytes().to_vec();
        b.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        b
    };
    let Some(dir) = dir else { return Ok(fresh()) };
    let path = dir.join("unsubscribe.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= UnsubscribeKey::MIN_LEN => Ok(bytes),
        _ => {
            let secret = fresh();
            std::fs::write(&path, &secret)?;
            Ok(secret)
        }
    }
}
