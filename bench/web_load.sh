#!/usr/bin/env bash
# Load test of `cipette serve` with wrk on 127.0.0.1 (docs/performance.md has the figures).
#   bench/web_load.sh [RUNS]     default 1000000 runs of demo history
# Needs a release build (cmake --preset release && cmake --build --preset release) and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
bin=build/release/cipette
# The demo ends now, so that "last 90 days" holds runs; rebuilt on every call.
db=${TMPDIR:-/tmp}/cipette-web-load-$runs.db
rm -f "$db" "$db-wal" "$db-shm"
port=${PORT:-5099}
[[ -x $bin ]] || { echo "build the release preset first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "install wrk (scripts/setup.sh --test)" >&2; exit 1; }
[[ -f $db ]] || "$bin" demo --no-serve --runs "$runs" --seed 42 --db "$db" >/dev/null

serve() {  # serve CACHE_TTL: starts the server in the background, waits until it answers
  "$bin" serve --db "$db" --port "$port" --cache-ttl "$1" 2>/dev/null &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2; exit 1
}
rss() { awk '/VmRSS/ {print $2 / 1024 " MB"}' "/proc/$server/status"; }
stop() { kill "$server"; wait "$server" || true; }

all="http://127.0.0.1:$port/api/v1/metrics?period=90"

echo "== cached: $all, 50 connections, 15 s"
serve 60
wrk -t2 -c50 -d15s --latency "$all" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|Latency "
echo "RSS after: $(rss)"
echo "== dashboard HTML, first byte (cached and uncached views)"
for q in "period=90" "period=30&repository=acme/web-frontend" "period=all"; do
  curl -s -o /dev/null -w "  /?$q  %{time_starttransfer}s\n" "http://127.0.0.1:$port/?$q"
done
echo "== soak: 100 connections, 60 s, cached"
echo "RSS before: $(rss)"
wrk -t2 -c100 -d60s --latency "$all" | grep -E "Requests/sec|99%|Non-2xx|Socket errors"
echo "RSS after: $(rss)"
stop

echo "== uncached (--cache-ttl 0): $all, 50 connections, 15 s"
serve 0
wrk -t2 -c50 -d15s --latency "$all" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|Latency "
echo "== uncached, every request a different period (60-120 days): nothing can be shared"
wrk -t2 -c50 -d15s --latency -s bench/vary_period.lua "http://127.0.0.1:$port" |
  grep -E "Requests/sec|99%|Non-2xx|Socket errors|Latency "
echo "RSS after: $(rss)"
stop
