//! The contract cases, grouped by what they exercise. Every case is a
//! `pub async fn(&dyn TableStore)` that panics on a breach.

mod concurrency;
mod conditions;
mod gsi1;
mod items;
mod query;
mod transact;

pub use concurrency::*;
pub use conditions::*;
pub use gsi1::*;
pub use items::*;
pub use query::*;
pub use transact::*;

use jiff::Timestamp;
use myx_engine::{Item, Key};
use serde_json::json;

/// An instant `secs` whole seconds after the Unix epoch.
fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).expect("a valid instant")
}

/// A small item whose data records its own sort key.
fn item(pk: &str, sk: &str) -> Item {
    Item::new(Key::new(pk, sk), json!({ "sk": sk }))
}
