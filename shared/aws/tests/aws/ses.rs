//! Email through SES v2 (moto): the raw MIME message is read back from
//! moto's record of sent mail and parsed.

use mail_parser::{MessageParser, MimeHeaders};
use myx_aws::SesSender;
use myx_engine::ports::senders::Attachment;
use myx_engine::{EmailSender, OutgoingEmail, SendError};

const UNSUBSCRIBE: &str = "<https://events.example.com/u/tok123>";

fn email(from: &str, subject: &str) -> OutgoingEmail {
    OutgoingEmail {
        from: format!("Acme Events <{from}>"),
        to: "ada@example.org".into(),
        subject: subject.into(),
        html: "<p>See you there.</p>".into(),
        text: "See you there.".into(),
        headers: vec![
            ("List-Unsubscribe".into(), UNSUBSCRIBE.into()),
            (
                "List-Unsubscribe-Post".into(),
                "List-Unsubscribe=One-Click".into(),
            ),
        ],
        attachments: vec![Attachment {
            filename: "invite.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
            content: b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n".to_vec(),
        }],
        message_id: "msg_0190abc".into(),
        step: Some("welcome".into()),
        send_ref: None,
    }
}

async fn verified_sender(config: &aws_config::SdkConfig) -> String {
    let sender = format!("{}@example.com", myx_emulator::unique_name("events"));
    myx_emulator::create_email_identity(config, &sender).await;
    sender
}

#[tokio::test]
async fn sends_the_raw_mime_message_with_unsubscribe_headers_and_ics() {
    let config = myx_emulator::sdk_config();
    let sender = verified_sender(&config).await;
    let configuration_set = myx_emulator::create_configuration_set(&config).await;
    let ses = SesSender::new(&config, configuration_set);
    let subject = format!("Welcome {}", myx_emulator::unique_name("s"));

    let sent = ses
        .send_email(&email(&sender, &subject))
        .await
        .expect("sent");
    assert_eq!(sent.provider, "ses");
    assert!(!sent.provider_id.is_empty());

    let mail = myx_emulator::sent_mail().await;
    let raw = mail
        .raw_by_id(&sent.provider_id)
        .expect("moto recorded the raw message under SES's MessageId");
    assert!(
        raw.destinations
            .iter()
            .any(|d| d.contains("ada@example.org")),
        "{:?}",
        raw.destinations
    );
    let message = MessageParser::default()
        .parse(raw.raw_data.as_bytes())
        .expect("the MIME parses");
    assert_eq!(message.subject(), Some(subject.as_str()));
    assert_eq!(
        message.header_raw("List-Unsubscribe").map(str::trim),
        Some(UNSUBSCRIBE)
    );
    assert_eq!(
        message.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(message
        .message_id()
        .is_some_and(|id| id.starts_with("msg_0190abc@")));
    assert_eq!(
        message.body_text(0).as_deref().map(str::trim),
        Some("See you there.")
    );
    assert_eq!(message.attachment_count(), 1);
    let attachment = message.attachment(0).expect("the .ics");
    assert_eq!(attachment.attachment_name(), Some("invite.ics"));
    assert!(String::from_utf8_lossy(attachment.contents()).contains("BEGIN:VCALENDAR"));
}

#[tokio::test]
async fn an_unverified_sender_is_permanent_and_the_error_holds_no_address() {
    let config = myx_emulator::sdk_config();
    let ses = SesSender::new(
        &config,
        myx_emulator::create_configuration_set(&config).await,
    );
    let unverified = format!("{}@unverified.example", myx_emulator::unique_name("nobody"));
    let result = ses.send_email(&email(&unverified, "Hello")).await;
    let Err(SendError::Permanent(message)) = result else {
        panic!("expected a permanent error, got {result:?}");
    };
    assert!(message.contains("MessageRejected"), "{message}");
    assert!(!message.contains('@'), "no address in errors: {message}");
}

#[tokio::test]
async fn a_message_that_cannot_be_built_is_permanent() {
    let config = myx_emulator::sdk_config();
    let sender = verified_sender(&config).await;
    let ses = SesSender::new(&config, "myx");
    let mut bad = email(&sender, "Hello");
    bad.to = "not an address".into();
    let result = ses.send_email(&bad).await;
    assert!(matches!(result, Err(SendError::Permanent(_))), "{result:?}");
}

#[tokio::test]
async fn an_outage_is_transient() {
    let ses = SesSender::new(&myx_emulator::unreachable_sdk_config(), "myx");
    let result = ses.send_email(&email("events@example.com", "Hello")).await;
    assert!(matches!(result, Err(SendError::Transient(_))), "{result:?}");
}
