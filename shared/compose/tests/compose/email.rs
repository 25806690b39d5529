use crate::common::{email_template, full_context, ts, UNSUBSCRIBE_URL};
use mail_parser::{MessageParser, MimeHeaders};
use myx_compose::calendar::{ics_attachment, CalendarEvent};
use myx_compose::email::{LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, ONE_CLICK};
use myx_compose::unsubscribe::{issue, unsubscribe_url, LinkError};
use myx_compose::{
    build_email, to_eml_at, Claims, EmailError, EmailRequest, EmlError, MessageContext, Part,
    RenderError, Scope, UnsubscribeKey,
};
use myx_core::funnel::EmailTemplate;
use myx_core::message::Attachment;
use myx_core::message::OutgoingEmail;

const FROM: &str = "Acme Webinars <events@acme.example>";
const MAILTO: &str = "mailto:unsubscribe@acme.example?subject=unsubscribe";

fn welcome() -> EmailTemplate {
    email_template(
        "You're in, {{ first_name }} ☕",
        "<html><body><h1>Welcome {{ first_name }}</h1>\
         <p>{{ event_title }} starts {{ event_start }}. \
         <a href=\"{{ join_url }}\">Join</a></p></body></html>",
        Some("Welcome {{ first_name }}\n{{ event_title }} starts {{ event_start }}.\nJoin: {{ join_url }}"),
    )
}

fn request<'a>(template: &'a EmailTemplate, context: &'a MessageContext) -> EmailRequest<'a> {
    EmailRequest {
        from: FROM,
        message_id: "0190f1c2-1111-7222-8333-444455556666",
        template,
        context,
        unsubscribe_mailto: None,
        attachments: Vec::new(),
    }
}

fn header<'a>(email: &'a OutgoingEmail, name: &str) -> Option<&'a str> {
    email
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn calendar_event() -> CalendarEvent {
    CalendarEvent {
        uid: "evt-42.tenant-1@myxelium.example".into(),
        title: "Rust for Funnels".into(),
        description: Some("Ünïcödé description for the calendar.".into()),
        start: ts("2026-12-10T17:00:00Z"),
        end: ts("2026-12-10T18:00:00Z"),
        join_url: Some("https://zoom.example/j/123".into()),
        location: None,
        url: None,
        sequence: 1,
    }
}

fn crlf_to_lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[test]
fn the_email_is_rendered_with_footer_and_one_click_headers() {
    let ctx = full_context();
    let email = build_email(request(&welcome(), &ctx)).unwrap();
    assert_eq!(email.from, FROM);
    assert_eq!(email.to, "ada@example.com");
    assert_eq!(email.subject, "You're in, Ada ☕");
    assert_eq!(email.message_id, "0190f1c2-1111-7222-8333-444455556666");
    assert!(email.html.starts_with("<html><body><h1>Welcome Ada</h1>"));
    assert!(email.text.starts_with(
        "Welcome Ada\nRust for Funnels starts Thursday, December 10 at 12:00 PM EST."
    ));
    assert_eq!(
        header(&email, LIST_UNSUBSCRIBE),
        Some(format!("<{UNSUBSCRIBE_URL}>").as_str())
    );
    assert_eq!(header(&email, LIST_UNSUBSCRIBE_POST), Some(ONE_CLICK));
    assert_eq!(ONE_CLICK, "List-Unsubscribe=One-Click");
    assert!(email.attachments.is_empty());
}

#[test]
fn the_footer_is_in_html_and_text() {
    let ctx = full_context();
    let email = build_email(request(&welcome(), &ctx)).unwrap();
    let footer_at = email.html.find("1 Main Street").expect("address in html");
    assert!(
        footer_at < email.html.find("</body>").unwrap(),
        "footer before </body>"
    );
    assert!(email.html.ends_with("</body></html>"));
    assert!(email
        .html
        .contains("Acme Webinars<br>1 Main Street<br>Springfield, IL 62701"));
    let href = format!("href=\"{}\"", UNSUBSCRIBE_URL.replace('&', "&amp;"));
    assert!(email.html.contains(&href), "{}", email.html);
    assert!(email.text.ends_with(&format!(
        "\n\n-- \nAcme Webinars\n1 Main Street\nSpringfield, IL 62701\n\nUnsubscribe: {UNSUBSCRIBE_URL}\n"
    )));
}

#[test]
fn the_footer_is_appended_when_there_is_no_body_tag_and_is_escaped() {
    let mut ctx = full_context();
    ctx.business_name = "Smith & Sons <Ltd>".into();
    ctx.postal_address = "  PO Box 7 \n\n  Leeds \"North\" ".into();
    let t = email_template("Hi", "<p>Hello</p>", None);
    let email = build_email(request(&t, &ctx)).unwrap();
    assert!(
        email.html.starts_with("<p>Hello</p>\n<div"),
        "{}",
        email.html
    );
    assert!(email.html.trim_end().ends_with("</div>"));
    assert!(email
        .html
        .contains("Smith &amp; Sons &lt;Ltd&gt;<br>PO Box 7<br>Leeds \"North\""));
    assert!(email
        .text
        .contains("-- \nSmith & Sons <Ltd>\nPO Box 7\nLeeds \"North\"\n"));
    assert!(
        email.text.starts_with("Hello"),
        "derived text: {}",
        email.text
    );
}

#[test]
fn a_mailto_is_offered_beside_the_https_link() {
    let ctx = full_context();
    let template = welcome();
    let mut req = request(&template, &ctx);
    req.unsubscribe_mailto = Some(MAILTO);
    let email = build_email(req).unwrap();
    assert_eq!(
        header(&email, LIST_UNSUBSCRIBE),
        Some(format!("<{UNSUBSCRIBE_URL}>, <{MAILTO}>").as_str())
    );
}

#[test]
fn compliance_gaps_are_refused() {
    let t = welcome();
    let no_email = MessageContext {
        email: None,
        ..full_context()
    };
    assert_eq!(
        build_email(request(&t, &no_email)).unwrap_err(),
        EmailError::NoRecipient
    );
    let no_link = MessageContext {
        unsubscribe_url: None,
        ..full_context()
    };
    assert_eq!(
        build_email(request(&t, &no_link)).unwrap_err(),
        EmailError::NoUnsubscribeUrl
    );
    let plain_http = MessageContext {
        unsubscribe_url: Some("http://api.example.com/v1/unsubscribe?token=x".into()),
        ..full_context()
    };
    assert!(matches!(
        build_email(request(&t, &plain_http)).unwrap_err(),
        EmailError::BadUnsubscribeUrl(LinkError::NotHttps(_))
    ));
    let no_address = MessageContext {
        postal_address: " \n ".into(),
        ..full_context()
    };
    assert_eq!(
        build_email(request(&t, &no_address)).unwrap_err(),
        EmailError::NoPostalAddress
    );
    let ctx = full_context();
    for bad in [
        "https://acme.example/unsub",
        "mailto:",
        "mailto:a@b.example>, <https://evil.example",
        "not a uri",
    ] {
        let mut req = request(&t, &ctx);
        req.unsubscribe_mailto = Some(bad);
        assert_eq!(
            build_email(req).unwrap_err(),
            EmailError::BadUnsubscribeMailto(bad.into()),
            "{bad}"
        );
    }
}

#[test]
fn render_errors_come_through() {
    let ctx = MessageContext {
        replay_url: None,
        ..full_context()
    };
    let t = email_template("s", "<a href=\"{{ replay_url }}\">Replay</a>", None);
    let err = build_email(request(&t, &ctx)).unwrap_err();
    assert_eq!(
        err,
        EmailError::Render(RenderError::UndefinedVariables {
            part: Part::Html,
            names: vec!["replay_url".into()]
        })
    );
    assert_eq!(err.to_string(), "html: no value for `replay_url`");
}

#[test]
fn the_eml_parses_back_with_headers_and_alternative_parts() {
    let ctx = full_context();
    let template = welcome();
    let mut req = request(&template, &ctx);
    req.unsubscribe_mailto = Some(MAILTO);
    let email = build_email(req).unwrap();
    let eml = to_eml_at(&email, ts("2026-12-01T09:30:00Z")).unwrap();
    let message = MessageParser::default().parse(&eml).expect("parses");

    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Acme Webinars"));
    assert_eq!(from.address(), Some("events@acme.example"));
    assert_eq!(
        message.to().unwrap().first().unwrap().address(),
        Some("ada@example.com")
    );
    assert_eq!(message.subject(), Some("You're in, Ada ☕"));
    assert_eq!(
        message.message_id(),
        Some("0190f1c2-1111-7222-8333-444455556666@acme.example")
    );
    assert_eq!(message.date().unwrap().to_rfc3339(), "2026-12-01T09:30:00Z");
    let unsubscribe: Vec<&str> = message
        .list_unsubscribe()
        .as_address()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(unsubscribe, [UNSUBSCRIBE_URL, MAILTO]);
    assert_eq!(
        message.header_raw(LIST_UNSUBSCRIBE_POST).map(str::trim),
        Some(ONE_CLICK)
    );

    let root = message.root_part().content_type().unwrap();
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(message.attachment_count(), 0);
    assert_eq!(crlf_to_lf(&message.body_text(0).unwrap()), email.text);
    assert_eq!(crlf_to_lf(&message.body_html(0).unwrap()), email.html);
    let text = message.body_text(0).unwrap();
    assert!(text.contains("1 Main Street") && text.contains(UNSUBSCRIBE_URL));
}

#[test]
fn the_eml_carries_the_calendar_in_multipart_mixed() {
    let ctx = full_context();
    let template = welcome();
    let mut req = request(&template, &ctx);
    let ics = ics_attachment(&calendar_event(), ts("2026-12-01T09:00:00Z")).unwrap();
    req.attachments.push(ics.clone());
    let email = build_email(req).unwrap();
    assert_eq!(email.attachments, vec![ics.clone()]);
    let eml = to_eml_at(&email, ts("2026-12-01T09:30:00Z")).unwrap();
    let message = MessageParser::default().parse(&eml).expect("parses");

    let root = message.root_part().content_type().unwrap();
    assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("mixed")));
    assert_eq!(message.attachment_count(), 1);
    let attachment = message.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("invite.ics"));
    let ct = attachment.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("calendar")));
    assert_eq!(ct.attribute("method"), Some("PUBLISH"));
    assert_eq!(attachment.contents(), ics.content.as_slice());
    assert!(String::from_utf8_lossy(attachment.contents()).contains("SEQUENCE:1"));
    assert_eq!(crlf_to_lf(&message.body_text(0).unwrap()), email.text);
    assert_eq!(crlf_to_lf(&message.body_html(0).unwrap()), email.html);
}

#[test]
fn a_real_unsubscribe_link_survives_header_folding() {
    let key = UnsubscribeKey::new(vec![42u8; 32]).unwrap();
    let token = issue(
        &key,
        &Claims {
            tenant_id: "tenant-with-a-rather-long-identifier-0001".into(),
            contact_id: "0190f1c2-aaaa-7bbb-8ccc-123456789abc".into(),
            scope: Scope::All,
            issued_at: ts("2026-12-01T00:00:00Z"),
        },
    );
    let link = unsubscribe_url("https://api.acme.example/base", &token).unwrap();
    assert!(link.len() > 200);
    let ctx = MessageContext {
        unsubscribe_url: Some(link.clone()),
        ..full_context()
    };
    let email = build_email(request(&welcome(), &ctx)).unwrap();
    let eml = to_eml_at(&email, ts("2026-12-01T09:30:00Z")).unwrap();
    for line in String::from_utf8(eml.clone()).unwrap().split("\r\n") {
        assert!(line.len() <= 998, "RFC 5322 line limit");
    }
    let message = MessageParser::default().parse(&eml).unwrap();
    let first = message
        .list_unsubscribe()
        .as_address()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap();
    assert_eq!(first, link);
}

fn plain_email() -> OutgoingEmail {
    OutgoingEmail {
        from: FROM.into(),
        to: "ada@example.com".into(),
        subject: "Hello".into(),
        html: "<p>Hello</p>".into(),
        text: "Hello".into(),
        headers: Vec::new(),
        attachments: Vec::new(),
        message_id: "<already@domain.example>".into(),
        step: None,
        send_ref: None,
    }
}

#[test]
fn a_message_id_with_a_domain_is_kept() {
    let eml = to_eml_at(&plain_email(), ts("2026-12-01T09:30:00Z")).unwrap();
    let message = MessageParser::default().parse(&eml).unwrap();
    assert_eq!(message.message_id(), Some("already@domain.example"));
}

#[test]
fn invalid_emails_are_refused_by_to_eml() {
    let at = ts("2026-12-01T09:30:00Z");
    let mut e = plain_email();
    e.from = "not an address".into();
    assert!(matches!(
        to_eml_at(&e, at),
        Err(EmlError::InvalidAddress { field: "from", .. })
    ));
    let mut e = plain_email();
    e.to = "ada@@example".into();
    let err = to_eml_at(&e, at).unwrap_err();
    assert!(matches!(err, EmlError::InvalidAddress { field: "to", .. }));
    assert!(
        !err.to_string().contains("ada@"),
        "no address in errors: {err}"
    );
    for (name, value) in [
        ("Subject", "injected"),
        ("BCC", "someone@example.com"),
        ("X-Ok", "one\r\nBcc: someone@example.com"),
        ("Bad Name", "v"),
        ("", "v"),
    ] {
        let mut e = plain_email();
        e.headers.push((name.into(), value.into()));
        assert!(
            matches!(to_eml_at(&e, at), Err(EmlError::InvalidHeader { .. })),
            "{name}: {value}"
        );
    }
    let mut e = plain_email();
    e.attachments.push(Attachment {
        filename: "x.bin".into(),
        content_type: "not a content type".into(),
        content: vec![1, 2, 3],
    });
    assert!(matches!(
        to_eml_at(&e, at),
        Err(EmlError::InvalidContentType { .. })
    ));
}

#[test]
fn extra_headers_are_written() {
    let mut e = plain_email();
    e.headers.push(("X-Myx-Step".into(), "welcome".into()));
    let eml = to_eml_at(&e, ts("2026-12-01T09:30:00Z")).unwrap();
    let message = MessageParser::default().parse(&eml).unwrap();
    assert_eq!(
        message.header_raw("X-Myx-Step").map(str::trim),
        Some("welcome")
    );
}
