#!/usr/bin/env bash
# The sends bench on a journaled ext4: a 4 GiB image file on this machine's
# disk, loop-mounted (needs root). This VM's own ext4 has no journal, and
# then every new inode costs a scan of the ones deleted in the last minutes
# (docs/BENCHMARKS.md, "Sends"); a journaled ext4, as most machines have,
# does not do that scan.
#
#   sudo scripts/bench/sends-journaled-ext4.sh [runs]   (default 7)
set -euo pipefail
runs="${1:-7}"
image="${MYX_EXT4_IMAGE:-$PWD/target/ext4-journaled.img}"
mnt="$(mktemp -d)"
cleanup() { umount "$mnt" 2>/dev/null || true; rmdir "$mnt"; rm -f "$image"; }
trap cleanup EXIT
mkdir -p "$(dirname "$image")"
truncate -s 4G "$image"
mkfs.ext4 -q -F "$image"
mount -o loop "$image" "$mnt"
cargo bench -p myx-localstack --bench sends --no-run
bench="$(ls -t target/release/deps/sends-* | grep -v '\.d$' | head -1)"
for _ in $(seq "$runs"); do
  TMPDIR="$mnt" "$bench" --bench | grep -E 'sends/s'
done
