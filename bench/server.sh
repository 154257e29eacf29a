# Sourced by the bench scripts: a `cipette serve` in the background, and what it uses.
#   start_server PORT COMMAND...   runs COMMAND (a `cipette serve` listening on PORT) in the
#                                  background as $server and waits until /healthz answers
#   rss                            its resident memory ("123.4 MB")
#   stop_server                    stops it and waits for it
start_server() {
  local port=$1
  shift
  "$@" 2>/dev/null &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2
  exit 1
}
rss() { awk '/VmRSS/ {printf "%.1f MB", $2 / 1024}' "/proc/$server/status"; }
stop_server() { kill "$server"; wait "$server" || true; }
