//! Personal data out: at any depth, a string `email` becomes `emailSha256`
//! (SHA-256 of the trimmed, lowercased address: the same hash as the
//! `T#{t}#EMAIL#…` lookup key and a message's `toHash`) and a string
//! `phone` becomes `phoneSha256` (SHA-256 of the number as stored).
//!
//! Objects come out with their keys in sorted order whatever the map type,
//! so the same data always serialises to the same bytes (DynamoDB maps
//! have no order, and a retried batch must rewrite identical objects).

use crate::keys::{normalize_email, sha256_hex};
use serde_json::{Map, Value};

pub const EMAIL: &str = "email";
pub const PHONE: &str = "phone";
pub const EMAIL_HASH: &str = "emailSha256";
pub const PHONE_HASH: &str = "phoneSha256";

/// `value` with every email and phone replaced by its hash.
pub fn pseudonymise(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(pseudonymise).collect()),
        Value::Object(map) => Value::Object(pseudonymise_object(map, &[])),
        other => other.clone(),
    }
}

/// `map` without the `dropped` fields (top level only), pseudonymised.
pub(crate) fn pseudonymise_object(
    map: &Map<String, Value>,
    dropped: &[&str],
) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = Vec::with_capacity(map.len());
    // A hash computed here wins over a field of the same name in the data.
    let mut computed: Vec<(String, Value)> = Vec::new();
    for (name, value) in map {
        if dropped.contains(&name.as_str()) {
            continue;
        }
        match (name.as_str(), value) {
            (EMAIL, Value::String(address)) => computed.push((
                EMAIL_HASH.into(),
                Value::String(sha256_hex(&normalize_email(address))),
            )),
            (PHONE, Value::String(number)) => {
                computed.push((PHONE_HASH.into(), Value::String(sha256_hex(number))))
            }
            _ => entries.push((name.clone(), pseudonymise(value))),
        }
    }
    entries.retain(|(name, _)| !computed.iter().any(|(hashed, _)| hashed == name));
    entries.extend(computed);
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emails_and_phones_become_hashes_at_any_depth() {
        let data = json!({
            "email": "  Ada@Example.COM ",
            "phone": "+12025550143",
            "nested": {"list": [{"email": "ada@example.com"}, "ada@example.com?"]},
        });
        let out = pseudonymise(&data);
        let hash = sha256_hex("ada@example.com");
        assert_eq!(
            out,
            json!({
                "emailSha256": hash,
                "phoneSha256": sha256_hex("+12025550143"),
                "nested": {"list": [{"emailSha256": hash}, "ada@example.com?"]},
            })
        );
    }

    #[test]
    fn the_hash_is_the_documented_one() {
        // events/stream-export-expected.ndjson: ada@example.com, +12025550143.
        let out = pseudonymise(&json!({"email": "ada@example.com", "phone": "+12025550143"}));
        assert_eq!(
            out["emailSha256"],
            "b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72"
        );
        assert_eq!(
            out["phoneSha256"],
            "54af34308301e43f00650baaeb6cf4925b942201d74191b26d48292cfec907fd"
        );
    }

    #[test]
    fn non_string_values_and_other_fields_are_kept() {
        let data = json!({"email": null, "phone": 5, "emails": ["x"], "n": 1.5, "b": true});
        assert_eq!(pseudonymise(&data), data);
    }

    #[test]
    fn a_stored_hash_field_cannot_smuggle_the_address_past_the_hash() {
        let data = json!({"email": "ada@example.com", "emailSha256": "ada@example.com"});
        let out = pseudonymise(&data);
        assert_eq!(out, json!({"emailSha256": sha256_hex("ada@example.com")}));
    }

    #[test]
    fn dropped_fields_go_only_at_the_top_level() {
        let data = json!({"firstName": "Ada", "keep": {"firstName": "x"}});
        let map = data.as_object().unwrap();
        let out = pseudonymise_object(map, &["firstName"]);
        assert_eq!(Value::Object(out), json!({"keep": {"firstName": "x"}}));
    }

    #[test]
    fn keys_come_out_sorted() {
        let out = pseudonymise(&json!({"b": 1, "phone": "+1", "a": {"z": 1, "y": 2}}));
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"a":{{"y":2,"z":1}},"b":1,"phoneSha256":"{}"}}"#,
                sha256_hex("+1")
            )
        );
    }
}
