#!/usr/bin/env bash
# From a fresh clone to a full test run: installs what is missing (with the test tools), checks
# formatting, builds with warnings as errors under address + undefined-behaviour sanitizers,
# runs clang-tidy over src/ (scripts/clang-tidy.sh), and runs every test through CTest (unit,
# integration, HTTP and browser tests), the PostgreSQL ones against a throwaway cluster
# (scripts/postgres-cluster.sh) that is stopped on exit. With CIPETTE_TEST_POSTGRES_URL already
# set, they use that server instead. A clang-tidy warning fails the run after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "== clang-format" >&2
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "== build (asan preset: Debug, -Werror, ASan+UBSan)" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"

echo "== clang-tidy (src/, cached passes)" >&2
# A warning fails the run, but only once the tests have run too: one run reports both.
tidy_status=0
scripts/clang-tidy.sh || tidy_status=$?

if [[ -z "${CIPETTE_TEST_POSTGRES_URL:-}" ]]; then
  echo "== PostgreSQL test cluster" >&2
  # `|| ...`: a failed stop must not replace this script's exit code (ctest's or clang-tidy's).
  trap 'scripts/postgres-cluster.sh stop || echo "test: could not stop the PostgreSQL cluster" >&2' EXIT
  scripts/postgres-cluster.sh start
  CIPETTE_TEST_POSTGRES_URL="$(scripts/postgres-cluster.sh url)"
  export CIPETTE_TEST_POSTGRES_URL
fi
# The PostgreSQL tests fail, rather than skip, when the server is unreachable.
export CIPETTE_REQUIRE_POSTGRES=1

echo "== ctest" >&2
ctest --preset asan -j"$(nproc)" --timeout 600

if ((tidy_status)); then
  echo "test: clang-tidy found warnings (listed above, before the tests)" >&2
  exit "$tidy_status"
fi
