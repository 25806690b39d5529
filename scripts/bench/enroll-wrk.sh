#!/usr/bin/env bash
# Enrollments per second and latency of the real `myx dev` binary (release
# build, file-backed SQLite in a temporary folder, rate limit off, driver
# running) under wrk over loopback. wrk is a small C load generator, so
# most of the 2 cores go to the server. Needs `wrk` (Debian: apt install wrk).
#
#   scripts/bench/enroll-wrk.sh [CONNECTIONS=16] [SECONDS=20]
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${1:-16}
seconds=${2:-20}
port=${MYX_BENCH_PORT:-3099}
command -v wrk >/dev/null || { echo "wrk is missing: apt install wrk" >&2; exit 1; }
cargo build --release --locked -q -p myx
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
RUST_LOG=warn target/release/myx dev --port "$port" --data "$data" --admin-key bench-key \
  --rate-limit 0 >"$data/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/v1/health" >/dev/null && break; sleep 0.1; done
curl -sf -X PUT "$base/v1/funnels/webinar-7day" -H 'Authorization: Bearer bench-key' \
  -H 'Content-Type: application/yaml' --data-binary @examples/funnels/webinar.yaml >/dev/null
start=$(date -u -d '+7 days' +%Y-%m-%dT17:00:00Z)
end=$(date -u -d '+7 days' +%Y-%m-%dT18:00:00Z)
EVENT_ID=$(curl -sf -X POST "$base/v1/events" -H 'Authorization: Bearer bench-key' \
  -H 'Content-Type: application/json' \
  -d "{\"title\":\"Bench\",\"type\":\"webinar\",\"startsAt\":\"$start\",\"endsAt\":\"$end\",\"timezone\":\"America/New_York\",\"platform\":\"other\",\"joinUrl\":\"https://example.com/j\",\"funnelId\":\"webinar-7day\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
export EVENT_ID
# Warm-up (page cache, statement caches), then the measured run.
wrk -t1 -c4 -d3s -s scripts/bench/enroll.lua "$base" >/dev/null
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s scripts/bench/enroll.lua "$base"
