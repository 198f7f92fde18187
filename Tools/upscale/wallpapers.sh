#!/usr/bin/env bash
# Makes the 13 extra training photographs of the x4 refiner (Tools/upscale/README.md) in FOLDER:
# the photographic wallpapers of Debian's plasma-workspace-wallpapers and ukui-wallpapers (not
# the drawn or rendered ones), each at its largest size, halved with Lanczos-3 so that JPEG
# noise is gone. Needs root (apt-get) and vips (libvips-tools).
#   Tools/upscale/wallpapers.sh .build-upscale/photos
set -euo pipefail
out=${1:?usage: wallpapers.sh FOLDER}
if [ ! -d /usr/share/wallpapers/ColorfulCups ] || [ ! -f /usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends plasma-workspace-wallpapers ukui-wallpapers >/dev/null
fi
mkdir -p "$out"
for name in BytheWater ColdRipple ColorfulCups DarkestHour EveningGlow FallenLeaf Grey Kite OneStandsOut Path summer_1am Volna; do
  # The largest size: file names are WIDTHxHEIGHT.jpg or .png.
  src=$(ls /usr/share/wallpapers/$name/contents/images/* | sort -t x -k1 -n | tail -n 1)
  vips resize "$src" "$out/$name.png" 0.5 --kernel lanczos3 2>/dev/null
done
vips resize /usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg "$out/Kleiber.png" 0.5 --kernel lanczos3 2>/dev/null
ls "$out"
