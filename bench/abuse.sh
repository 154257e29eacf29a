#!/usr/bin/env bash
# What hostile clients can take of `cipette serve` on 127.0.0.1 (docs/performance.md has the
# figures):
#   1. 1,000 idle connections and 200 slowloris ones: latency of everyone else meanwhile;
#   2. 300 connections from one address (the limit is 256 per client address);
#   3. cache busting: wrk asking for a different 100-year daily series on every request, with
#      the server's memory before and after (the cache is bounded at 64 MB);
#   4. token guessing: wrong bearer tokens as fast as one client can send them.
#   bench/abuse.sh [RUNS]     default 100000 runs of demo history
# Needs a release build (cmake --preset release && cmake --build --preset release), wrk and
# python3 (bench/abuse_clients.py). Environment: CIPETTE_BIN (default build/release/cipette),
# PORT (default 5098). Every request goes to 127.0.0.1, and every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100000}
bin=${CIPETTE_BIN:-build/release/cipette}
port=${PORT:-5098}
db=${TMPDIR:-/tmp}/cipette-abuse-$runs.db
[[ -x $bin ]] || { echo "build the release preset first (or set CIPETTE_BIN)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "install wrk (scripts/setup.sh --test)" >&2; exit 1; }
rm -f "$db" "$db-wal" "$db-shm"
"$bin" demo --no-serve --runs "$runs" --seed 42 --db "$db" >/dev/null
echo "machine: $(nproc) CPUs, $(uname -r); $runs runs; load $(uptime | sed 's/.*average: //')"
# Each connection needs a file descriptor on both ends, here in one machine.
ulimit -n "$(ulimit -Hn)"

source bench/server.sh
serve() { start_server "$port" env "$@" "$bin" serve --db "$db" --port "$port"; }  # [ENV=VALUE...]
threads() { awk '/Threads/ {print $2}' "/proc/$server/status"; }

serve
curl -s "http://127.0.0.1:$port/api/v1/metrics?period=90" >/dev/null  # cached from now on
echo "== idle and slow connections (server threads: $(threads), RSS $(rss))"
python3 bench/abuse_clients.py "$port" slow
echo "  RSS after: $(rss)"
echo "== connections per client address"
python3 bench/abuse_clients.py "$port" per-client
for years in 10 100; do
  echo "== cache busting: a different $years-year series per request, 20 s, 8 connections"
  echo "  RSS before: $(rss)"
  SPAN_YEARS=$years wrk -t2 -c8 -d20s -s bench/bust_cache.lua "http://127.0.0.1:$port" |
    grep -E "Requests/sec|requests in|Non-2xx" | sed 's/^ */  /'
  echo "  RSS after: $(rss)"
done
stop_server

echo "== token guessing (CIPETTE_AUTH_TOKEN set)"
serve CIPETTE_AUTH_TOKEN=correct-horse-battery-staple
python3 bench/abuse_clients.py "$port" guess
stop_server
