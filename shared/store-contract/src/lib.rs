//! The contract every [`TableStore`] must honour, as async test cases.
//!
//! Each case in [`cases`] takes a `&dyn TableStore`, panics (through
//! `assert!`) when the store breaks the contract, and writes only under key
//! prefixes unique to the case and to the run, so cases may share one store
//! or one long-lived table (an AWS emulator's, say).
//!
//! [`contract_tests!`] turns every case into its own `#[tokio::test]`, so a
//! failure is reported by name:
//!
//! ```ignore
//! myx_store_contract::contract_tests!(async { my_store().await });
//! ```
//!
//! The expression is evaluated (and awaited) once per test; its output must
//! implement [`StoreFixture`]: every `TableStore` does, and a fixture that
//! must outlive the test (a temporary directory, say) can implement it by
//! hand. The calling crate needs `tokio` (features `macros`,
//! `rt-multi-thread`) as a dev-dependency.
//!
//! What the contract leaves open, on purpose:
//! - whether `get`, `query` and `query_gsi1` return items whose `expires_at`
//!   has passed (DynamoDB deletes them only eventually; callers check
//!   [`Item::is_expired`](myx_engine::Item::is_expired));
//! - whether the last full page of a query carries a `next` that leads to an
//!   empty page (DynamoDB's does; a page that is not full never has `next`);
//! - `expires_at` precision below one second (DynamoDB's TTL attribute holds
//!   whole seconds), so the cases use whole seconds.

pub mod cases;
mod fixture;
mod join;
mod pages;
mod scope;

pub use fixture::StoreFixture;

/// Expands to one `#[tokio::test]` per contract case, each building its
/// store from `$factory` (an expression yielding a future whose output
/// implements [`StoreFixture`]).
#[macro_export]
macro_rules! contract_tests {
    ($factory:expr) => {
        $crate::contract_tests!(@cases $factory;
            put_get_round_trips_every_field,
            get_many_answers_each_key_in_the_order_asked,
            get_of_a_missing_key_is_none,
            put_without_condition_overwrites,
            special_characters_survive_in_keys_and_data,
            empty_or_oversized_keys_are_invalid,
            data_must_be_a_json_object,
            put_not_exists_succeeds_once_then_fails_with_the_key,
            put_exists_requires_an_item,
            put_version_is_requires_the_exact_version,
            put_not_exists_or_expired_admits_missing_and_expired_items,
            delete_without_condition_removes_and_tolerates_missing,
            delete_with_conditions_checks_before_removing,
            query_returns_one_partition_in_sort_key_order,
            query_descending_reverses_the_order,
            query_prefix_excludes_neighbouring_keys,
            query_prefix_treats_like_wildcards_literally,
            query_prefix_handles_multibyte_boundaries,
            query_paginates_without_skips_or_repeats,
            query_page_that_is_not_full_has_no_next,
            query_of_an_empty_partition_is_empty,
            query_with_limit_zero_is_invalid,
            query_gsi1_orders_by_index_sort_key,
            query_gsi1_paginates_through_duplicate_sort_keys,
            query_gsi1_follows_overwrites_and_deletes,
            transact_applies_every_op,
            transact_is_all_or_nothing,
            transact_check_guards_without_writing,
            transact_check_without_condition_is_invalid,
            transact_deletes,
            transact_allows_100_ops_and_rejects_more,
            transact_rejects_a_key_used_twice,
            transact_of_nothing_is_a_no_op,
            transact_of_one_write_reports_its_condition_as_a_transaction,
            write_each_applies_each_write_and_names_a_failed_condition,
            write_in_order_applies_phases_and_stops_at_a_failed_one,
            concurrent_conditional_puts_have_one_winner,
            concurrent_versioned_updates_lose_nothing,
        );
    };
    (@cases $factory:expr; $($case:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture = ($factory).await;
                $crate::cases::$case($crate::StoreFixture::store(&fixture)).await;
            }
        )+
    };
}
