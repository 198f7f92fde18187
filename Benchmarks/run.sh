#!/usr/bin/env bash
# Builds the release stet and the benchmark package, then runs every scenario and prints the
# results (also written as JSON to Benchmarks/results/latest.json).
#
#   ./run.sh [STET_BINARY] [stet-bench options...]
#
# STET_BINARY defaults to ../.build/release/stet, built here with
# `swift build -c release --static-swift-stdlib` (a static Swift runtime: ~8 MB less per process).
# Pass a path to a stet you built elsewhere (for example with your own --scratch-path) to skip
# that build. Options after it go to stet-bench: --runs N, --scenario draft|grid, --explore...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

stet="${1:-}"
if [[ -n "$stet" && "$stet" != --* ]]; then
  shift
else
  stet="../.build/release/stet"
  echo "== building stet (release) at the top level"
  (cd .. && swift build -c release --static-swift-stdlib --product stet)
fi
[[ -x "$stet" ]] || { echo "run.sh: no stet binary at $stet; run 'swift build -c release' at the top level first" >&2; exit 2; }

for tool in vips vipsthumbnail /usr/bin/convert /usr/bin/mogrify /usr/bin/montage; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool missing: apt-get install libvips-tools imagemagick" >&2; exit 2; }
done

echo "== building the benchmarks (release)"
swift build -c release --product stet-bench

echo "== running"
mkdir -p results
exec .build/release/stet-bench --stet "$stet" --json results/latest.json "$@"
