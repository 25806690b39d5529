//! Rule 6: fixed steps keep their slot; a flexible send closer than
//! `min_gap` to a kept send on the same channel is skipped, deciding the
//! flexible sends earliest first.

use super::{PlannedSend, SkipReason, Status};
use crate::channel::Channel;
use crate::duration::Duration;
use jiff::Timestamp;

pub(super) fn apply(sends: &mut [PlannedSend<'_>], gap: Duration) {
    let gap = gap.as_signed();
    let mut kept: Vec<(Channel, Timestamp)> = Vec::with_capacity(sends.len());
    let mut flexible: Vec<usize> = Vec::with_capacity(sends.len());
    for (i, s) in sends.iter().enumerate() {
        match (s.status.is_kept(), s.send_at) {
            (true, Some(at)) if !s.step.flexible => kept.push((s.channel, at)),
            (true, Some(_)) => flexible.push(i),
            _ => {}
        }
    }
    flexible.sort_by_key(|&i| (sends[i].send_at, sends[i].step_index));
    for i in flexible {
        let s = &mut sends[i];
        let Some(at) = s.send_at else { continue };
        let too_close = kept
            .iter()
            .any(|&(c, k)| c == s.channel && at.duration_since(k).abs() < gap);
        if too_close {
            s.status = Status::Skipped;
            s.reason = Some(SkipReason::MinGap);
            s.send_at = None;
        } else {
            kept.push((s.channel, at));
        }
    }
}
