//! Funnels as code: the file format (`doc`), the validated model (`model`),
//! and the path from text to model (`load`, `validate`).

pub mod doc;
pub mod load;
pub mod model;
pub mod problem;
mod validate;

pub use load::{load_funnel, SourceFormat};
pub use model::*;
pub use problem::Problem;

/// The JSON Schema of the funnel file format, generated from [`doc::FunnelDoc`].
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(doc::FunnelDoc)).unwrap_or(serde_json::Value::Null)
}
