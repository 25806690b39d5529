use crate::common::ts;
use icalendar::{Component, EventLike};
use myx_compose::calendar::{
    calendar_urls, event_uid, google_calendar_url, ics_attachment, outlook_calendar_url, to_ics,
    ICS_CONTENT_TYPE, ICS_FILENAME,
};
use myx_compose::{CalendarError, CalendarEvent};
use std::collections::HashMap;

const STAMP: &str = "2026-12-01T08:00:00Z";

fn event() -> CalendarEvent {
    CalendarEvent {
        uid: event_uid("tenant-1", "evt-42", "myxelium.example"),
        title: "Rust for Funnels".into(),
        description: Some("Learn how funnels adapt to late registrants.".into()),
        start: ts("2026-12-10T17:00:00Z"),
        end: ts("2026-12-10T18:00:00Z"),
        join_url: Some("https://zoom.example/j/123?pwd=abc&uname=Ada".into()),
        location: None,
        url: None,
        sequence: 0,
    }
}

fn ics(event: &CalendarEvent) -> String {
    to_ics(event, ts(STAMP)).unwrap()
}

/// Parses with the `icalendar` parser and returns the single event.
fn parse_event(ics: &str) -> (icalendar::Calendar, icalendar::Event) {
    let calendar: icalendar::Calendar = ics.parse().expect("the .ics parses");
    let events: Vec<icalendar::Event> = calendar.events().cloned().collect();
    assert_eq!(events.len(), 1, "{ics}");
    (calendar, events[0].clone())
}

/// Unfolds by RFC 5545 3.1 (CRLF followed by one space or tab), checking
/// on the way that each physical line is CRLF-terminated, at most 75
/// octets and valid UTF-8 on its own.
fn unfold_checked(ics: &str) -> Vec<String> {
    let bytes = ics.as_bytes();
    assert!(ics.ends_with("\r\n"), "must end with CRLF");
    let mut logical: Vec<String> = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("every line ends with CRLF");
        let line = &rest[..end];
        assert!(
            line.len() <= 75,
            "line of {} octets: {:?}",
            line.len(),
            String::from_utf8_lossy(line)
        );
        assert!(
            !line.contains(&b'\n') && !line.contains(&b'\r'),
            "bare CR or LF"
        );
        let text = std::str::from_utf8(line).expect("a fold split a UTF-8 character");
        match text.strip_prefix([' ', '\t']) {
            Some(continuation) => logical
                .last_mut()
                .expect("a continuation follows a line")
                .push_str(continuation),
            None => logical.push(text.to_string()),
        }
        rest = &rest[end + 2..];
    }
    logical
}

/// The raw (still escaped) value of each property, by name.
fn raw_properties(ics: &str) -> HashMap<String, String> {
    unfold_checked(ics)
        .into_iter()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

#[test]
fn the_ics_parses_back_with_every_field() {
    let text = ics(&event());
    let (calendar, vevent) = parse_event(&text);
    assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
    assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
    assert_eq!(
        calendar.property_value("PRODID"),
        Some("-//Myxelium//Event funnels//EN")
    );
    assert_eq!(vevent.get_uid(), Some("evt-42.tenant-1@myxelium.example"));
    assert_eq!(vevent.get_summary(), Some("Rust for Funnels"));
    assert_eq!(vevent.property_value("DTSTAMP"), Some("20261201T080000Z"));
    assert_eq!(vevent.property_value("DTSTART"), Some("20261210T170000Z"));
    assert_eq!(vevent.property_value("DTEND"), Some("20261210T180000Z"));
    assert_eq!(vevent.property_value("SEQUENCE"), Some("0"));
    assert_eq!(vevent.property_value("STATUS"), Some("CONFIRMED"));
    assert_eq!(
        vevent.get_description(),
        Some(
            "Learn how funnels adapt to late registrants.\n\n\
             Join: https://zoom.example/j/123?pwd=abc&uname=Ada"
        )
    );
    assert_eq!(
        vevent.get_location(),
        Some("https://zoom.example/j/123?pwd=abc&uname=Ada")
    );
    assert_eq!(
        vevent.get_url(),
        Some("https://zoom.example/j/123?pwd=abc&uname=Ada")
    );
    let lines = unfold_checked(&text);
    let components: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("BEGIN:") || l.starts_with("END:"))
        .collect();
    assert_eq!(
        components,
        [
            "BEGIN:VCALENDAR",
            "BEGIN:VEVENT",
            "END:VEVENT",
            "END:VCALENDAR"
        ]
    );
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(!text.contains("TZID"), "times are UTC: {text}");
}

#[test]
fn given_location_and_url_win_over_the_join_link() {
    let mut e = event();
    e.location = Some("Online".into());
    e.url = Some("https://acme.example/events/42".into());
    let (_, vevent) = parse_event(&ics(&e));
    assert_eq!(vevent.get_location(), Some("Online"));
    assert_eq!(vevent.get_url(), Some("https://acme.example/events/42"));
}

#[test]
fn without_a_join_link_there_is_no_location_or_url() {
    let mut e = event();
    e.join_url = None;
    e.description = None;
    let text = ics(&e);
    let raw = raw_properties(&text);
    for name in ["LOCATION", "URL", "DESCRIPTION"] {
        assert!(!raw.contains_key(name), "{name} in {text}");
    }
}

#[test]
fn lines_end_with_crlf_and_long_multibyte_text_folds_on_character_boundaries() {
    let mut e = event();
    let description = "Séminaire en ligne 🎉 日本語のセミナーへようこそ — ümlauts, \
                       emoji 👩‍💻 and CJK 漢字 mixed; with a backslash \\ too. "
        .repeat(12);
    e.description = Some(description.clone());
    e.title = "Ünïcödé Wëbinar 🎉 ".repeat(8);
    let text = ics(&e);
    // unfold_checked asserts CRLF, <= 75 octets and UTF-8 per physical line.
    let logical = unfold_checked(&text);
    assert!(
        text.split("\r\n").count() > logical.len(),
        "nothing was folded"
    );
    let (_, vevent) = parse_event(&text);
    assert_eq!(
        vevent.get_description(),
        Some(
            format!(
                "{}\n\nJoin: https://zoom.example/j/123?pwd=abc&uname=Ada",
                description.trim()
            )
            .as_str()
        )
    );
    assert_eq!(vevent.get_summary(), Some(e.title.as_str()));
}

#[test]
fn every_fold_position_keeps_characters_whole() {
    // Shift a run of 4-byte characters across the 75-octet boundary one
    // byte at a time, so a fold lands at every offset inside a character.
    for pad in 0..8 {
        let mut e = event();
        e.description = Some(format!("{}{}", "x".repeat(pad), "𝄞".repeat(60)));
        let text = ics(&e);
        unfold_checked(&text);
        let (_, vevent) = parse_event(&text);
        assert!(vevent
            .get_description()
            .unwrap()
            .starts_with(e.description.as_deref().unwrap()));
    }
}

#[test]
fn text_values_are_escaped() {
    let mut e = event();
    e.title = r"Q&A; pricing, plans \ more".into();
    e.description = Some("Line one\r\nLine two\rLine three".into());
    let text = ics(&e);
    let raw = raw_properties(&text);
    assert_eq!(raw["SUMMARY"], r"Q&A\; pricing\, plans \\ more");
    assert!(!raw["DESCRIPTION"].contains('\r'));
    let (_, vevent) = parse_event(&text);
    assert_eq!(vevent.get_summary(), Some(r"Q&A; pricing, plans \ more"));
    assert!(vevent
        .get_description()
        .unwrap()
        .starts_with("Line one\nLine two\nLine three\n\nJoin: "));
}

#[test]
fn a_reschedule_keeps_the_uid_and_raises_the_sequence() {
    let original = event();
    let mut moved = event();
    moved.start = ts("2026-12-11T17:00:00Z");
    moved.end = ts("2026-12-11T18:30:00Z");
    moved.sequence = original.sequence + 1;
    let (_, before) = parse_event(&ics(&original));
    let (_, after) = parse_event(&ics(&moved));
    assert_eq!(before.get_uid(), after.get_uid());
    let seq =
        |e: &icalendar::Event| -> u32 { e.property_value("SEQUENCE").unwrap().parse().unwrap() };
    assert!(seq(&after) > seq(&before));
    assert_eq!(after.property_value("DTSTART"), Some("20261211T170000Z"));
    assert_eq!(after.property_value("DTEND"), Some("20261211T183000Z"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(ics(&event()), ics(&event()));
}

#[test]
fn invalid_events_are_refused() {
    let mut e = event();
    e.end = ts("2026-12-10T16:00:00Z");
    assert!(matches!(
        to_ics(&e, ts(STAMP)),
        Err(CalendarError::EndsBeforeStart { .. })
    ));
    let mut e = event();
    e.sequence = u32::MAX;
    assert_eq!(
        to_ics(&e, ts(STAMP)),
        Err(CalendarError::SequenceOutOfRange(u32::MAX))
    );
}

#[test]
fn the_attachment_carries_the_ics() {
    let a = ics_attachment(&event(), ts(STAMP)).unwrap();
    assert_eq!(a.filename, ICS_FILENAME);
    assert_eq!(a.content_type, ICS_CONTENT_TYPE);
    assert!(a.content_type.starts_with("text/calendar"));
    assert!(a.content_type.contains("method=PUBLISH"));
    assert_eq!(a.content, ics(&event()).into_bytes());
}

fn query(link: &str) -> HashMap<String, String> {
    url::Url::parse(link)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn tricky_event() -> CalendarEvent {
    let mut e = event();
    e.title = "Q&A: pricing + plans #1 / 100% café".into();
    e
}

#[test]
fn google_link_carries_every_field_encoded() {
    let link = google_calendar_url(&tricky_event());
    assert!(link.starts_with("https://calendar.google.com/calendar/render?"));
    let raw_query = link.split_once('?').unwrap().1;
    assert!(
        !raw_query.contains('+') && !raw_query.contains(' '),
        "{link}"
    );
    let q = query(&link);
    assert_eq!(q["action"], "TEMPLATE");
    assert_eq!(q["text"], "Q&A: pricing + plans #1 / 100% café");
    assert_eq!(q["dates"], "20261210T170000Z/20261210T180000Z");
    assert_eq!(
        q["details"],
        "Learn how funnels adapt to late registrants.\n\n\
         Join: https://zoom.example/j/123?pwd=abc&uname=Ada"
    );
    assert_eq!(
        q["location"],
        "https://zoom.example/j/123?pwd=abc&uname=Ada"
    );
    assert_eq!(q.len(), 5);
}

#[test]
fn outlook_link_carries_every_field_encoded() {
    let link = outlook_calendar_url(&tricky_event());
    assert!(link.starts_with("https://outlook.live.com/calendar/0/deeplink/compose?"));
    let raw_query = link.split_once('?').unwrap().1;
    assert!(
        !raw_query.contains('+') && !raw_query.contains(' '),
        "{link}"
    );
    let q = query(&link);
    assert_eq!(q["path"], "/calendar/action/compose");
    assert_eq!(q["rru"], "addevent");
    assert_eq!(q["subject"], "Q&A: pricing + plans #1 / 100% café");
    assert_eq!(q["startdt"], "2026-12-10T17:00:00Z");
    assert_eq!(q["enddt"], "2026-12-10T18:00:00Z");
    assert!(q["body"].ends_with("Join: https://zoom.example/j/123?pwd=abc&uname=Ada"));
    assert_eq!(
        q["location"],
        "https://zoom.example/j/123?pwd=abc&uname=Ada"
    );
}

#[test]
fn links_leave_out_an_unknown_location() {
    let mut e = event();
    e.join_url = None;
    assert!(!query(&google_calendar_url(&e)).contains_key("location"));
    assert!(!query(&outlook_calendar_url(&e)).contains_key("location"));
}

#[test]
fn cached_links_follow_the_entry_across_a_reschedule() {
    let before = event();
    let urls = calendar_urls(&before);
    assert_eq!(urls.google, google_calendar_url(&before));
    assert_eq!(urls.outlook, outlook_calendar_url(&before));
    let mut moved = event();
    moved.start = ts("2026-12-11T17:00:00Z");
    moved.end = ts("2026-12-11T18:00:00Z");
    moved.sequence = 1;
    let moved_urls = calendar_urls(&moved);
    assert_eq!(
        query(&moved_urls.google)["dates"],
        "20261211T170000Z/20261211T180000Z"
    );
    assert_eq!(moved_urls.outlook, outlook_calendar_url(&moved));
    assert_eq!(*calendar_urls(&before), *urls);
}
