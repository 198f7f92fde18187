#!/usr/bin/env bash
# Installs Stet's system dependencies on Debian 12 when they are missing (needs root or sudo).
set -euo pipefail
need=()
pkg-config --exists vips 2>/dev/null || need+=(libvips-dev)
command -v vips >/dev/null 2>&1 || need+=(libvips-tools)
dpkg -s libpng-dev >/dev/null 2>&1 || need+=(libpng-dev)
dpkg -s libjpeg62-turbo-dev >/dev/null 2>&1 || need+=(libjpeg62-turbo-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
fc-list 2>/dev/null | grep -q DejaVuSans-Bold || need+=(fonts-dejavu-core)
command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
# Video clips (issue 17): FFmpeg's libraries (Debian's libavcodec carries libx264), and the
# ffmpeg program, which only the tests and benchmarks use as a peer and to make test clips.
for lib in libavformat libavcodec libavutil libswscale libswresample; do
  pkg-config --exists "$lib" 2>/dev/null || need+=("$lib-dev")
done
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
# The review board's browser test and the demo's screenshot: Debian's Chromium and its driver.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# The team ledger (issue 19): PostgreSQL's server programs, for the tests' and the demo's
# throwaway servers (scripts/pg-test-server.sh); its client psql for the tests. No system service:
# the distribution's own cluster is stopped and left disabled.
pg_new=0
[ -x /usr/lib/postgresql/15/bin/initdb ] || { need+=(postgresql-15 postgresql-client-15); pg_new=1; }
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "$pg_new" = 1 ]; then
  $SUDO pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  command -v systemctl >/dev/null 2>&1 && $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
  [ -f /etc/postgresql/15/main/start.conf ] && echo disabled | $SUDO tee /etc/postgresql/15/main/start.conf >/dev/null || true
fi
# Selenium (PyPI) drives that Chromium in the review board's test.
if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "setup: installing selenium (pip)"
  python3 -m pip install -q selenium >/dev/null 2>&1 || echo "setup: selenium could not be installed; the browser test will say so"
fi
echo "setup: libvips $(pkg-config --modversion vips), libavcodec $(pkg-config --modversion libavcodec)"
