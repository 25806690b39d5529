#!/usr/bin/env bash
# Installs the Python tools the tests need (the AWS emulator moto and
# cfn-lint) into a virtualenv cached outside the clone, and prints its bin
# directory. Idempotent: a second run with the same pins does nothing.
# Override the location with MYX_TOOLS_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${MYX_TOOLS_VENV:-$HOME/.cache/myxelium/tools-venv}"
requirements="scripts/tools-requirements.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$venv/bin"
