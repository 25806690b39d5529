//! How many SMS segments a body costs.
//!
//! A body is sent in GSM-7 when every character is in the GSM 03.38
//! alphabet (extension characters such as `€` or `[` cost two septets),
//! otherwise in UCS-2, counted in UTF-16 code units (so an emoji costs two).
//! One segment holds 160 septets or 70 units; a longer body is split into
//! segments of 153 septets or 67 units (the rest is the concatenation
//! header). A two-septet escape sequence or a surrogate pair is never split
//! across segments, as handsets and carriers require, so a segment may hold
//! one unit less.

use super::gsm7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

impl SmsEncoding {
    /// Units one segment holds when the body fits in one.
    pub fn single_segment_capacity(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 160,
            SmsEncoding::Ucs2 => 70,
        }
    }

    /// Units each segment holds when the body takes more than one.
    pub fn multipart_segment_capacity(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 153,
            SmsEncoding::Ucs2 => 67,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsSegments {
    pub encoding: SmsEncoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// 0 for an empty body.
    pub segments: usize,
}

/// The encoding and segment count for `body`.
pub fn count_segments(body: &str) -> SmsSegments {
    let gsm: Option<Vec<usize>> = body.chars().map(gsm7::septets).collect();
    let (encoding, costs) = match gsm {
        Some(costs) => (SmsEncoding::Gsm7, costs),
        None => (
            SmsEncoding::Ucs2,
            body.chars().map(char::len_utf16).collect(),
        ),
    };
    let units = costs.iter().sum();
    let segments = if units == 0 {
        0
    } else if units <= encoding.single_segment_capacity() {
        1
    } else {
        pack(&costs, encoding.multipart_segment_capacity())
    };
    SmsSegments {
        encoding,
        units,
        segments,
    }
}

/// Segments needed when each character's units must stay in one segment.
fn pack(costs: &[usize], capacity: usize) -> usize {
    let mut segments = 1;
    let mut used = 0;
    for &cost in costs {
        if used + cost > capacity {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    segments
}
