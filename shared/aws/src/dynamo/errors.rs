//! SDK errors as [`StoreError`]s: a failed condition names its key,
//! throttling / 5xx / network failures are `Unavailable` (retry later),
//! validation errors are `Invalid` (retrying cannot help).

use crate::aws_error::{classify, Failure};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use myx_engine::{Key, StoreError};

/// The error of a single-item operation on `key`.
pub(crate) fn store_error<E>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
    key: Option<&Key>,
) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let failure = classify(error);
    match key {
        Some(key) if failure.has_code("ConditionalCheckFailedException") => {
            StoreError::ConditionFailed(key.clone())
        }
        _ => from_failure(operation, failure),
    }
}

pub(crate) fn from_failure(operation: &'static str, failure: Failure) -> StoreError {
    if !failure.retryable && (failure.construction || failure.has_code("ValidationException")) {
        return StoreError::Invalid(failure.summary);
    }
    tracing::warn!(operation, error = %failure.summary, "DynamoDB unavailable");
    StoreError::Unavailable(failure.summary)
}
