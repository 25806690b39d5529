use crate::common::{email_template, full_context, minimal_context};
use myx_compose::render::html_to_text;
use myx_compose::{render, render_email, render_sms, Part, RenderError, Rendered};
use myx_core::funnel::{SmsTemplate, Template};
use myx_core::Channel;

fn hostile_context() -> myx_compose::MessageContext {
    let mut ctx = full_context();
    ctx.first_name = "<script>alert('x')</script>".into();
    ctx
}

#[test]
fn html_is_escaped_and_the_other_parts_are_verbatim() {
    let ctx = hostile_context();
    let vars = ctx.variables();
    let t = email_template(
        "Hi {{ first_name }}",
        "<p>Hi {{ first_name }}</p>",
        Some("Hi {{ first_name }}"),
    );
    let email = render_email(&t, &vars).unwrap();
    assert_eq!(email.subject, "Hi <script>alert('x')</script>");
    assert_eq!(email.text, "Hi <script>alert('x')</script>");
    assert_eq!(
        email.html,
        "<p>Hi &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>"
    );
    let sms = render_sms(
        &SmsTemplate {
            body: "Hi {{ first_name }}".into(),
        },
        &vars,
    )
    .unwrap();
    assert_eq!(sms, "Hi <script>alert('x')</script>");
}

#[test]
fn urls_in_html_stay_readable() {
    let vars = full_context().variables();
    let t = email_template("s", "<a href=\"{{ join_url }}\">Join</a>", Some("t"));
    let html = render_email(&t, &vars).unwrap().html;
    assert_eq!(
        html,
        "<a href=\"https://zoom.example/j/123?pwd=abc&amp;uname=Ada\">Join</a>"
    );
}

#[test]
fn safe_marked_values_are_not_escaped_again() {
    let vars = full_context().variables();
    let t = email_template("s", "{{ '<b>bold</b>' | safe }}", Some("t"));
    assert_eq!(render_email(&t, &vars).unwrap().html, "<b>bold</b>");
}

#[test]
fn a_missing_variable_names_the_variable_and_the_part() {
    let vars = minimal_context().variables();
    let cases = [
        (
            email_template("Replay: {{ replay_url }}", "<p></p>", Some("t")),
            Part::Subject,
            "replay_url",
        ),
        (
            email_template("s", "<p>{{ custom.company }}</p>", Some("t")),
            Part::Html,
            "custom.company",
        ),
        (
            email_template("s", "<p></p>", Some("Join at {{ join_url }}")),
            Part::Text,
            "join_url",
        ),
    ];
    for (template, part, name) in cases {
        let err = render_email(&template, &vars).unwrap_err();
        assert_eq!(
            err,
            RenderError::UndefinedVariables {
                part,
                names: vec![name.to_string()]
            }
        );
        let message = err.to_string();
        assert!(
            message.contains(part.as_str()) && message.contains(name),
            "{message}"
        );
    }
    let err = render_sms(
        &SmsTemplate {
            body: "{{ business_name }}: {{ join_url }}".into(),
        },
        &vars,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "sms body: no value for `join_url`");
}

#[test]
fn every_missing_variable_is_listed_sorted() {
    let vars = minimal_context().variables();
    let t = email_template(
        "{{ replay_url }} {{ email }} {{ first_name }}",
        "x",
        Some("t"),
    );
    assert_eq!(
        render_email(&t, &vars).unwrap_err(),
        RenderError::UndefinedVariables {
            part: Part::Subject,
            names: vec!["email".into(), "replay_url".into()]
        }
    );
}

#[test]
fn optional_values_can_be_guarded() {
    let t = email_template(
        "s",
        "{% if replay_url %}<a href=\"{{ replay_url }}\">Replay</a>{% else %}Soon{% endif %}",
        Some("{% if custom.company %}{{ custom.company }}{% endif %}."),
    );
    let without = render_email(&t, &minimal_context().variables()).unwrap();
    assert_eq!(without.html, "Soon");
    assert_eq!(without.text, ".");
    let with = render_email(&t, &full_context().variables()).unwrap();
    assert_eq!(
        with.html,
        "<a href=\"https://replay.example/r/9\">Replay</a>"
    );
    assert_eq!(with.text, "Analytical Engines Ltd.");
}

#[test]
fn plain_text_is_derived_from_html_when_absent_and_keeps_links() {
    let vars = full_context().variables();
    let t = email_template(
        "s",
        "<html><head><style>p { color: red; }</style></head><body>\
         <h1>Hello {{ first_name }}</h1>\
         <p>Fish &amp; chips at {{ event_time }}. <a href=\"{{ join_url }}\">Join the webinar</a></p>\
         </body></html>",
        None,
    );
    let text = render_email(&t, &vars).unwrap().text;
    assert!(text.contains("Hello Ada"), "{text}");
    assert!(text.contains("Fish & chips at 12:00 PM EST"), "{text}");
    assert!(text.contains("Join the webinar"), "{text}");
    assert!(
        text.contains("https://zoom.example/j/123?pwd=abc&uname=Ada"),
        "{text}"
    );
    assert!(!text.contains('<') && !text.contains("color"), "{text}");
}

#[test]
fn long_links_are_not_wrapped_in_derived_text() {
    let url = format!("https://example.com/{}", "segment/".repeat(30));
    let text = html_to_text(&format!("<p>See <a href=\"{url}\">this page</a> now.</p>")).unwrap();
    assert!(text.contains(&url), "{text}");
}

#[test]
fn a_given_text_part_is_used_as_written() {
    let vars = full_context().variables();
    let t = email_template("s", "<p>html</p>", Some("Plain {{ first_name }}"));
    assert_eq!(render_email(&t, &vars).unwrap().text, "Plain Ada");
}

#[test]
fn the_subject_is_one_line() {
    let vars = full_context().variables();
    let t = email_template("  Hi {{ first_name }},\r\n  you're\tin  \n", "x", Some("t"));
    assert_eq!(
        render_email(&t, &vars).unwrap().subject,
        "Hi Ada, you're in"
    );
}

#[test]
fn render_picks_the_channel_and_refuses_one_the_template_lacks() {
    let vars = full_context().variables();
    let template = Template {
        email: None,
        sms: Some(SmsTemplate {
            body: "  {{ business_name }}: see you {{ event_date }}  \n".into(),
        }),
    };
    assert_eq!(
        render(&template, Channel::Sms, &vars).unwrap(),
        Rendered::Sms("Acme Webinars: see you December 10".into())
    );
    let err = render(&template, Channel::Email, &vars).unwrap_err();
    assert_eq!(err, RenderError::NoContentForChannel(Channel::Email));
    assert_eq!(err.to_string(), "the template has no email content");
}

#[test]
fn syntax_errors_name_the_part_and_line() {
    let vars = full_context().variables();
    let t = email_template("s", "<p>\n{{ first_name </p>", Some("t"));
    match render_email(&t, &vars).unwrap_err() {
        RenderError::Template { part, message } => {
            assert_eq!(part, Part::Html);
            assert!(message.contains("line 2"), "{message}");
        }
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[test]
fn filters_work_and_a_filter_on_a_missing_value_is_an_error() {
    let vars = full_context().variables();
    let t = email_template("{{ first_name | upper }}", "x", Some("t"));
    assert_eq!(render_email(&t, &vars).unwrap().subject, "ADA");
    let t = email_template("{{ replay_url | upper }}", "x", Some("t"));
    assert_eq!(
        render_email(&t, &minimal_context().variables()).unwrap_err(),
        RenderError::UndefinedVariables {
            part: Part::Subject,
            names: vec!["replay_url".into()]
        }
    );
}

#[test]
fn a_changed_template_is_compiled_anew_not_served_from_the_cache() {
    let vars = full_context().variables();
    let first = email_template("Hi {{ first_name }}", "<p>Hi</p>", Some("t"));
    let changed = email_template("Bye {{ first_name }}", "<p>Hi</p>", Some("t"));
    let a = render_email(&first, &vars).unwrap().subject;
    let b = render_email(&changed, &vars).unwrap().subject;
    let again = render_email(&first, &vars).unwrap().subject;
    assert_eq!(a, format!("Hi {}", full_context().first_name));
    assert_eq!(b, format!("Bye {}", full_context().first_name));
    assert_eq!(again, a);
}

#[test]
fn one_source_in_several_parts_keeps_each_parts_escaping() {
    // Compiled templates are cached by part and source: the html part's
    // auto-escaping must not leak into the subject or text of the same source.
    let vars = hostile_context().variables();
    let t = email_template(
        "{{ first_name }}",
        "{{ first_name }}",
        Some("{{ first_name }}"),
    );
    for _ in 0..2 {
        let email = render_email(&t, &vars).unwrap();
        assert_eq!(email.subject, "<script>alert('x')</script>");
        assert_eq!(email.text, "<script>alert('x')</script>");
        assert_eq!(
            email.html,
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
        );
    }
}

/// The text part as html2text makes it from this message's rendered HTML.
fn text_of_rendered_html(t: &myx_core::funnel::EmailTemplate) -> String {
    let html = render_email(t, &full_context().variables()).unwrap().html;
    html_to_text(&html).unwrap()
}

#[test]
fn text_derived_from_the_template_equals_text_derived_from_each_message() {
    // Templates of text and `{{ }}` only are converted once, then rendered:
    // the same text as converting each message's HTML (where no line wraps).
    let t = email_template(
        "s",
        "<p>Hi {{ first_name }},</p>\
         <p>You're registered for <strong>{{ event_title }}</strong> on {{ event_date }}.</p>\
         <p><a href=\"{{ join_url }}\">Your join link</a> · \
         <a href=\"{{ google_calendar_url }}\">Google</a></p>\
         <ul><li>Fish &amp; chips</li><li>{{ custom.company }}</li></ul>",
        None,
    );
    let text = render_email(&t, &full_context().variables()).unwrap().text;
    assert_eq!(text, text_of_rendered_html(&t));
    assert!(
        text.contains("[1]: https://zoom.example/j/123?pwd=abc&uname=Ada"),
        "{text}"
    );
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"), "{text:?}");
}

#[test]
fn derived_text_carries_values_verbatim_not_html_escaped() {
    let vars = hostile_context().variables();
    let t = email_template("s", "<p>Hi {{ first_name }} &amp; co</p>", None);
    let text = render_email(&t, &vars).unwrap().text;
    assert_eq!(text, "Hi <script>alert('x')</script> & co\n");
}

#[test]
fn templates_with_blocks_or_escaped_braces_are_converted_per_message() {
    // A block around a link: converting the template would leave the
    // link's footnote outside the block.
    let mut ctx = full_context();
    ctx.join_url = None;
    let vars = ctx.variables();
    let t = email_template(
        "s",
        "<p>Hello.</p>{% if join_url %}<p><a href=\"{{ join_url }}\">Join</a></p>{% endif %}",
        None,
    );
    let email = render_email(&t, &vars).unwrap();
    assert_eq!(email.text, html_to_text(&email.html).unwrap());
    assert!(!email.text.contains("[1]"), "{}", email.text);
    // Braces written as entities are text, not an expression.
    let t = email_template("s", "<p>Write &#123;&#123; name &#125;&#125;.</p>", None);
    let text = render_email(&t, &full_context().variables()).unwrap().text;
    assert_eq!(text, "Write {{ name }}.\n");
}
