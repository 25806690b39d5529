#!/usr/bin/env bash
# Runs every check and test: formatting, lints, the example funnels'
# validation and expectation files, and the whole cargo test suite.
# The README's test command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== tools: the AWS emulator (moto) and cfn-lint, in a cached virtualenv"
MYX_TOOLS_BIN=$(scripts/tools.sh)
export MYX_TOOLS_BIN

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== the myx CLI and the local stack build without the AWS SDK and Lambda crates"
tree=$(cargo tree --locked -e normal,build -p myx -p myx-localstack --prefix none)
if grep -E '^(aws-|lambda_|myx-aws|myx-lambda)' <<<"$tree" | sort -u | grep .; then
  echo "the crates above must stay out of myx and myx-localstack" >&2
  exit 1
fi

echo "== example funnels: validate and run their expectation files"
cargo run --locked -q -p myx -- funnel validate examples/funnels/*.yaml
cargo run --locked -q -p myx -- funnel test examples/funnels/*.test.yaml

echo "== CloudFormation lint (template.yaml, infra/*.yaml)"
scripts/cfn-lint.sh

echo "== sample Lambda events are up to date"
python3 events/generate.py --check

echo "== cargo test (the AWS adapters' tests start moto themselves)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
