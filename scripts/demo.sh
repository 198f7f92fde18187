#!/usr/bin/env bash
# The main job on the bundled fixtures: installs what is missing, builds Stet (release), and runs
# every command once, printing where each output went. Outputs go to ./demo-out (git-ignored);
# the demo records into its own ledger there, so your own ledger is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# A static Swift runtime starts faster and uses less memory (about 8 MB less per process).
swift build -c release --static-swift-stdlib
STET="$(swift build -c release --static-swift-stdlib --show-bin-path)/stet"
OUT=demo-out
rm -rf "$OUT" && mkdir -p "$OUT"
export STET_LEDGER="$PWD/$OUT/ledger.sqlite"
F=Fixtures
run() { echo "+ stet $*"; "$STET" "$@"; }

run info $F/candidate-*.jpg $F/cmyk.jpg $F/rgb16.png
run draft $F/candidate-*.jpg $F/orientation-6.jpg $F/cmyk.jpg --size 256 --out $OUT/drafts --manifest $OUT/drafts.json
run grid $F/candidate-1.jpg $F/candidate-2.jpg $F/candidate-3.jpg $F/candidate-4.jpg -o $OUT/grid.jpg --cell 384
run split $OUT/grid.jpg --map $OUT/grid.json --out $OUT/from-map
run split $F/grid-2x2-seamless.jpg --auto --out $OUT/from-model
run reframe $F/reframe/scene-two.jpg --to 16:9,9:16 --for instagram-square --out $OUT/reframe
run reframe $F/faces/astronaut.jpg --to 16:9,9:16,4:5 --saliency-map $OUT/astronaut-faces.png --out $OUT/reframe-faces
run upscale $F/candidate-1.jpg --scale 2 -o $OUT/candidate-1@2x.jpg
run mask $F/inpaint/scene.png --ellipse 300.5,80.5,13,10 --strokes $F/inpaint/scratch.json -o $OUT/defects.png
run inpaint $F/inpaint/scene.png --mask $OUT/defects.png -o $OUT/scene-fixed.png
run mask $F/inpaint/scene.png --rect 66,186,79,59 --grow 2 --for stability --region -o $OUT/sign.png
run mask $F/inpaint/scene.png --ellipse 300.5,80.5,13,10 --region -o $OUT/blob.png
run mask $F/inpaint/scene.png --rect 66,186,79,59 --for openai --region -o $OUT/sign-openai.png
run inpaint $OUT/blob.image.png --mask $OUT/blob.png -o $OUT/blob-edited.png
run patch $F/inpaint/scene.png --with $OUT/blob-edited.png --region $OUT/blob.region.json --feather 2 --match-color -o $OUT/scene-patched.png
# Batches: a folder through upscale with a name pattern and JSON Lines, every platform from one decode.
mkdir -p $OUT/shots && cp $F/candidate-*.jpg $OUT/shots/
run upscale $OUT/shots --scale 2 --out $OUT/up -o %s_2x.jpg --json
run reframe $OUT/shots --for shorts,reels,instagram-square --out $OUT/social -q
run info $OUT/up --json
# Provenance: a generated PNG's prompt, seed and workflow go on through every edit (JPEG: XMP), and
# each output's edit record leads to its ledger entry; info shows the chain.
run upscale $F/generated-a1111.png --scale 2 -o $OUT/generated@2x.jpg
run reframe $OUT/generated@2x.jpg --for instagram-square --out $OUT/generated -q
run info $OUT/generated@2x.jpg $OUT/generated/generated@2x-instagram-square.jpg
# Reframe keeps the people: faces found, kept whole with headroom; the map shows the boxes.
# Real photographs of people are not bundled: the demo reads them from the team's datasets when present.
D=${STET_DATASETS:-../shared/datasets}
if [ -d "$D/people-train" ]; then
  run reframe "$D/people-train/rose_leslie-img2.jpg" "$D/people-train/john1.jpeg" --to 16:9,9:16,1:1 --mode crop --out $OUT/people -q
  run reframe "$D/people-train/two_people.jpg" --to 9:16,1:1 --out $OUT/people --saliency-map $OUT/people/two-people-map.png -q
else
  echo "  (no datasets at $D: the faces example is skipped; set STET_DATASETS)"
fi
# Video clips: the demo films two short clips from the fixtures (pans, a hard cut, a cross-fade, a tone;
# the ffmpeg program, which setup.sh installs, only makes them: Stet reads them through FFmpeg's libraries).
mkdir -p $OUT/clips
ffmpeg -hide_banner -loglevel error -y \
  -loop 1 -framerate 25 -t 2 -i $F/candidate-1.jpg -loop 1 -framerate 25 -t 2 -i $F/candidate-2.jpg \
  -loop 1 -framerate 25 -t 2.5 -i $F/reframe/scene-two.jpg -loop 1 -framerate 25 -t 2 -i $F/candidate-3.jpg \
  -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -filter_complex "[0]scale=896:-2,crop=640:360:x='n*4':y=100,setsar=1,settb=1/25[a];[1]scale=896:-2,crop=640:360:y='n*2',setsar=1,settb=1/25[b];[2]scale=896:-2,crop=640:360,setsar=1,settb=1/25[c];[3]scale=896:-2,crop=640:360:x='256-n*4',setsar=1,settb=1/25[d];[a][b]concat=n=2,settb=1/25[ab];[ab][c]xfade=transition=fade:duration=0.5:offset=3.5,settb=1/25[abc];[abc][d]concat=n=2,format=yuv420p[v]" \
  -map "[v]" -map 4:a -c:v libx264 -preset veryfast -crf 20 -c:a aac -shortest $OUT/clips/take-1.mp4
ffmpeg -hide_banner -loglevel error -y -loop 1 -framerate 25 -t 3 -i $F/candidate-4.jpg -f lavfi -i sine=frequency=660:sample_rate=48000 \
  -filter_complex "[0]scale=896:-2,crop=640:360:x='n*2':y='n',format=yuv420p[v]" -map "[v]" -map 1:a \
  -c:v libx264 -preset veryfast -crf 20 -c:a aac -shortest $OUT/clips/take-2.mp4
run draft $OUT/clips --size 360 --out $OUT/clip-drafts --manifest $OUT/clip-drafts.json
run sheet $OUT/clips/take-1.mp4 -o $OUT/take-1-sheet.jpg
run sheet $OUT/clips/take-1.mp4 -o $OUT/take-1-every.jpg --every 1s --cols 3 --cell 240 --vtt --avoids veo-3
run upscale $OUT/clips/take-2.mp4 --scale 2 -o $OUT/take-2@2x.mp4 --avoids veo-3
run reframe $OUT/clips/take-1.mp4 --for shorts --out $OUT/clip-social
# The review board: serve the drafts for a few seconds, screenshot it in headless Chromium, then
# lock a winner from the command line in a project of its own.
( exec "$STET" review $OUT/drafts.json --seconds 10 --model flux-schnell --proxy-size 512 > $OUT/review-url.txt 2> $OUT/review.log ) &
board=$!
for _ in $(seq 100); do [ -s $OUT/review-url.txt ] && break; sleep 0.2; done
echo "+ stet review $OUT/drafts.json --seconds 10 --model flux-schnell   # $(head -n1 $OUT/review-url.txt | sed 's/token=.*/token=.../')"
if command -v chromium >/dev/null 2>&1; then
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 --window-size=1280,800 \
    --virtual-time-budget=4000 --screenshot="$PWD/$OUT/review-board.png" "$(head -n1 $OUT/review-url.txt)" >/dev/null 2>&1 \
    && echo "  screenshot: $OUT/review-board.png" || echo "  (chromium could not take the screenshot)"
else
  echo "  (no chromium: screenshot skipped; ./scripts/setup.sh installs it)"
fi
kill -INT $board 2>/dev/null; wait $board || true
mkdir -p $OUT/project/.stet && cp $F/candidate-2.jpg $OUT/project/hero.jpg
(cd $OUT/project && run lock hero.jpg --role "character sheet" && run locks)
# DEMO-MORE (other commands join here)
run log generation --model final --count 4 --kept 1
run log generation --model gpt-image-1 --size 1536x1024 --quality high --count 2 --kept 1   # priced at its tier
run budget set project=project 1 USD --warn 50%
(cd $OUT/project && run log generation --model final --count 20 --kept 3)
run budget
run savings
# The team ledger: a throwaway PostgreSQL server (when PostgreSQL is installed) takes this
# machine's entries, and reports from there; the password comes from the environment.
if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  pgdir="$(mktemp -d /tmp/stet-demo-pg.XXXXXX)"
  trap './scripts/pg-test-server.sh stop "$pgdir"' EXIT
  eval "$(./scripts/pg-test-server.sh start "$pgdir")"
  export PGPASSWORD="$STET_TEST_PG_PASSWORD"
  run ledger push --to "$STET_TEST_PG_URL"
  run ledger push --to "$STET_TEST_PG_URL"
  run savings --ledger "$STET_TEST_PG_URL" --by model
  run ledger check --ledger "$STET_TEST_PG_URL"
else
  echo "  (no PostgreSQL: the team ledger example is skipped; ./scripts/setup.sh installs postgresql-15)"
fi

echo
echo "Outputs:"
echo "  proxies      $OUT/drafts/ (provenance: $OUT/drafts.json)"
echo "  grid         $OUT/grid.jpg (cell map: $OUT/grid.json)"
echo "  split cells  $OUT/from-map/ and $OUT/from-model/"
echo "  reframe      $OUT/reframe/ (decisions: $OUT/reframe/scene-two-plan.json)"
echo "  faces        $OUT/reframe-faces/ (faces and landmarks: $OUT/reframe-faces/astronaut-plan.json, drawn: $OUT/astronaut-faces.png)"
echo "  upscale      $OUT/candidate-1@2x.jpg; a batch in $OUT/up/"
echo "  batch        $OUT/social/ (shorts and reels are one render, linked)"
echo "  mask/inpaint $OUT/defects.png -> $OUT/scene-fixed.png; region $OUT/sign.png (+ .image.png, .region.json)"
echo "  patch        $OUT/scene-patched.png (region round trip through $OUT/blob.region.json)"
echo "  clips        $OUT/clip-drafts/ (proxies + posters; provenance: $OUT/clip-drafts.json), sheets $OUT/take-1-sheet.jpg, $OUT/take-1-every.jpg (+ .json)"
echo "  review board $OUT/review-board.png (locks: $OUT/project/.stet/locks.json)"
echo "  ledger       $STET_LEDGER"
