//! Provider failover through the public senders: a transient failure moves
//! on to the next provider (whose name the send records), a permanent one
//! does not; after 5 consecutive failures a provider's breaker opens and
//! it is skipped; 5 minutes later (ManualClock) one trial goes through,
//! and its success closes the breaker.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use myx_engine::{
    Clock, EmailSender, ManualClock, OutgoingEmail, OutgoingSms, SendError, Sent, SmsSender,
};
use myx_providers::failover::{self, BreakerState, FailoverEmail, FailoverSms};
use myx_providers::resend::{ResendConfig, ResendEmail};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Sends,
    Transient,
    Permanent,
}

/// A provider that answers from a script (then `otherwise`), counting calls.
struct Scripted {
    provider: &'static str,
    script: Mutex<VecDeque<Outcome>>,
    otherwise: Mutex<Outcome>,
    calls: AtomicUsize,
    /// While set, a send waits for it to be notified.
    gate: Mutex<Option<Arc<Notify>>>,
}

impl Scripted {
    fn new(provider: &'static str, otherwise: Outcome) -> Arc<Self> {
        Arc::new(Scripted {
            provider,
            script: Mutex::new(VecDeque::new()),
            otherwise: Mutex::new(otherwise),
            calls: AtomicUsize::new(0),
            gate: Mutex::new(None),
        })
    }

    fn set(&self, otherwise: Outcome) {
        *self.otherwise.lock().unwrap() = otherwise;
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn answer(&self) -> Result<Sent, SendError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let gate = self.gate.lock().unwrap().clone();
        if let Some(gate) = gate {
            gate.notified().await;
        }
        let outcome = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(*self.otherwise.lock().unwrap());
        match outcome {
            Outcome::Sends => Ok(Sent {
                provider: self.provider.into(),
                provider_id: format!("{}-{n}", self.provider),
                echoes_send_ref: false,
            }),
            Outcome::Transient => Err(SendError::Transient(format!("{} is down", self.provider))),
            Outcome::Permanent => Err(SendError::Permanent(format!(
                "{} refused the message",
                self.provider
            ))),
        }
    }
}

#[async_trait]
impl EmailSender for Scripted {
    async fn send_email(&self, _: &OutgoingEmail) -> Result<Sent, SendError> {
        self.answer().await
    }
}

#[async_trait]
impl SmsSender for Scripted {
    async fn send_sms(&self, _: &OutgoingSms) -> Result<Sent, SendError> {
        self.answer().await
    }
}

fn email() -> OutgoingEmail {
    OutgoingEmail {
        from: "events@myxelium.test".into(),
        to: "ada@example.com".into(),
        subject: "Welcome".into(),
        html: "<p>hi</p>".into(),
        text: "hi".into(),
        headers: vec![],
        attachments: vec![],
        message_id: "msg_1".into(),
        step: Some("welcome".into()),
        send_ref: None,
    }
}

fn start() -> Timestamp {
    "2026-12-01T10:00:00Z".parse().unwrap()
}

fn chain(clock: &Arc<ManualClock>) -> (Arc<Scripted>, Arc<Scripted>, FailoverEmail) {
    let ses = Scripted::new("ses", Outcome::Sends);
    let resend = Scripted::new("resend", Outcome::Sends);
    let chain = FailoverEmail::email(clock.clone())
        .then("ses", ses.clone())
        .then("resend", resend.clone());
    (ses, resend, chain)
}

#[tokio::test]
async fn a_transient_failure_fails_over_and_the_second_provider_is_recorded() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, resend, chain) = chain(&clock);
    ses.set(Outcome::Transient);
    let sent = chain.send_email(&email()).await.unwrap();
    assert_eq!(sent.provider, "resend");
    assert_eq!(sent.provider_id, "resend-0");
    assert_eq!((ses.calls(), resend.calls()), (1, 1));
    // Healthy again: the first provider is first again.
    ses.set(Outcome::Sends);
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "ses");
    assert_eq!(resend.calls(), 1);
}

#[tokio::test]
async fn a_permanent_failure_does_not_fail_over() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, resend, chain) = chain(&clock);
    ses.set(Outcome::Permanent);
    let e = chain.send_email(&email()).await.unwrap_err();
    assert_eq!(e, SendError::Permanent("ses refused the message".into()));
    assert_eq!(resend.calls(), 0);
}

#[tokio::test]
async fn the_breaker_opens_after_five_failures_and_half_opens_after_five_minutes() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, resend, chain) = chain(&clock);
    ses.set(Outcome::Transient);
    for n in 1..=5 {
        assert_eq!(chain.send_email(&email()).await.unwrap().provider, "resend");
        assert_eq!(ses.calls(), n);
    }
    let open_until = start() + SignedDuration::from_mins(5);
    assert_eq!(
        chain.states()[0],
        ("ses".to_string(), BreakerState::Open { until: open_until })
    );
    // Open: skipped, even once it would have recovered.
    ses.set(Outcome::Sends);
    clock.advance_to(start() + SignedDuration::from_secs(299));
    for _ in 0..3 {
        assert_eq!(chain.send_email(&email()).await.unwrap().provider, "resend");
    }
    assert_eq!(ses.calls(), 5, "not called while open");

    // Half-open after 5 minutes: one trial; it fails, so open again.
    ses.set(Outcome::Transient);
    clock.advance_to(open_until);
    assert_eq!(chain.states()[0].1, BreakerState::HalfOpen);
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "resend");
    assert_eq!(ses.calls(), 6, "one trial");
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "resend");
    assert_eq!(ses.calls(), 6, "open again after the failed trial");
    assert_eq!(resend.calls(), 10, "every send so far went to resend");

    // Five more minutes: the trial succeeds and closes the breaker.
    ses.set(Outcome::Sends);
    clock.advance_to(open_until + SignedDuration::from_mins(5));
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "ses");
    assert_eq!(chain.states()[0].1, BreakerState::Closed);
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "ses");
    assert_eq!(ses.calls(), 8);
}

#[tokio::test]
async fn failures_must_be_consecutive_to_open_the_breaker() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, _resend, chain) = chain(&clock);
    for _ in 0..3 {
        ses.script.lock().unwrap().extend([Outcome::Transient; 4]);
        ses.script.lock().unwrap().push_back(Outcome::Sends);
        for _ in 0..5 {
            chain.send_email(&email()).await.unwrap();
        }
    }
    assert_eq!(chain.states()[0].1, BreakerState::Closed);
    assert_eq!(ses.calls(), 15);
}

#[tokio::test]
async fn half_open_lets_only_one_trial_through_at_a_time() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, resend, chain) = chain(&clock);
    ses.set(Outcome::Transient);
    for _ in 0..5 {
        chain.send_email(&email()).await.unwrap();
    }
    clock.advance_to(start() + SignedDuration::from_mins(5));
    ses.set(Outcome::Sends);
    let gate = Arc::new(Notify::new());
    *ses.gate.lock().unwrap() = Some(gate.clone());
    let chain = Arc::new(chain);
    let trial = tokio::spawn({
        let chain = chain.clone();
        async move { chain.send_email(&email()).await }
    });
    // Wait (bounded) until the trial has reached the provider.
    for _ in 0..100_000 {
        if ses.calls() >= 6 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(ses.calls(), 6, "the trial reached the provider");
    // While the trial is in flight, others go to the next provider.
    let before = resend.calls();
    assert_eq!(chain.send_email(&email()).await.unwrap().provider, "resend");
    assert_eq!((ses.calls(), resend.calls()), (6, before + 1));
    gate.notify_one();
    assert_eq!(trial.await.unwrap().unwrap().provider, "ses");
    assert_eq!(chain.states()[0].1, BreakerState::Closed);
}

#[tokio::test]
async fn when_every_provider_fails_the_send_is_transient_and_names_them() {
    let clock = Arc::new(ManualClock::new(start()));
    let (ses, resend, chain) = chain(&clock);
    ses.set(Outcome::Transient);
    resend.set(Outcome::Transient);
    let e = chain.send_email(&email()).await.unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("ses is down") && m.contains("resend is down")),
        "{e}"
    );
    for _ in 0..4 {
        let _ = chain.send_email(&email()).await;
    }
    // Both open: nothing is called, and the queue's retry comes later.
    let e = chain.send_email(&email()).await.unwrap_err();
    assert!(
        matches!(&e, SendError::Transient(m) if m.contains("circuit open: ses, resend")),
        "{e}"
    );
    assert_eq!((ses.calls(), resend.calls()), (5, 5));
}

#[tokio::test]
async fn sms_fails_over_the_same_way() {
    let clock = Arc::new(ManualClock::new(start()));
    let first = Scripted::new("twilio", Outcome::Transient);
    let second = Scripted::new("backup-sms", Outcome::Sends);
    let chain = FailoverSms::sms(clock.clone())
        .then("twilio", first.clone())
        .then("backup-sms", second.clone());
    let sms = OutgoingSms {
        from: "+15005550006".into(),
        to: "+14155550123".into(),
        body: "hi".into(),
        message_id: "msg_1".into(),
        step: None,
        send_ref: None,
    };
    assert_eq!(chain.send_sms(&sms).await.unwrap().provider, "backup-sms");
    assert_eq!(first.calls(), 1);
}

#[tokio::test]
async fn one_provider_is_used_as_is_and_none_is_none() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start()));
    let none: Vec<(&str, Arc<dyn EmailSender>)> = vec![];
    assert!(failover::email(clock.clone(), none).is_none());
    let only = Scripted::new("ses", Outcome::Transient);
    let only_sender: Arc<dyn EmailSender> = only.clone();
    let sender = failover::email(clock.clone(), vec![("ses", only_sender)]).unwrap();
    // No breaker around a lone provider: the queue's retries reach it.
    for _ in 0..7 {
        assert!(sender.send_email(&email()).await.is_err());
    }
    assert_eq!(only.calls(), 7);
    let ses = Scripted::new("ses", Outcome::Transient);
    let resend = Scripted::new("resend", Outcome::Sends);
    let providers: Vec<(&str, Arc<dyn EmailSender>)> = vec![("ses", ses), ("resend", resend)];
    let sender = failover::email(clock, providers).unwrap();
    assert_eq!(
        sender.send_email(&email()).await.unwrap().provider,
        "resend"
    );
}

#[tokio::test]
async fn a_real_503_fails_over_to_the_next_real_provider() {
    let down = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&down)
        .await;
    let up = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "re_up"})))
        .mount(&up)
        .await;
    let sender = |server: &MockServer| -> Arc<dyn EmailSender> {
        Arc::new(
            ResendEmail::new(ResendConfig::new("re_key").with_api_base(&server.uri())).unwrap(),
        )
    };
    let clock = Arc::new(ManualClock::new(start()));
    let chain = FailoverEmail::email(clock)
        .then("resend-eu", sender(&down))
        .then("resend-us", sender(&up));
    let sent = chain.send_email(&email()).await.unwrap();
    assert_eq!(sent.provider_id, "re_up");
    assert_eq!(down.received_requests().await.unwrap().len(), 1);
}
