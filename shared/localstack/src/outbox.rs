//! The outbox: the local email and SMS "provider". Every message is kept in
//! the store (so it survives restarts and `GET /v1/dev/outbox` can list it)
//! and each email is also written as an `.eml` file, in the background
//! ([`crate::eml_files`]).

use crate::eml_files::{Content, EmlFiles};
use async_trait::async_trait;
use myx_compose::to_eml_at;
use myx_engine::{
    Clock, EmailSender, Item, Key, OutgoingEmail, OutgoingSms, QueryOptions, SendError, Sent,
    SmsSender, TableStore,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

const OUTBOX_PK: &str = "OUTBOX";

/// One captured message, as `GET /v1/dev/outbox` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub message_id: String,
    pub to: String,
    pub channel: String,
    pub step: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub headers: BTreeMap<String, String>,
    pub sent_at: jiff::Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eml_path: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn TableStore>,
    clock: Arc<dyn Clock>,
    eml_files: Option<EmlFiles>,
    relay: Option<crate::smtp::SmtpRelay>,
}

impl Outbox {
    /// With `eml_dir`, every email is also written there as an `.eml` file
    /// (by a writer thread this starts).
    pub fn new(
        store: Arc<dyn TableStore>,
        clock: Arc<dyn Clock>,
        eml_dir: Option<PathBuf>,
    ) -> std::io::Result<Self> {
        Ok(Outbox {
            store,
            clock,
            eml_files: eml_dir.map(EmlFiles::start).transpose()?,
            relay: None,
        })
    }

    /// Waits until every `.eml` file of the emails sent so far is written.
    pub async fn flush_files(&self) {
        if let Some(files) = &self.eml_files {
            files.flush().await;
        }
    }

    /// Also relays every email over SMTP (it is still captured here).
    pub fn with_relay(mut self, relay: crate::smtp::SmtpRelay) -> Self {
        self.relay = Some(relay);
        self
    }

    async fn record(&self, entry: &OutboxEntry) -> Result<(), SendError> {
        let key = Key::new(OUTBOX_PK, format!("{}#{}", entry.sent_at, entry.message_id));
        let data = serde_json::to_value(entry).map_err(|e| SendError::Permanent(e.to_string()))?;
        self.store
            .put(Item::new(key, data), myx_engine::Condition::None)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))
    }

    /// Every captured message, oldest first.
    pub async fn entries(&self) -> Result<Vec<OutboxEntry>, myx_engine::StoreError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .query(OUTBOX_PK, &QueryOptions::prefix("").limit(500).after(after))
                .await?;
            for item in &page.items {
                if let Ok(e) = serde_json::from_value::<OutboxEntry>(item.data.clone()) {
                    out.push(e);
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl EmailSender for Outbox {
    async fn send_email(&self, email: &OutgoingEmail) -> Result<Sent, SendError> {
        let now = self.clock.now();
        // With a relay the MIME is built here (the relay needs it, and its
        // errors are the send's); otherwise the file writer builds it.
        let mut content = None;
        if let Some(relay) = &self.relay {
            let bytes = to_eml_at(email, now).map_err(|e| SendError::Permanent(e.to_string()))?;
            relay.send(email, &bytes).await?;
            content = Some(Content::Bytes(bytes));
        }
        let mut eml_path = None;
        let mut eml = None;
        if let Some(files) = &self.eml_files {
            let path = files.path_for(&email.message_id);
            eml_path = Some(path.display().to_string());
            let content = content.unwrap_or_else(|| Content::Email(Box::new(email.clone()), now));
            eml = Some((files, path, content));
        }
        let entry = OutboxEntry {
            message_id: email.message_id.clone(),
            to: email.to.clone(),
            channel: "email".into(),
            step: email.step.clone(),
            subject: Some(email.subject.clone()),
            body: email.text.clone(),
            headers: email.headers.iter().cloned().collect(),
            sent_at: now,
            eml_path,
            attachments: email
                .attachments
                .iter()
                .map(|a| a.filename.clone())
                .collect(),
        };
        self.record(&entry).await?;
        // Only once the entry is recorded: a file never exists for an
        // email the outbox does not hold.
        if let Some((files, path, content)) = eml {
            files.queue(path, content).await;
        }
        Ok(Sent {
            provider: "outbox".into(),
            provider_id: email.message_id.clone(),
            echoes_send_ref: false,
        })
    }
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send_sms(&self, sms: &OutgoingSms) -> Result<Sent, SendError> {
        let entry = OutboxEntry {
            message_id: sms.message_id.clone(),
            to: sms.to.clone(),
            channel: "sms".into(),
            step: sms.step.clone(),
            subject: None,
            body: sms.body.clone(),
            headers: BTreeMap::new(),
            sent_at: self.clock.now(),
            eml_path: None,
            attachments: Vec::new(),
        };
        self.record(&entry).await?;
        Ok(Sent {
            provider: "outbox".into(),
            provider_id: sms.message_id.clone(),
            echoes_send_ref: false,
        })
    }
}
