#!/usr/bin/env bash
# Lints the SAM template and the CloudFormation templates under infra/ with
# cfn-lint (pinned in scripts/tools-requirements.txt and installed into the
# tools virtualenv by scripts/tools.sh). Offline, no AWS credentials needed.
# Exits non-zero on any error or warning. Extra arguments go to cfn-lint
# (e.g. --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/tools.sh)
shopt -s nullglob
templates=(template.yaml infra/*.yaml)
echo "== cfn-lint ($("$bin/cfn-lint" --version)): ${templates[*]}"
"$bin/cfn-lint" --non-zero-exit-code warning "$@" -- "${templates[@]}"
echo "cfn-lint: no errors or warnings"
