//! Funnel durations such as `90m`, `24h`, `7d` or `1h30m`.
//!
//! A day is exactly 24 hours here: `after_registration: 1d` means "24 hours
//! later", not "the same wall time tomorrow" (use `days_before_event` + `at`
//! for wall-clock anchoring).

use jiff::SignedDuration;
use std::fmt;
use std::str::FromStr;

/// A non-negative length of time, typed so it never travels as a bare integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(SignedDuration);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {why} (expected a number and a unit, e.g. 90m, 24h, 7d or 1h30m; units s, m, h, d, w)")]
pub struct DurationError {
    input: String,
    why: &'static str,
}

const UNITS: [(char, i64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

impl Duration {
    pub const ZERO: Duration = Duration(SignedDuration::ZERO);

    pub fn from_secs(secs: u32) -> Self {
        Duration(SignedDuration::from_secs(i64::from(secs)))
    }

    pub fn from_mins(mins: u32) -> Self {
        Duration(SignedDuration::from_secs(i64::from(mins) * 60))
    }

    pub fn from_hours(hours: u32) -> Self {
        Duration(SignedDuration::from_secs(i64::from(hours) * 3_600))
    }

    pub fn as_signed(self) -> SignedDuration {
        self.0
    }

    pub fn as_secs(self) -> i64 {
        self.0.as_secs()
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |why| DurationError {
            input: input.to_string(),
            why,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        let mut total: i64 = 0;
        let mut rest = s;
        let mut last_unit_rank = usize::MAX;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err("each part must start with a whole number"));
            }
            let value: i64 = rest[..digits]
                .parse()
                .map_err(|_| err("the number is too large"))?;
            let unit = rest[digits..]
                .chars()
                .next()
                .ok_or_else(|| err("the unit is missing"))?;
            let rank = UNITS
                .iter()
                .position(|(u, _)| *u == unit)
                .ok_or_else(|| err("unknown unit"))?;
            if last_unit_rank != usize::MAX && rank <= last_unit_rank {
                return Err(err("units must go from largest to smallest, each once"));
            }
            last_unit_rank = rank;
            total = value
                .checked_mul(UNITS[rank].1)
                .and_then(|v| total.checked_add(v))
                .filter(|v| *v <= 10 * 365 * 86_400)
                .ok_or_else(|| err("it is longer than ten years"))?;
            rest = &rest[digits + unit.len_utf8()..];
        }
        Ok(Duration(SignedDuration::from_secs(total)))
    }
}

impl fmt::Display for Duration {
    /// Canonical form: largest units first, zero parts omitted (`90m` → `1h30m`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.0.as_secs();
        if secs == 0 {
            return f.write_str("0m");
        }
        for (unit, size) in UNITS.iter().skip(1) {
            if secs >= *size {
                write!(f, "{}{}", secs / size, unit)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> i64 {
        s.parse::<Duration>().unwrap().as_secs()
    }

    #[test]
    fn parses_single_and_compound_units() {
        assert_eq!(secs("90m"), 5_400);
        assert_eq!(secs("24h"), 86_400);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("1w"), 604_800);
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("0m"), 0);
        assert_eq!(secs(" 45s "), 45);
    }

    #[test]
    fn rejects_bad_input_with_a_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("h", "whole number"),
            ("10", "unit is missing"),
            ("10y", "unknown unit"),
            ("-5m", "whole number"),
            ("30m1h", "largest to smallest"),
            ("1h1h", "largest to smallest"),
            ("99999999999999999999m", "too large"),
            ("5000w", "ten years"),
        ] {
            let e = bad.parse::<Duration>().unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?} gave {e}");
        }
    }

    #[test]
    fn displays_canonically() {
        assert_eq!("90m".parse::<Duration>().unwrap().to_string(), "1h30m");
        assert_eq!("7d".parse::<Duration>().unwrap().to_string(), "7d");
        assert_eq!(Duration::ZERO.to_string(), "0m");
    }
}
