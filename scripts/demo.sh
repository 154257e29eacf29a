#!/usr/bin/env bash
# From a fresh clone to the demo dashboard: installs what is missing, builds CIPette (release)
# and runs `cipette demo`, which writes data/demo.db and serves it on http://127.0.0.1:5000.
# Extra arguments go to `cipette demo` (try --runs 1000000, --port 8080, --no-serve).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cipette
exec build/release/cipette demo "$@"
