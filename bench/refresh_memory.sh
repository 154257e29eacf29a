#!/usr/bin/env bash
# The dashboard's resident memory across incremental refreshes (docs/performance.md).
#   bench/refresh_memory.sh [RUNS] [ROUNDS]    default 1000000 runs, 8 rounds
# Serves a RUNS-run demo database with a 1-second refresh interval; each round writes 1,000
# more demo runs into it (`cipette db copy` from a small demo database, a new seed each round),
# waits for the dashboard to pick them up, and prints its resident memory (VmRSS) and peak
# (VmHWM). Environment: CIPETTE_BIN (default build/release/cipette), PORT (default 5098),
# DATABASE (a postgresql:// URL to use instead of a SQLite file in $TMPDIR; the runs are
# written there and left: give it a schema of its own, e.g. ?options=-csearch_path%3Dmine).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
rounds=${2:-8}
bin=${CIPETTE_BIN:-build/release/cipette}
port=${PORT:-5098}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
[[ -x $bin ]] || { echo "build the release preset first (or set CIPETTE_BIN)" >&2; exit 1; }
db=${DATABASE:-$work/dashboard.db}
"$bin" demo --no-serve --runs "$runs" --seed 42 --db "$work/base.db" >/dev/null 2>&1
[[ $db == "$work/dashboard.db" ]] && mv "$work/base.db" "$db" || "$bin" db copy --from "$work/base.db" --to "$db" >/dev/null

"$bin" serve --db "$db" --port "$port" --refresh-interval 1 2>"$work/serve.log" &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
memory() { awk '/VmRSS|VmHWM/ {printf "%s %.1f MB  ", $1, $2 / 1024}' "/proc/$server/status"; }
refreshes() { grep -c "refreshed the run table" "$work/serve.log" || true; }
sleep 3
echo "machine: $(nproc) CPUs; $runs runs; load $(uptime | sed 's/.*average: //')"
echo "after start-up:  $(memory)"
for round in $(seq "$rounds"); do
  "$bin" demo --no-serve --runs 1000 --seed $((1000 + round)) --db "$work/more-$round.db" >/dev/null 2>&1
  before=$(refreshes)
  "$bin" db copy --from "$work/more-$round.db" --to "$db" >/dev/null 2>&1
  for _ in $(seq 100); do [[ $(refreshes) -gt $before ]] && break; sleep 0.1; done
  sleep 1.5
  echo "after refresh $round: $(memory)($(grep "refreshed" "$work/serve.log" | tail -1 | sed 's/.*: //'))"
done
