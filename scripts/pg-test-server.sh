#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and the demo (no system service):
#   scripts/pg-test-server.sh start DIR   initdb in DIR, start on 127.0.0.1 at a free port, and
#                                         print `STET_TEST_PG_URL=...` and `STET_TEST_PG_PASSWORD=...`
#                                         (also written to DIR/env) for `eval`/`source`.
#   scripts/pg-test-server.sh stop DIR    stop it and remove DIR.
# Password authentication (scram-sha-256) with a random password, loopback only. As root the
# server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bin=""
for v in 17 16 15; do [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && { bin="/usr/lib/postgresql/$v/bin"; break; }; done
[ -n "$bin" ] || { echo "pg-test-server: PostgreSQL is not installed (scripts/setup.sh installs postgresql-15)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; else "$@"; fi
}
case "$cmd" in
start)
  # The server must not keep a caller's pipe open (a caller reading our output to its end would
  # wait for the server to stop): close every descriptor above stderr that we were handed.
  for fd in /proc/$$/fd/*; do fd="${fd##*/}"; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true; done
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' )"
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U stet --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=100" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  url="postgresql://stet@127.0.0.1:$port/postgres"
  printf 'STET_TEST_PG_URL=%s\nSTET_TEST_PG_PASSWORD=%s\nSTET_TEST_PG_BIN=%s\n' "$url" "$password" "$bin" > "$dir/env"
  chmod 600 "$dir/env"
  cat "$dir/env"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
