//! Deterministic A/B variant assignment: a stable hash of
//! (contact id, funnel id, step id) picks a variant by weight, so the same
//! contact always gets the same variant on every re-plan and every machine.

use crate::funnel::{Funnel, Step, Variant};
use sha2::{Digest, Sha256};

/// The template (and variant id) a contact gets for `step`. Without a
/// contact id, or without variants, it is the step's own template.
pub(super) fn choose<'f>(
    funnel: &Funnel,
    step: &'f Step,
    contact_id: Option<&str>,
) -> (&'f str, Option<&'f str>) {
    match contact_id.and_then(|c| pick(&funnel.id, step, c)) {
        Some(v) => (&v.template, Some(&v.id)),
        None => (&step.template, None),
    }
}

/// The variant of `step` assigned to `contact_id`, if the step has variants.
pub fn pick<'f>(funnel_id: &str, step: &'f Step, contact_id: &str) -> Option<&'f Variant> {
    let total: f64 = step.variants.iter().map(|v| v.weight).sum();
    if step.variants.is_empty() || total <= 0.0 {
        return None;
    }
    let mut hasher = Sha256::new();
    for part in [contact_id, funnel_id, step.id.as_str()] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 53 bits give a uniform f64 in [0, 1).
    let unit = (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64;
    let target = unit * total;
    let mut acc = 0.0;
    for v in &step.variants {
        acc += v.weight;
        if target < acc {
            return Some(v);
        }
    }
    step.variants.last()
}
