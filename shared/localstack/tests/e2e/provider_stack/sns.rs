//! SNS and SES as the end-to-end tests need them: the fixture certificate
//! (shared/providers/tests/fixtures/sns) served from memory, messages
//! signed with the fixture key the way SNS signs (SignatureVersion 2,
//! string to sign written out here independently of the verifier), and an
//! SES stand-in that records each email under provider "ses".

use super::ProviderServer;
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use myx_engine::{EmailSender, OutgoingEmail, SendError, Sent};
use myx_providers::sns::InMemorySnsFetch;
use reqwest::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub const SES_PATH: &str = "/v1/webhooks/ses";
/// What SNS sends its JSON as.
pub const SNS_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";

#[derive(Deserialize, Clone)]
pub struct Fixture {
    pub topic_arn: String,
    pub cert_url: String,
    pub cert_pem: String,
    pub private_key_pkcs8: String,
    pub cases: Vec<FixtureCase>,
}

#[derive(Deserialize, Clone)]
pub struct FixtureCase {
    pub name: String,
    pub body: String,
}

pub fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../providers/tests/fixtures/sns/vectors.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

impl Fixture {
    /// The certificate at its URL, and a record of confirmations.
    pub fn fetch(&self) -> Arc<InMemorySnsFetch> {
        Arc::new(InMemorySnsFetch::new().with_certificate(&self.cert_url, self.cert_pem.clone()))
    }

    pub fn case(&self, name_starts: &str) -> &FixtureCase {
        self.cases
            .iter()
            .find(|c| c.name.starts_with(name_starts))
            .unwrap()
    }

    /// Signs `message` as SNS does (SignatureVersion 2, the fixture's
    /// certificate URL).
    pub fn sign(&self, message: &mut Map<String, Value>) {
        message.insert("SignatureVersion".into(), json!("2"));
        message.insert("SigningCertURL".into(), json!(self.cert_url));
        let der = STANDARD.decode(&self.private_key_pkcs8).unwrap();
        let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            string_to_sign(message).as_bytes(),
            &mut signature,
        )
        .unwrap();
        message.insert("Signature".into(), json!(STANDARD.encode(signature)));
    }

    /// A signed Notification from the fixture topic carrying `message`.
    pub fn notification(&self, message_id: &str, message: &Value, at: &str) -> Value {
        let mut m = Map::new();
        m.insert("Type".into(), json!("Notification"));
        m.insert("MessageId".into(), json!(message_id));
        m.insert("TopicArn".into(), json!(self.topic_arn));
        m.insert(
            "Subject".into(),
            json!("Amazon SES Email Event Notification"),
        );
        m.insert("Message".into(), json!(message.to_string()));
        m.insert("Timestamp".into(), json!(at));
        m.insert(
            "UnsubscribeURL".into(),
            json!("https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"),
        );
        self.sign(&mut m);
        Value::Object(m)
    }
}

/// AWS's documented string to sign.
fn string_to_sign(m: &Map<String, Value>) -> String {
    let names: &[&str] = if m["Type"] == "Notification" {
        &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ]
    } else {
        &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ]
    };
    names
        .iter()
        .filter_map(|n| {
            m.get(*n)
                .and_then(Value::as_str)
                .map(|v| format!("{n}\n{v}\n"))
        })
        .collect()
}

/// An SES event as a configuration set publishes it.
pub fn ses_event(kind: &str, ses_message_id: &str, detail: Value) -> Value {
    let detail_name = match kind {
        "DeliveryDelay" => "deliveryDelay".to_string(),
        other => other.to_lowercase(),
    };
    json!({
        "eventType": kind,
        "mail": {
            "timestamp": "2026-12-01T15:00:00.000Z",
            "source": "events@myxelium.test",
            "messageId": ses_message_id,
            "destination": ["ada@example.com"],
            "tags": {"ses:configuration-set": ["myx"]}
        },
        detail_name: detail,
    })
}

impl ProviderServer {
    /// Posts a body to the SES webhook as SNS does (text/plain JSON and
    /// the message type header).
    pub async fn post_sns(&self, body: &Value) -> Response {
        let mut request = self
            .client
            .post(self.url(SES_PATH))
            .header("content-type", SNS_CONTENT_TYPE)
            .body(serde_json::to_vec(body).unwrap());
        if let Some(kind) = body.get("Type").and_then(Value::as_str) {
            request = request.header("x-amz-sns-message-type", kind);
        }
        request.send().await.unwrap()
    }
}

/// Stands in for SES: answers like SES v2 SendEmail (a MessageId), numbered
/// in arrival order, and remembers (step, recipient, id) and the send's
/// reference, which SES's events carry back as the `myx_send` tag; or fails
/// transiently.
#[derive(Default)]
pub struct StubSes {
    sent: Mutex<Vec<(String, String, String)>>,
    refs: Mutex<std::collections::HashMap<String, String>>,
    down: AtomicBool,
    attempts: std::sync::atomic::AtomicUsize,
}

impl StubSes {
    pub fn new() -> Arc<Self> {
        Arc::new(StubSes::default())
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// (step, SES MessageId) of every email accepted, in order.
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent_to()
            .into_iter()
            .map(|(step, _, id)| (step, id))
            .collect()
    }

    /// (step, recipient, SES MessageId) of every email accepted, in order.
    pub fn sent_to(&self) -> Vec<(String, String, String)> {
        self.sent.lock().unwrap().clone()
    }

    /// An SES event about the email SES knows as `ses_message_id`, with
    /// the tags SES copies from the send (ours: the send's reference).
    pub fn event(&self, kind: &str, ses_message_id: &str, detail: Value) -> Value {
        let mut event = ses_event(kind, ses_message_id, detail);
        if let Some(reference) = self.refs.lock().unwrap().get(ses_message_id) {
            event["mail"]["tags"][myx_engine::send_ref::SES_TAG] = json!([reference]);
        }
        event
    }

    pub fn id_for(&self, step: &str) -> String {
        self.sent()
            .into_iter()
            .find(|(s, _)| s == step)
            .map(|(_, id)| id)
            .unwrap_or_else(|| panic!("{step} went through SES"))
    }
}

#[async_trait]
impl EmailSender for StubSes {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(SendError::Transient("ses: could not connect".into()));
        }
        let mut sent = self.sent.lock().unwrap();
        let id = format!(
            "0100018c{:08x}-7b3e9a51-2c4d-4f0e-9a8b-1c2d3e4f5a6b-000000",
            sent.len()
        );
        sent.push((
            email.step.clone().unwrap_or_default(),
            email.to.clone(),
            id.clone(),
        ));
        if let Some(reference) = &email.send_ref {
            self.refs
                .lock()
                .unwrap()
                .insert(id.clone(), reference.clone());
        }
        Ok(Sent {
            provider: "ses".into(),
            provider_id: id,
            echoes_send_ref: email.send_ref.is_some(),
        })
    }
}
