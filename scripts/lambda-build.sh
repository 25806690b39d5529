#!/usr/bin/env bash
# Release builds of the five Lambda functions with cargo-lambda, as
# `sam build` makes them: one `bootstrap` per function, zipped, under
# $CARGO_TARGET_DIR/lambda/<function>/ (default target/lambda/), then a
# table of binary and zip sizes. Not part of scripts/test.sh (about 7
# minutes from clean on 2 cores).
#
#   scripts/lambda-build.sh            # arm64 (Graviton), what template.yaml deploys
#   scripts/lambda-build.sh --x86-64   # x86_64: where the aarch64 std is missing,
#                                      # and to run the binaries on an x86_64 host
#
# Needs the Rust target (`rustup target add aarch64-unknown-linux-gnu` for
# arm64); cargo-lambda (with zig) is installed from PyPI into the cached
# tools virtualenv of scripts/tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=arm64
case "${1:-}" in
  ""|--arm64) arch=arm64 ;;
  --x86-64|--x86_64) arch=x86-64 ;;
  *) echo "usage: $0 [--arm64|--x86-64]" >&2; exit 2 ;;
esac
functions=(enroll admin webhooks send stream-export)

venv="${MYX_TOOLS_VENV:-$HOME/.cache/myxelium/tools-venv}"
requirements="scripts/lambda-requirements.txt"
stamp="$venv/.lambda-requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
export PATH="$venv/bin:$PATH"

if [ "$arch" = arm64 ]; then
  triple=aarch64-unknown-linux-gnu
else
  triple=x86_64-unknown-linux-gnu
fi
if ! rustc --print target-libdir --target "$triple" >/dev/null 2>&1 \
   || [ ! -d "$(rustc --print target-libdir --target "$triple")" ]; then
  echo "the Rust standard library for $triple is not installed:" >&2
  echo "  rustup target add $triple   (or build with --x86-64)" >&2
  exit 1
fi

bins=()
for f in "${functions[@]}"; do bins+=(--bin "$f"); done
target_dir="${CARGO_TARGET_DIR:-target}"
echo "== cargo lambda build --release --$arch (${functions[*]})" >&2
start=$(date +%s)
cargo lambda build --release --locked "--$arch" --output-format zip "${bins[@]}"
echo "built in $(( $(date +%s) - start )) s" >&2

echo
echo "| function | bootstrap (MB) | bootstrap.zip (MB) |"
echo "|---|---:|---:|"
for f in "${functions[@]}"; do
  zip="$target_dir/lambda/$f/bootstrap.zip"
  [ -f "$zip" ] || { echo "missing $zip" >&2; exit 1; }
  unzipped=$(unzip -l "$zip" | awk '$4 == "bootstrap" { print $1 }')
  zipped=$(stat -c %s "$zip")
  awk -v f="$f" -v u="$unzipped" -v z="$zipped" \
    'BEGIN { printf "| %s | %.1f | %.1f |\n", f, u / 1048576, z / 1048576 }'
  # A zip over 8 MB misses the project's target.
  if [ "$zipped" -gt $((8 * 1048576)) ]; then
    echo "warning: $zip is over 8 MB" >&2
  fi
done
