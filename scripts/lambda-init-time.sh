#!/usr/bin/env bash
# Cold-start time of the release Lambda binaries on this machine (see
# scripts/lambda_init_time.py). Build them first:
#   scripts/lambda-build.sh --x86-64 && scripts/lambda-init-time.sh --runs 20
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/tools.sh)
exec "$bin/python" scripts/lambda_init_time.py "$@"
