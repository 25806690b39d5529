//! Instants as SQLite integers: nanoseconds since the Unix epoch, which
//! covers 1677-09-21 to 2262-04-11 and keeps integer order equal to time
//! order.

use crate::LocalError;
use jiff::{SignedDuration, Timestamp};

pub(crate) fn to_nanos(at: Timestamp) -> Result<i64, LocalError> {
    i64::try_from(at.as_nanosecond()).map_err(|_| {
        LocalError::Invalid(format!(
            "{at} is outside 1677..2262, which SQLite rows hold"
        ))
    })
}

pub(crate) fn from_nanos(nanos: i64) -> Result<Timestamp, LocalError> {
    Timestamp::from_nanosecond(i128::from(nanos))
        .map_err(|e| LocalError::Corrupt(format!("instant {nanos}: {e}")))
}

pub(crate) fn add(at: Timestamp, duration: SignedDuration) -> Result<Timestamp, LocalError> {
    at.checked_add(duration)
        .map_err(|e| LocalError::Invalid(format!("{at} + {duration:#}: {e}")))
}
