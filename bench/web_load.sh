#!/usr/bin/env bash
# Load test of `cipette serve` with wrk on 127.0.0.1 (docs/performance.md has the figures).
#   bench/web_load.sh [RUNS]     default 1000000 runs of demo history
# Needs a release build (cmake --preset release && cmake --build --preset release) and wrk.
# Environment:
#   CIPETTE_BIN   the binary (default build/release/cipette)
#   DURATION      seconds of each 50-connection run (default 20; the soak is always 60 s)
#   WRK_THREADS   wrk threads (default 2. Receiving a 50 kB response costs wrk ~47 us of CPU,
#                 more than the server spends on a cache hit, so one wrk thread tops out near
#                 21,000 req/s on this machine's cores whatever the server does)
#   PIN=1         pin the server to CPU 0 and wrk to CPU 1 (taskset); default: unpinned
#   PORT          default 5099
# Each run prints the load average before and after (`uptime`): wrk shares the machine with
# the server, so the figures depend on what else runs. "server CPU" is the server's user +
# system time per request (from /proc), which varies less than requests/s under load.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
bin=${CIPETTE_BIN:-build/release/cipette}
duration=${DURATION:-20}
threads=${WRK_THREADS:-2}
port=${PORT:-5099}
server_cpu=() client_cpu=()
if [[ ${PIN:-0} == 1 ]]; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
# The demo ends now, so that "last 90 days" holds runs; rebuilt on every call.
db=${TMPDIR:-/tmp}/cipette-web-load-$runs.db
rm -f "$db" "$db-wal" "$db-shm"
[[ -x $bin ]] || { echo "build the release preset first (or set CIPETTE_BIN)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "install wrk (scripts/setup.sh --test)" >&2; exit 1; }
"$bin" demo --no-serve --runs "$runs" --seed 42 --db "$db" >/dev/null
echo "machine: $(nproc) CPUs, $(uname -r); wrk -t$threads; pinned: ${PIN:-0}"

source bench/server.sh
serve() {  # serve CACHE_TTL
  start_server "$port" "${server_cpu[@]}" "$bin" serve --db "$db" --port "$port" --cache-ttl "$1"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }

# load CONNECTIONS SECONDS URL [wrk args...]: one wrk run, summarised.
load() {
  local connections=$1 seconds=$2 url=$3 before out requests ticks
  shift 3
  echo "  load before: $(uptime | sed 's/.*average: //')"
  before=$(cpu_ticks)
  out=$("${client_cpu[@]}" wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" "$url")
  ticks=$(($(cpu_ticks) - before))
  echo "$out" | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors" | sed 's/^ */  /'
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t="$ticks" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "  server CPU: %.0f us per request\n", t / hz * 1e6 / n}'
  echo "  load after: $(uptime | sed 's/.*average: //')"
}

metrics="http://127.0.0.1:$port/api/v1/metrics?period=90"

echo "== cached: $metrics, 50 connections, ${duration} s"
serve 60
curl -s "$metrics" >/dev/null
load 50 "$duration" "$metrics"
echo "== soak: 100 connections, 60 s, cached"
echo "  RSS before: $(rss)"
load 100 60 "$metrics"
echo "  RSS after: $(rss)"
stop_server

echo "== uncached (--cache-ttl 0)"
serve 0
echo "  dashboard HTML, time to first byte, median of 5:"
for q in "period=90" "period=30&repository=acme/web-frontend" "period=all"; do
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w "%{time_starttransfer}\n" "http://127.0.0.1:$port/?$q"
  done | sort -n | awk -v q="$q" 'NR == 3 {printf "    /?%s  %.1f ms\n", q, $1 * 1000}'
done
echo "== uncached: $metrics, 50 connections, ${duration} s"
echo "   (concurrent identical requests share one rendering: RenderGate)"
load 50 "$duration" "$metrics"
echo "== uncached, every request a different period (60-120 days): nothing can be shared"
load 50 "$duration" "http://127.0.0.1:$port" -s bench/vary_period.lua
echo "  RSS after: $(rss)"
stop_server
