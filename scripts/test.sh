#!/usr/bin/env bash
# From a fresh clone to a full test run: installs what is missing (with the test tools), checks
# formatting, builds with warnings as errors under address + undefined-behaviour sanitizers,
# and runs every test through CTest (unit, integration, HTTP and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "== clang-format" >&2
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "== build (asan preset: Debug, -Werror, ASan+UBSan)" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"

echo "== ctest" >&2
ctest --preset asan -j"$(nproc)" --timeout 600
