use myx_compose::sms::OPT_OUT_TEXT;
use myx_compose::{compose_sms, count_segments, SmsEncoding, SmsSegments};

fn gsm(units: usize, segments: usize) -> SmsSegments {
    SmsSegments {
        encoding: SmsEncoding::Gsm7,
        units,
        segments,
    }
}

fn ucs2(units: usize, segments: usize) -> SmsSegments {
    SmsSegments {
        encoding: SmsEncoding::Ucs2,
        units,
        segments,
    }
}

#[test]
fn gsm7_single_and_multipart_limits() {
    assert_eq!(count_segments(&"a".repeat(160)), gsm(160, 1));
    assert_eq!(count_segments(&"a".repeat(161)), gsm(161, 2));
    assert_eq!(count_segments(&"a".repeat(306)), gsm(306, 2));
    assert_eq!(count_segments(&"a".repeat(307)), gsm(307, 3));
    assert_eq!(count_segments(&"a".repeat(459)), gsm(459, 3));
    assert_eq!(count_segments(&"a".repeat(460)), gsm(460, 4));
}

#[test]
fn an_empty_body_has_no_segments() {
    assert_eq!(count_segments(""), gsm(0, 0));
}

#[test]
fn extension_characters_cost_two_septets() {
    assert_eq!(count_segments("€"), gsm(2, 1));
    assert_eq!(
        count_segments(&format!("€{}", "a".repeat(158))),
        gsm(160, 1)
    );
    assert_eq!(
        count_segments(&format!("€{}", "a".repeat(159))),
        gsm(161, 2)
    );
    let extension = "€[]{}~^\\|\u{000C}";
    assert_eq!(count_segments(extension), gsm(20, 1));
}

#[test]
fn the_basic_alphabet_stays_gsm7_at_one_septet_each() {
    let basic = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                 ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\n\r";
    let n = basic.chars().count();
    assert_eq!(count_segments(basic), gsm(n, 1));
    // é is in the basic table: 70 of them are still one GSM-7 segment.
    assert_eq!(count_segments(&"é".repeat(70)), gsm(70, 1));
    assert_eq!(count_segments(&"é".repeat(160)), gsm(160, 1));
}

#[test]
fn characters_outside_gsm7_switch_to_ucs2() {
    for c in ['’', '`', 'ç', 'д', '中', 'ğ', '\u{00A0}'] {
        let body = format!("Hello {c}");
        assert_eq!(
            count_segments(&body).encoding,
            SmsEncoding::Ucs2,
            "{c:?} is not GSM-7"
        );
    }
}

#[test]
fn ucs2_single_and_multipart_limits() {
    assert_eq!(count_segments(&"д".repeat(70)), ucs2(70, 1));
    assert_eq!(count_segments(&"д".repeat(71)), ucs2(71, 2));
    assert_eq!(count_segments(&"д".repeat(134)), ucs2(134, 2));
    assert_eq!(count_segments(&"д".repeat(135)), ucs2(135, 3));
    // One non-GSM character makes the whole body UCS-2.
    assert_eq!(count_segments(&format!("{}д", "a".repeat(70))), ucs2(71, 2));
}

#[test]
fn emoji_count_as_two_utf16_units() {
    assert_eq!(count_segments("😀"), ucs2(2, 1));
    assert_eq!(count_segments(&"😀".repeat(35)), ucs2(70, 1));
    assert_eq!(count_segments(&"😀".repeat(36)), ucs2(72, 2));
    // A ZWJ sequence: woman (2) + ZWJ (1) + laptop (2).
    assert_eq!(count_segments("👩‍💻"), ucs2(5, 1));
}

#[test]
fn an_escape_sequence_is_never_split_across_segments() {
    // 152 + 2 + 152 = 306 septets, two segments by arithmetic, but the €
    // cannot straddle the first boundary: it moves to the second segment.
    let body = format!("{}€{}", "a".repeat(152), "a".repeat(152));
    assert_eq!(count_segments(&body), gsm(306, 3));
}

#[test]
fn a_surrogate_pair_is_never_split_across_segments() {
    let body = format!("{}😀{}", "д".repeat(66), "д".repeat(66));
    assert_eq!(count_segments(&body), ucs2(134, 3));
}

#[test]
fn capacities_are_the_standard_ones() {
    assert_eq!(SmsEncoding::Gsm7.single_segment_capacity(), 160);
    assert_eq!(SmsEncoding::Gsm7.multipart_segment_capacity(), 153);
    assert_eq!(SmsEncoding::Ucs2.single_segment_capacity(), 70);
    assert_eq!(SmsEncoding::Ucs2.multipart_segment_capacity(), 67);
}

#[test]
fn the_first_message_names_the_sender_and_says_how_to_opt_out() {
    assert_eq!(
        compose_sms("See you Thursday at 12:00 PM EST", "Acme Webinars", true),
        "Acme Webinars: See you Thursday at 12:00 PM EST\nReply STOP to opt out"
    );
    assert_eq!(OPT_OUT_TEXT, "Reply STOP to opt out");
}

#[test]
fn later_messages_only_name_the_sender() {
    assert_eq!(
        compose_sms("  Starting in 1 hour  ", "Acme Webinars", false),
        "Acme Webinars: Starting in 1 hour"
    );
}

#[test]
fn the_sender_is_not_named_twice_nor_opt_out_repeated() {
    assert_eq!(
        compose_sms("Acme Webinars: see you December 10", "Acme Webinars", false),
        "Acme Webinars: see you December 10"
    );
    assert_eq!(
        compose_sms(
            "ACME WEBINARS here. Reply stop to end.",
            "Acme Webinars",
            true
        ),
        "ACME WEBINARS here. Reply stop to end."
    );
}

#[test]
fn no_business_name_means_no_prefix() {
    assert_eq!(
        compose_sms("Hello", "  ", true),
        "Hello\nReply STOP to opt out"
    );
}

#[test]
fn the_composed_body_stays_gsm7_when_its_parts_are() {
    let body = compose_sms("See you soon", "Acme", true);
    assert_eq!(count_segments(&body), gsm(body.chars().count(), 1));
}
