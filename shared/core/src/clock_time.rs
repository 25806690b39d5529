//! A local wall-clock time of day written `HH:MM` (quiet hours, `at:`).

use jiff::civil::Time;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(Time);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {0:?}: expected a 24-hour local time HH:MM between 00:00 and 23:59")]
pub struct ClockTimeError(String);

impl ClockTime {
    /// For constants known to be valid (panics at compile time otherwise).
    pub const fn constant(hour: i8, minute: i8) -> Self {
        ClockTime(Time::constant(hour, minute, 0, 0))
    }

    pub fn new(hour: i8, minute: i8) -> Option<Self> {
        Time::new(hour, minute, 0, 0).ok().map(ClockTime)
    }

    pub fn as_time(self) -> Time {
        self.0
    }
}

impl FromStr for ClockTime {
    type Err = ClockTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ClockTimeError(s.to_string());
        let (h, m) = s.trim().split_once(':').ok_or_else(err)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(err());
        }
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return Err(err());
        }
        let hour: i8 = h.parse().map_err(|_| err())?;
        let minute: i8 = m.parse().map_err(|_| err())?;
        ClockTime::new(hour, minute).ok_or_else(err)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_times() {
        assert_eq!("09:00".parse::<ClockTime>().unwrap().to_string(), "09:00");
        assert_eq!("9:05".parse::<ClockTime>().unwrap().to_string(), "09:05");
        assert_eq!("23:59".parse::<ClockTime>().unwrap().to_string(), "23:59");
    }

    #[test]
    fn rejects_invalid_times() {
        for bad in [
            "24:00", "12:60", "12", "12:5", "ab:cd", "-1:00", "", "12:00:00",
        ] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad} accepted");
        }
    }
}
