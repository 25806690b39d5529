//! The GSM 03.38 default alphabet (3GPP TS 23.038 6.2.1) and its extension
//! table, as mapped to Unicode by the Unicode Consortium's GSM0338.TXT.
//! National language shift tables are not used (carriers rarely support
//! them).

/// The basic table, 0x00 to 0x7F in order, without 0x1B (the escape to the
/// extension table). 0x09 is mapped to `Ç` as GSM0338.TXT does.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: each costs the escape septet plus its own.
const EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// Septets a character costs in GSM-7, or `None` if it has no GSM-7 form.
pub(crate) fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}
