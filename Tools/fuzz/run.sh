#!/usr/bin/env bash
# Usage: run.sh [SECONDS_PER_PARSER [TARGET...]]
# Fuzzes each of Stet's own parsers (or only the TARGETs named) with libFuzzer for
# SECONDS_PER_PARSER seconds (default 60).
# Exits non-zero if any parser crashed or hung; the input that did it is saved under
# .build/fuzz-artifacts/ and its path printed. See README.md.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
flags=(-c release --product stet-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library)
swift build "${flags[@]}" >/dev/null || { swift build "${flags[@]}"; exit 1; }
bin="$(swift build "${flags[@]}" --show-bin-path)/stet-fuzz"
targets=(price-card region-json grid-map mask-shapes strokes-json ledger-jsonl tags avoids focus sizes colour)
if [ "$#" -gt 1 ]; then shift; targets=("$@"); fi
mkdir -p .build/fuzz-corpus .build/fuzz-artifacts
failed=()
for t in "${targets[@]}"; do
  corpus=".build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  log=".build/fuzz-artifacts/$t.log"
  # SWIFT_BACKTRACE=enable=no: let libFuzzer's own handler see a trap and save the input.
  STET_FUZZ_TARGET="$t" SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -dict="dicts/$t.dict" \
    -artifact_prefix=".build/fuzz-artifacts/$t-" "$corpus" "seeds/$t" >"$log" 2>&1
  status=$?
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "$t: CRASH after ${runs} runs: $(grep -oE "Test unit written to .*" "$log" | head -1)"
    grep -E "Fatal error|SUMMARY|deadly signal|timeout" "$log" | head -3 | sed 's/^/    /'
  else
    echo "$t: ${seconds}s, ${runs} runs, corpus $(ls "$corpus" | wc -l) inputs, no crash"
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then echo "fuzz: crashes in ${failed[*]}"; exit 1; fi
echo "fuzz: ${#targets[@]} parsers, ${seconds}s each, no crash"
