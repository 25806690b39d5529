//! Reading request bodies field by field, so every bad field is reported
//! (RFC 7807 `errors`) instead of stopping at the first.

use crate::engine::FieldError;
use serde_json::{Map, Value};

pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    pub errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// The body must be a JSON object.
    pub fn of(body: &'a Value) -> Result<Self, FieldError> {
        match body {
            Value::Object(map) => Ok(Fields {
                map,
                errors: Vec::new(),
            }),
            _ => Err(FieldError::new("", "the body must be a JSON object")),
        }
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Reports fields not in `known`.
    pub fn reject_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.error(
                &k,
                format!("unknown field; expected one of {}", known.join(", ")),
            );
        }
    }

    /// An optional string; empty or whitespace-only counts as absent.
    pub fn opt_str(&mut self, field: &str, max_len: usize) -> Option<String> {
        match self.map.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    None
                } else if s.chars().count() > max_len {
                    self.error(field, format!("must be at most {max_len} characters"));
                    None
                } else {
                    Some(s.to_string())
                }
            }
            Some(_) => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    pub fn req_str(&mut self, field: &str, max_len: usize) -> Option<String> {
        let before = self.errors.len();
        let v = self.opt_str(field, max_len);
        if v.is_none() && self.errors.len() == before {
            self.error(field, "is required");
        }
        v
    }

    pub fn opt_bool(&mut self, field: &str) -> Option<bool> {
        match self.map.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.error(field, "must be true or false");
                None
            }
        }
    }

    pub fn opt_object(&mut self, field: &str) -> Option<&'a Map<String, Value>> {
        match self.map.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.error(field, "must be an object");
                None
            }
        }
    }

    pub fn opt_time(&mut self, field: &str) -> Option<jiff::Timestamp> {
        let s = self.opt_str(field, 64)?;
        match s.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                self.error(
                    field,
                    "must be an RFC 3339 time with an offset, e.g. 2026-12-10T17:00:00Z",
                );
                None
            }
        }
    }

    pub fn req_time(&mut self, field: &str) -> Option<jiff::Timestamp> {
        let before = self.errors.len();
        let t = self.opt_time(field);
        if t.is_none() && self.errors.len() == before {
            self.error(field, "is required");
        }
        t
    }

    /// An IANA zone name, returned in its canonical spelling.
    pub fn opt_zone(&mut self, field: &str) -> Option<String> {
        let s = self.opt_str(field, 64)?;
        match jiff::tz::TimeZone::get(&s) {
            Ok(tz) => Some(tz.iana_name().unwrap_or(&s).to_string()),
            Err(_) => {
                self.error(
                    field,
                    format!("unknown IANA time zone {s:?}, e.g. America/New_York"),
                );
                None
            }
        }
    }

    pub fn into_result<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}
