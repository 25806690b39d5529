//! Per channel, an ordered list of providers: each send goes to the first
//! whose circuit breaker lets it through; a transient failure (timeout,
//! 429, 5xx) moves on to the next, a permanent one (the message itself was
//! refused) is the answer. Which provider sent is what its [`Sent`] says,
//! and the engine records that with the message (webhooks find it there).
//!
//! A transient failure can hide a send that happened (a timeout after the
//! provider accepted): failing over then sends twice, exactly as the
//! engine's own retry of a transient failure would. Resend's idempotency
//! key does not help across providers; this is the price of not losing
//! the message while a provider is down.
//!
//! The Lambdas compose SES then Resend ([`email`]); the local stack
//! composes what is configured (README, "Providers and webhooks").

pub mod breaker;

pub use breaker::{BreakerPolicy, BreakerState};

use async_trait::async_trait;
use breaker::{Breaker, Transition};
use myx_engine::{Clock, EmailSender, OutgoingEmail, OutgoingSms, SendError, Sent, SmsSender};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Sent, SendError>> + Send + 'a>>;

struct Provider<S: ?Sized> {
    name: String,
    sender: Arc<S>,
    breaker: Breaker,
}

/// Senders of one channel in order, each behind its own breaker.
pub struct Failover<S: ?Sized> {
    channel: &'static str,
    providers: Vec<Provider<S>>,
    policy: BreakerPolicy,
    clock: Arc<dyn Clock>,
}

pub type FailoverEmail = Failover<dyn EmailSender>;
pub type FailoverSms = Failover<dyn SmsSender>;

impl<S: ?Sized> fmt::Debug for Failover<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.providers.iter().map(|p| p.name.as_str()).collect();
        f.debug_struct("Failover")
            .field("channel", &self.channel)
            .field("providers", &names)
            .field("policy", &self.policy)
            .finish()
    }
}

impl<S: ?Sized + Send + Sync> Failover<S> {
    fn empty(channel: &'static str, clock: Arc<dyn Clock>) -> Self {
        Failover {
            channel,
            providers: Vec::new(),
            policy: BreakerPolicy::default(),
            clock,
        }
    }

    /// Breakers made after this use `policy` (set it before adding providers).
    pub fn with_policy(mut self, policy: BreakerPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Adds the next provider in order; `name` names it in logs and states.
    pub fn then(mut self, name: impl Into<String>, sender: Arc<S>) -> Self {
        self.providers.push(Provider {
            name: name.into(),
            sender,
            breaker: Breaker::new(self.policy),
        });
        self
    }

    /// Every provider's name and breaker state, in order.
    pub fn states(&self) -> Vec<(String, BreakerState)> {
        let now = self.clock.now();
        self.providers
            .iter()
            .map(|p| (p.name.clone(), p.breaker.state(now)))
            .collect()
    }

    async fn send_with<'a, F>(&'a self, send: F) -> Result<Sent, SendError>
    where
        F: Fn(&'a S) -> SendFuture<'a> + Send + Sync + 'a,
    {
        let mut failures: Vec<String> = Vec::new();
        let mut skipped: Vec<&str> = Vec::new();
        for provider in &self.providers {
            let Some(attempt) = provider.breaker.try_acquire(self.clock.now()) else {
                skipped.push(&provider.name);
                continue;
            };
            match send(&provider.sender).await {
                Ok(sent) => {
                    if attempt.succeeded() == Transition::Closed {
                        tracing::info!(channel = self.channel, provider = %provider.name, "provider circuit closed");
                    }
                    return Ok(sent);
                }
                Err(SendError::Permanent(message)) => {
                    // The provider answered: it is up, and another would
                    // refuse the same message.
                    let _ = attempt.succeeded();
                    return Err(SendError::Permanent(message));
                }
                Err(SendError::Transient(message)) => {
                    if attempt.failed(self.clock.now()) == Transition::Opened {
                        tracing::warn!(channel = self.channel, provider = %provider.name, "provider circuit opened");
                    }
                    tracing::warn!(channel = self.channel, provider = %provider.name, error = %message, "transient send failure; trying the next provider");
                    failures.push(format!("{}: {message}", provider.name));
                }
            }
        }
        let mut parts = failures;
        if !skipped.is_empty() {
            parts.push(format!("circuit open: {}", skipped.join(", ")));
        }
        Err(SendError::Transient(format!(
            "no {} provider could send ({})",
            self.channel,
            if parts.is_empty() {
                "none configured".to_string()
            } else {
                parts.join("; ")
            }
        )))
    }
}

impl Failover<dyn EmailSender> {
    pub fn email(clock: Arc<dyn Clock>) -> Self {
        Failover::empty("email", clock)
    }
}

impl Failover<dyn SmsSender> {
    pub fn sms(clock: Arc<dyn Clock>) -> Self {
        Failover::empty("sms", clock)
    }
}

#[async_trait]
impl EmailSender for Failover<dyn EmailSender> {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        self.send_with(|sender| sender.send_email(email)).await
    }
}

#[async_trait]
impl SmsSender for Failover<dyn SmsSender> {
    async fn send_sms(&self, sms: &OutgoingSms) -> Result<Sent, SendError> {
        self.send_with(|sender| sender.send_sms(sms)).await
    }
}

/// The email sender for an ordered list of providers: `None` for none, the
/// provider itself for one, a [`FailoverEmail`] with the default breaker
/// for more. The Lambdas call `email(clock, vec![("ses", ses), ("resend", resend)])`.
pub fn email<N: Into<String>>(
    clock: Arc<dyn Clock>,
    providers: impl IntoIterator<Item = (N, Arc<dyn EmailSender>)>,
) -> Option<Arc<dyn EmailSender>> {
    compose(providers, || Failover::email(clock))
}

/// The SMS sender for an ordered list of providers, as [`email`].
pub fn sms<N: Into<String>>(
    clock: Arc<dyn Clock>,
    providers: impl IntoIterator<Item = (N, Arc<dyn SmsSender>)>,
) -> Option<Arc<dyn SmsSender>> {
    compose(providers, || Failover::sms(clock))
}

fn compose<S: ?Sized + Send + Sync + 'static, N: Into<String>>(
    providers: impl IntoIterator<Item = (N, Arc<S>)>,
    failover: impl FnOnce() -> Failover<S>,
) -> Option<Arc<S>>
where
    Failover<S>: Into<Arc<S>>,
{
    let mut providers: Vec<(N, Arc<S>)> = providers.into_iter().collect();
    match providers.len() {
        0 => None,
        1 => providers.pop().map(|(_, sender)| sender),
        _ => {
            let chain = providers
                .into_iter()
                .fold(failover(), |chain, (name, sender)| chain.then(name, sender));
            Some(chain.into())
        }
    }
}

impl From<Failover<dyn EmailSender>> for Arc<dyn EmailSender> {
    fn from(f: Failover<dyn EmailSender>) -> Self {
        Arc::new(f)
    }
}

impl From<Failover<dyn SmsSender>> for Arc<dyn SmsSender> {
    fn from(f: Failover<dyn SmsSender>) -> Self {
        Arc::new(f)
    }
}
