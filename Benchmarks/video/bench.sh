#!/usr/bin/env bash
# Speed of stet's clip commands against the ffmpeg program on the same clip, with farm-bench
# (A B alternation, paired ratios; quote the medians). The clip is made by make_clip.py from the
# held-out photographs (CSun_Hays80): 1920x1080, 25 fps, H.264 CRF 18 + AAC, shots that pan, zoom
# and hold, hard cuts and cross-fades.
#
#   bench.sh STET_BINARY WORKDIR [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stet="$1"; work="$2"; runs="${3:-3}"
mkdir -p "$work" && cd "$work"
data="${STET_DATASETS:-/work/shared/datasets}"
clip=clip60.mp4
[ -f $clip ] || python3 "$here/make_clip.py" $clip "$data"/train/CSun_Hays80/*.jpg --size 1920x1080 --shots 24 \
  --min-frames 40 --max-frames 85 --seed 60 --fades 0.3 > clip60.truth.json
ffprobe -v error -show_entries format=duration:stream=codec_name,width,height,nb_frames -of compact $clip
fb() { farm-bench -n "$runs" --warmup 1 --timeout 1800 "$@"; }

# The peers' commands, as scripts (their filter graphs hold commas and quotes).
cat > ff-scenes.sh <<EOS
exec ffmpeg -v error -y -i $clip -vf "select='gt(scene,0.4)',scale=320:-2,tile=4x4" -frames:v 1 -fps_mode vfr ff-scenes.jpg
EOS
cat > ff-every.sh <<EOS
exec ffmpeg -v error -y -i $clip -vf "fps=1/4,scale=320:-2,tile=4x4" -frames:v 1 ff-every.jpg
EOS
cat > ff-540.sh <<EOS
exec ffmpeg -v error -y -i $clip -vf scale=-2:540 -c:v libx264 -crf 28 -c:a copy ff-540.mp4
EOS
cat > ff-540w-same.sh <<EOS
exec ffmpeg -v error -y -i $clip -vf scale=540:-2 -c:v libx264 -preset veryfast -crf 28 -g 25 -c:a copy -movflags +faststart ff-540w-same.mp4
EOS
cat > ff-540-same.sh <<EOS
exec ffmpeg -v error -y -i $clip -vf scale=-2:540 -c:v libx264 -preset veryfast -crf 28 -g 25 -c:a copy -movflags +faststart ff-540-same.mp4
EOS
echo "== sheet, scenes: stet sheet vs ffmpeg select='gt(scene,0.4)',scale=320:-2,tile=4x4"
fb --vs "sh ff-scenes.sh" -- "$stet" sheet $clip -o stet-scenes.jpg --no-log -q
echo "== sheet, every 4 s: stet sheet --every 4s vs ffmpeg fps=1/4,scale=320:-2,tile=4x4"
fb --vs "sh ff-every.sh" -- "$stet" sheet $clip -o stet-every.jpg --every 4s --no-log -q
if command -v vcsi >/dev/null; then
  echo "== sheet, 16 frames: stet sheet --every 4s vs vcsi -g 4x4"
  fb --vs "vcsi $clip -g 4x4 -w 1310 -o vcsi.jpg" -- "$stet" sheet $clip -o stet-every.jpg --every 4s --no-log -q
fi
echo "== proxy: stet draft --size 540 (540x304) vs ffmpeg scale=540:-2 at the same settings"
fb --vs "sh ff-540w-same.sh" -- "$stet" draft $clip --size 540 --out stet-drafts --no-log -q
echo "== proxy 540p: stet draft --size 540 (CRF 28, veryfast, keyframe every second, audio copied)"
echo "   vs ffmpeg -vf scale=-2:540 -crf 28 (default preset medium), audio copied"
fb --vs "sh ff-540.sh" -- "$stet" draft $clip --size 540 --out stet-drafts --no-log -q
echo "   vs ffmpeg at the same settings (-preset veryfast -g 25, faststart)"
fb --vs "sh ff-540-same.sh" -- "$stet" draft $clip --size 540 --out stet-drafts --no-log -q
ls -la stet-drafts ff-540.mp4 ff-540-same.mp4
