//! What moto recorded of the emails sent through SES (v1 and v2 alike),
//! read from `GET {endpoint}/moto-api/data.json`. The record is shared by
//! every test using this moto: find your own message by a unique value.

use serde::Deserialize;

/// `ses.Message[]` (simple sends) and `ses.RawMessage[]` (raw sends).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SentMail {
    #[serde(rename = "Message", default)]
    pub messages: Vec<SesMessage>,
    #[serde(rename = "RawMessage", default)]
    pub raw_messages: Vec<SesRawMessage>,
}

/// A simple send: with both text and HTML bodies moto keeps only the HTML.
#[derive(Debug, Clone, Deserialize)]
pub struct SesMessage {
    pub id: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// `{"ToAddresses": [...], ...}` as sent.
    #[serde(default)]
    pub destinations: serde_json::Value,
}

/// A raw send: the whole MIME message as moto received it.
#[derive(Debug, Clone, Deserialize)]
pub struct SesRawMessage {
    pub id: String,
    #[serde(default)]
    pub source: Option<String>,
    /// The explicit destinations followed by the To/Cc/Bcc headers'
    /// addresses (moto adds both, so an address may appear twice).
    #[serde(default)]
    pub destinations: Vec<String>,
    pub raw_data: String,
}

#[derive(Deserialize)]
struct ModelData {
    #[serde(default)]
    ses: SentMail,
}

impl SentMail {
    /// The raw message SES returned `message_id` for.
    pub fn raw_by_id(&self, message_id: &str) -> Option<&SesRawMessage> {
        self.raw_messages.iter().find(|m| m.id == message_id)
    }
}

/// Every email moto has recorded so far.
pub async fn sent_mail() -> SentMail {
    let url = format!("{}/moto-api/data.json", crate::endpoint());
    let response = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status();
    let body = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: reading the body: {e}"));
    assert!(status.is_success(), "GET {url}: {status}: {body}");
    let data: ModelData =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not model data: {e}"));
    data.ses
}
