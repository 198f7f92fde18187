#!/usr/bin/env bash
# Batch benchmark (issue 13): one `stet` process over 20 photographs against one peer call per
# photograph, on the same inputs, in one run.
#
#   Benchmarks/batch/bench.sh [--stet PATH] [--runs N] [--dataset DIR] [--count N] [--skip-upscale] [--skip-reframe]
#
# Pairs (each tool is a whole command line, timed from the shell, peak RSS from /usr/bin/time -v):
#   upscale: stet upscale <20> --scale 2 --out D -o %s_2x.png      (one process)
#            20 x vips resize IN D/x_2x.png 2                       (lanczos3, libvips' default)
#            20 x stet upscale IN --scale 2 -o D/x_2x.png           (reference: Stet per file)
#   reframe: stet reframe <20> --to 9:16 --mode crop --out D        (one process; the same job as smartcrop)
#            stet reframe <20> --to 9:16 --out D                    (default --mode auto: pads where a crop loses the subject)
#            20 x vips thumbnail IN D/x.jpg W --height H --crop attention   (W x H = Stet's output size)
#            stet reframe <20> --for shorts,reels,tiktok,instagram-square --out D
#            40 x vips thumbnail ... 1080 --height 1920 / 1080 --height 1080 --crop attention
#              (the 4 presets are 2 distinct sizes; the peer is given the deduplicated list)
# `vips thumbnail --crop attention` is the operation behind vipsthumbnail's --smartcrop attention.
#
# Method: one warm-up round, then N rounds; within a round every tool of a pair runs once, the
# order alternating every round (A B, B A, ...), so load from elsewhere hits both alike. Each tool
# writes into an empty folder; the run fails if a tool exits non-zero, writes the wrong number of
# files, or (reframe) writes sizes other than Stet's. Reported per tool: median wall, median CPU
# (user+sys), median peak RSS (for a loop of calls: the largest single call, since wait4's
# ru_maxrss covers the largest descendant); per pair: the median of the per-round ratios
# peer/Stet ("paired") and the ratio of the medians.
#
# Inputs are read where they are (never copied): the first N (default 20) JPEGs of the dataset
# folder, sorted by name, passed to the batch commands as file arguments.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STET="$root/.build/release/stet"
RUNS=5
DATASET="$root/../shared/datasets/train/CSun_Hays80"
COUNT=20
DO_UPSCALE=1
DO_REFRAME=1
while [ $# -gt 0 ]; do
  case "$1" in
    --stet) STET=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --dataset) DATASET=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    --skip-upscale) DO_UPSCALE=0; shift ;;
    --skip-reframe) DO_REFRAME=0; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$STET" ] || { echo "bench.sh: no stet at $STET (swift build -c release --product stet)" >&2; exit 1; }
command -v vips >/dev/null || { echo "bench.sh: vips not found (apt-get install libvips-tools)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

mapfile -t INPUTS < <(find "$DATASET" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | LC_ALL=C sort | head -n "$COUNT")
[ "${#INPUTS[@]}" -eq "$COUNT" ] || { echo "bench.sh: found ${#INPUTS[@]} JPEGs in $DATASET, need $COUNT" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stet-batch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export STET TMP
printf '%s\n' "${INPUTS[@]}" > "$TMP/inputs.txt"

echo "# stet batch benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(nproc) cores; $(vips --version); stet: $STET; $COUNT inputs from $DATASET; $RUNS rounds + 1 warm-up"

# --- the tools: each is a bash function run in a child shell; $1 is an empty output folder -----

stet_upscale_batch() { "$STET" upscale "${INPUTS[@]}" --scale 2 --out "$1" -o '%s_2x.png' --quiet --no-log; }
vips_resize_each() { local f b; for f in "${INPUTS[@]}"; do b=${f##*/}; vips resize "$f" "$1/${b%.*}_2x.png" 2; done; }
stet_upscale_each() { local f b; for f in "${INPUTS[@]}"; do b=${f##*/}; "$STET" upscale "$f" --scale 2 -o "$1/${b%.*}_2x.png" --quiet --no-log; done; }

stet_reframe_916_crop() { "$STET" reframe "${INPUTS[@]}" --to 9:16 --mode crop --out "$1" --quiet --no-log; }
stet_reframe_916_auto() { "$STET" reframe "${INPUTS[@]}" --to 9:16 --out "$1" --quiet --no-log; }
# per-file W H come from Stet's own outputs (measured before the rounds): "path<TAB>W<TAB>H"
vips_thumb_sizes() { local f w h b; while IFS=$'\t' read -r f w h; do b=${f##*/}; vips thumbnail "$f" "$2/${b%.*}-9x16.jpg" "$w" --height "$h" --crop attention; done < "$1"; }
vips_thumb_916_crop() { vips_thumb_sizes "$TMP/sizes916crop.txt" "$1"; }
vips_thumb_916_auto() { vips_thumb_sizes "$TMP/sizes916auto.txt" "$1"; }
stet_reframe_for_crop() { "$STET" reframe "${INPUTS[@]}" --for shorts,reels,tiktok,instagram-square --mode crop --out "$1" --quiet --no-log; }
stet_reframe_for_auto() { "$STET" reframe "${INPUTS[@]}" --for shorts,reels,tiktok,instagram-square --out "$1" --quiet --no-log; }
vips_thumb_for() { local f b; for f in "${INPUTS[@]}"; do b=${f##*/}; b=${b%.*}
  vips thumbnail "$f" "$1/$b-1080x1920.jpg" 1080 --height 1920 --crop attention
  vips thumbnail "$f" "$1/$b-1080x1080.jpg" 1080 --height 1080 --crop attention; done; }
export -f stet_upscale_batch vips_resize_each stet_upscale_each stet_reframe_916_crop stet_reframe_916_auto \
  vips_thumb_sizes vips_thumb_916_crop vips_thumb_916_auto stet_reframe_for_crop stet_reframe_for_auto vips_thumb_for

# run TOOL ROUND: time one tool into a fresh folder; appends "tool round wall cpu rss_kb files" to results
run() {
  local tool=$1 round=$2 out="$TMP/out/$1" t0 t1 wall cpu rss files
  rm -rf "$out"; mkdir -p "$out"   # each tool's latest outputs stay until its next run
  t0=$(date +%s%N)
  if ! /usr/bin/time -v -o "$TMP/time.txt" bash -c 'INPUTS=(); mapfile -t INPUTS < "$TMP/inputs.txt"; '"$tool"' "$1"' _ "$out" \
       > "$TMP/stdout.txt" 2> "$TMP/stderr.txt"; then
    echo "bench.sh: $tool failed in round $round:" >&2; tail -5 "$TMP/stderr.txt" >&2; exit 1
  fi
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.3f", u + s }' "$TMP/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.txt")
  files=$(find "$out" -type f | wc -l)
  echo "$tool $round $wall $cpu $rss $files" >> "$TMP/results.txt"
  LAST_OUT=$out
}

# check_count TOOL EXPECTED: the tool's last output folder holds EXPECTED files
check_count() { local n; n=$(find "$LAST_OUT" -type f | wc -l)
  [ "$n" -eq "$2" ] || { echo "bench.sh: $1 wrote $n files, expected $2" >&2; exit 1; }; }

# sizes DIR: "name W H" for every file, sorted
sizes() { local f; for f in "$1"/*; do printf '%s %s %s\n' "${f##*/}" "$(vipsheader -f width "$f")" "$(vipsheader -f height "$f")"; done | LC_ALL=C sort; }

# pair NAME TOOL:EXPECTED_FILES...: warm-up, then RUNS rounds, the order reversed every round
pair() {
  local name=$1; shift
  local specs=("$@") r i n=$# order spec
  echo "## $name: ${specs[*]}" >&2
  for spec in "${specs[@]}"; do run "${spec%%:*}" 0; check_count "${spec%%:*}" "${spec##*:}"; done
  for ((r = 1; r <= RUNS; r++)); do
    order=()
    if (( r % 2 )); then for ((i = 0; i < n; i++)); do order+=("${specs[i]}"); done
    else for ((i = n - 1; i >= 0; i--)); do order+=("${specs[i]}"); done; fi
    for spec in "${order[@]}"; do run "${spec%%:*}" "$r"; check_count "${spec%%:*}" "${spec##*:}"; done
    echo "   round $r/$RUNS done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
}

if [ "$DO_UPSCALE" = 1 ]; then
  pair upscale "stet_upscale_batch:$COUNT" "vips_resize_each:$COUNT" "stet_upscale_each:$COUNT"
  # same names and sizes from all three (their last round's outputs)
  sizes "$TMP/out/stet_upscale_batch" > "$TMP/a.txt"; sizes "$TMP/out/vips_resize_each" > "$TMP/b.txt"
  sizes "$TMP/out/stet_upscale_each" | cmp -s - "$TMP/a.txt" || { echo "bench.sh: per-file stet output sizes differ" >&2; exit 1; }
  cmp -s "$TMP/a.txt" "$TMP/b.txt" || { echo "bench.sh: upscale output sizes differ" >&2; diff "$TMP/a.txt" "$TMP/b.txt" >&2; exit 1; }
fi

if [ "$DO_REFRAME" = 1 ]; then
  # images DIR: "base WxH" for every output image (not Stet's -mask/-outpaint sidecars), the
  # target suffix dropped and duplicates (shorts = reels = tiktok) merged
  images() { local f g b; for g in "${INPUTS[@]}"; do b=${g##*/}; b=${b%.*}; for f in "$1/$b"-*.jpg; do
    printf '%s %sx%s\n' "$b" "$(vipsheader -f width "$f")" "$(vipsheader -f height "$f")"; done; done | LC_ALL=C sort -u; }
  # Stet's 9:16 size per input, for the peer: the largest 9:16 crop (--mode crop), or the padded
  # canvas where auto pads
  for mode in crop auto; do
    run "stet_reframe_916_$mode" sizes; declare "files_916_$mode=$(find "$LAST_OUT" -type f | wc -l)"
    for f in "${INPUTS[@]}"; do b=${f##*/}; o="$LAST_OUT/${b%.*}-9x16.jpg"
      printf '%s\t%s\t%s\n' "$f" "$(vipsheader -f width "$o")" "$(vipsheader -f height "$o")"; done > "$TMP/sizes916$mode.txt"
    images "$LAST_OUT" > "$TMP/a.txt"
    run "vips_thumb_916_$mode" sizes; images "$LAST_OUT" > "$TMP/b.txt"
    cmp -s "$TMP/a.txt" "$TMP/b.txt" || { echo "bench.sh: 9:16 ($mode) output sizes differ" >&2; diff "$TMP/a.txt" "$TMP/b.txt" >&2; exit 1; }
    echo "   9:16 $mode sizes: $(awk '{ print $2 }' "$TMP/a.txt" | LC_ALL=C sort | uniq -c | tr -s ' \n' ' ')" >&2
  done
  pair "reframe --to 9:16" "stet_reframe_916_crop:$files_916_crop" "vips_thumb_916_crop:$COUNT" \
    "stet_reframe_916_auto:$files_916_auto" "vips_thumb_916_auto:$COUNT"
  for mode in crop auto; do run "stet_reframe_for_$mode" sizes; declare "files_for_$mode=$(find "$LAST_OUT" -type f | wc -l)"
    images "$LAST_OUT" > "$TMP/a.txt"; run vips_thumb_for sizes; images "$LAST_OUT" > "$TMP/b.txt"
    cmp -s "$TMP/a.txt" "$TMP/b.txt" || { echo "bench.sh: --for ($mode) output sizes differ" >&2; diff "$TMP/a.txt" "$TMP/b.txt" >&2; exit 1; }
  done
  pair "reframe --for shorts,reels,tiktok,instagram-square" "stet_reframe_for_auto:$files_for_auto" \
    "vips_thumb_for:$((2 * COUNT))" "stet_reframe_for_crop:$files_for_crop"
fi

# --- report ----------------------------------------------------------------------------------
report() { # report BASE TOOL...: medians per tool, and TOOL/BASE ratios
  local base=$1; shift
  awk -v base="$base" -v list="$base $*" '
    function median(arr, k,   i, j, t, m) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (arr[i] > arr[j]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
      m = int((k + 1) / 2); return (k % 2) ? arr[m] : (arr[m] + arr[m + 1]) / 2 }
    $2 ~ /^[1-9][0-9]*$/ { wall[$1, $2] = $3; cpu[$1, $2] = $4; rss[$1, $2] = $5; if ($2 > rounds) rounds = $2 }
    END {
      n = split(list, tools, " ")
      print "| tool | median wall s | median CPU s | median peak RSS MB | wall ÷ Stet batch, paired | wall, ratio of medians | CPU ÷ Stet batch | peak RSS ÷ Stet batch |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|"
      for (r = 1; r <= rounds; r++) { bw[r] = wall[base, r]; bc[r] = cpu[base, r]; br[r] = rss[base, r] }
      mbw = median(bw, rounds); mbc = median(bc, rounds); mbr = median(br, rounds)
      for (t = 1; t <= n; t++) {
        tool = tools[t]; k = 0
        for (r = 1; r <= rounds; r++) if ((tool, r) in wall) { k++; w[k] = wall[tool, r]; c[k] = cpu[tool, r]; m[k] = rss[tool, r]; pr[k] = wall[tool, r] / wall[base, r] }
        if (k == 0) continue
        mw = median(w, k); mc = median(c, k); mr = median(m, k); mp = median(pr, k)
        printf "| %s | %.3f | %.3f | %.1f | %.2f× | %.2f× | %.2f× | %.2f× |\n", tool, mw, mc, mr / 1024, mp, mw / mbw, mc / mbc, mr / mbr
      }
    }' "$TMP/results.txt"
}
echo
[ "$DO_UPSCALE" = 1 ] && { echo "### upscale --scale 2, $COUNT photographs (ratios: tool ÷ stet batch; > 1 means Stet is faster)"; report stet_upscale_batch vips_resize_each stet_upscale_each; echo; }
if [ "$DO_REFRAME" = 1 ]; then
  echo "### reframe --to 9:16 --mode crop, $COUNT photographs (ratios: tool ÷ stet batch)"; report stet_reframe_916_crop vips_thumb_916_crop; echo
  echo "### reframe --to 9:16 (default --mode auto), $COUNT photographs (ratios: tool ÷ stet batch)"; report stet_reframe_916_auto vips_thumb_916_auto; echo
  echo "### reframe --for shorts,reels,tiktok,instagram-square (auto), $COUNT photographs (ratios: tool ÷ stet batch)"; report stet_reframe_for_auto vips_thumb_for stet_reframe_for_crop; echo
  echo "### reframe --for shorts,reels,tiktok,instagram-square --mode crop, $COUNT photographs (ratios: tool ÷ stet batch)"; report stet_reframe_for_crop vips_thumb_for; echo
fi
echo "# raw rounds (tool round wall_s cpu_s peak_rss_kb files; round 0 = warm-up):" >&2
grep -v ' sizes ' "$TMP/results.txt" >&2
