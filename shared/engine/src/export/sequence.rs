//! Stream sequence numbers: decimal digits (DynamoDB's run past 20 digits,
//! more than a `u64` holds), compared as numbers, not as strings.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A validated sequence number. Only ASCII digits, so it is safe in an
/// object name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sequence(String);

/// DynamoDB documents sequence numbers of 21 to 40 digits; anything much
/// longer is not one.
const MAX_DIGITS: usize = 64;

impl Sequence {
    /// `None` unless `text` is 1 to 64 ASCII digits.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = !text.is_empty()
            && text.len() <= MAX_DIGITS
            && text.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| Sequence(text.to_string()))
    }

    pub fn from_u64(n: u64) -> Self {
        Sequence(n.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without leading zeros (`"0"` for zero).
    fn significant(&self) -> &str {
        let trimmed = self.0.trim_start_matches('0');
        if trimmed.is_empty() {
            "0"
        } else {
            trimmed
        }
    }
}

impl Ord for Sequence {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.significant(), other.significant());
        a.len()
            .cmp(&b.len())
            .then_with(|| a.cmp(b))
            // Equal values written differently ("07", "7"): any fixed order.
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Sequence {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Sequence {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Sequence::parse(&text).ok_or_else(|| "a sequence number is decimal digits".to_string())
    }
}

impl From<Sequence> for String {
    fn from(seq: Sequence) -> String {
        seq.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(s: &str) -> Sequence {
        Sequence::parse(s).unwrap()
    }

    #[test]
    fn compares_as_numbers() {
        assert!(seq("9") < seq("10"));
        assert!(seq("4000000000012345678900") < seq("4000000000012345679000"));
        assert!(seq("99999999999999999999") < seq("100000000000000000000"));
        assert!(seq("007") < seq("8"));
        assert_eq!(seq("5").cmp(&seq("5")), Ordering::Equal);
    }

    #[test]
    fn only_digits_are_sequence_numbers() {
        for bad in ["", "-1", "1.5", "12a", "../1", " 1", &"1".repeat(65)] {
            assert_eq!(Sequence::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Sequence::from_u64(42).as_str(), "42");
        assert!(serde_json::from_str::<Sequence>("\"x\"").is_err());
        assert_eq!(serde_json::to_string(&seq("12")).unwrap(), "\"12\"");
    }
}
