#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test (XCTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
log="$(mktemp)"
pgdir=""
cleanup() { rm -f "$log"; [ -n "$pgdir" ] && ./scripts/pg-test-server.sh stop "$pgdir"; return 0; }
trap cleanup EXIT
# The PostgreSQL ledger's tests run against a throwaway server (unless one is given already).
if [ -z "${STET_TEST_PG_URL:-}" ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  pgdir="$(mktemp -d /tmp/stet-pg.XXXXXX)"
  set -a; eval "$(./scripts/pg-test-server.sh start "$pgdir")"; set +a
fi
status=0
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log" || status=$?
# One plain closing line: "N passed, N failed".
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -n 1 || true)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
if [ -n "$summary" ]; then
  echo "$((total - failed)) passed, $failed failed"
fi
exit "$status"
