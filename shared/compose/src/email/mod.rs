//! The final email for a step: the template rendered, the CAN-SPAM footer
//! (postal address and unsubscribe link) appended to html and text, the
//! RFC 2369 / RFC 8058 one-click unsubscribe headers, and attachments
//! (the welcome step's `.ics`). [`to_eml`] writes it as an RFC 5322 message.
//!
//! The footer is added to every email, also when the template shows its
//! own unsubscribe link: compliance does not depend on how a template is
//! written.

mod eml;
mod footer;
mod list_unsubscribe;

use crate::render::{render_email, RenderError};
use crate::unsubscribe::{check_one_click_url, LinkError};
use crate::variables::MessageContext;
use myx_core::funnel::EmailTemplate;
use myx_core::message::Attachment;
use myx_core::message::OutgoingEmail;

pub use eml::{to_eml, to_eml_at, EmlError};
pub use list_unsubscribe::{LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, ONE_CLICK};

/// What one email is made of.
#[derive(Debug, Clone)]
pub struct EmailRequest<'a> {
    /// The sender, e.g. `Acme Webinars <events@acme.example>`.
    pub from: &'a str,
    /// Our id for the message (correlates provider events).
    pub message_id: &'a str,
    pub template: &'a EmailTemplate,
    /// The recipient (its `email` is the address sent to), the event and
    /// the sender; its `unsubscribe_url` and `postal_address` are required.
    pub context: &'a MessageContext,
    /// A `mailto:` URI offered in `List-Unsubscribe` beside the https link.
    pub unsubscribe_mailto: Option<&'a str>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the contact has no email address")]
    NoRecipient,
    #[error("a marketing email needs an unsubscribe link (CAN-SPAM, RFC 8058)")]
    NoUnsubscribeUrl,
    #[error("the unsubscribe link is unusable: {0}")]
    BadUnsubscribeUrl(#[from] LinkError),
    #[error("the unsubscribe mailto {0:?} is not a plain mailto: URI")]
    BadUnsubscribeMailto(String),
    #[error("a marketing email needs the sender's postal address (CAN-SPAM)")]
    NoPostalAddress,
}

/// Builds the email for one step and recipient.
pub fn build_email(request: EmailRequest<'_>) -> Result<OutgoingEmail, EmailError> {
    let context = request.context;
    let to = context
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or(EmailError::NoRecipient)?;
    let unsubscribe_url = context
        .unsubscribe_url
        .as_deref()
        .ok_or(EmailError::NoUnsubscribeUrl)?;
    check_one_click_url(unsubscribe_url)?;
    if context.postal_address.trim().is_empty() {
        return Err(EmailError::NoPostalAddress);
    }
    let headers = list_unsubscribe::headers(unsubscribe_url, request.unsubscribe_mailto)?;
    let rendered = render_email(request.template, &context.variables())?;
    let footer = footer::Footer {
        business_name: &context.business_name,
        postal_address: &context.postal_address,
        unsubscribe_url,
    };
    Ok(OutgoingEmail {
        from: request.from.to_string(),
        to: to.to_string(),
        subject: rendered.subject,
        html: footer.append_to_html(&rendered.html),
        text: footer.append_to_text(&rendered.text),
        headers,
        attachments: request.attachments,
        message_id: request.message_id.to_string(),
        step: None,
        send_ref: None,
    })
}
