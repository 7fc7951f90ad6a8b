#!/usr/bin/env bash
# Installs what Patron needs to build, test and benchmark, from Debian 12's packages.
# Safe to run again: packages already present are skipped.
set -euo pipefail
# toolchain and libFuzzer; libraries; unit tests; the benchmarks' comparison tools;
# the web assets, the server and browser tests (node/npm, curl, chromium); MPI (analyze --mpi)
packages=(
  build-essential cmake pkg-config clang libclang-rt-dev clang-format
  libgsl-dev libjansson-dev libsqlite3-dev libxgboost-dev libmicrohttpd-dev
  libcmocka-dev zlib1g-dev
  python3-pandas python3-sklearn python3-scipy python3-statsmodels time
  libgnutls28-dev nodejs npm curl chromium
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${packages[@]}"; do
  # a Node.js that is already installed (e.g. a nodesource build, which bundles npm and
  # conflicts with Debian's npm package) serves as it is
  case "$p" in nodejs | npm) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# ECharts (inlined into the report and dashboard at build time) and playwright-core (browser
# tests), exactly as pinned in web/package-lock.json; later runs and builds work offline.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web/node_modules/echarts/dist/echarts.min.js" ]; then
  (cd "$web" && npm ci --no-audit --no-fund)
fi
