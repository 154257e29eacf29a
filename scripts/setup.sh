#!/usr/bin/env bash
# Installs what CIPette needs on Debian 12, skipping what is already there.
#   scripts/setup.sh            build and runtime dependencies
#   scripts/setup.sh --test     also the test tools (Chromium, clang-format, clang-tidy, a
#                               PostgreSQL server for scripts/postgres-cluster.sh, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libsqlite3-dev libpq-dev libfmt-dev libcli11-dev nlohmann-json3-dev libsimdjson-dev
  libcurl4-openssl-dev libcpp-httplib-dev libboost-dev libmstch-dev libssl-dev zlib1g-dev libbrotli-dev
  libgtest-dev libgmock-dev libbenchmark-dev nodejs npm
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang-format clang-tidy chromium wrk postgresql)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js may come from elsewhere than Debian's package (nodesource, nvm): any node and npm do.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for package in "${missing[@]}"; do
    [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package")
  done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
else
  echo "setup: all system packages present" >&2
fi

# Front-end packages (the chart library, and Playwright for the browser tests), pinned by
# web/package-lock.json.
if [[ -f web/package.json ]]; then
  if [[ ! -d web/node_modules ]] || [[ web/package-lock.json -nt web/node_modules ]]; then
    echo "setup: npm ci in web/" >&2
    npm ci --prefix web --no-audit --no-fund --loglevel=error
  fi
fi
