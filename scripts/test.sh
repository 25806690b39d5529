#!/usr/bin/env bash
# Runs every check and test: formatting, lints, the example funnels'
# validation and expectation files, and the whole cargo test suite.
# The README's test command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== example funnels: validate and run their expectation files"
cargo run --locked -q -p myx -- funnel validate examples/funnels/*.yaml
cargo run --locked -q -p myx -- funnel test examples/funnels/*.test.yaml

echo "== cargo test"
cargo test --workspace --locked
