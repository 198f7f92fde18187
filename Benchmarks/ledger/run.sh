#!/usr/bin/env bash
# Ledger benchmark: builds the release stet (unless given one) and runs bench.py.
#   ./run.sh [STET_BINARY] [bench.py options: --appends N --entries N --runs N --json FILE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stet="${1:-}"
if [[ -n "$stet" && "$stet" != --* ]]; then
  shift
else
  stet="$here/../../.build/release/stet"
  echo "== building stet (release) at the top level"
  (cd "$here/../.." && swift build -c release --static-swift-stdlib --product stet)
fi
[[ -x "$stet" ]] || { echo "run.sh: no stet binary at $stet" >&2; exit 2; }
exec python3 "$here/bench.py" --stet "$stet" "$@"
