#!/usr/bin/env bash
# Quick start on a fresh Debian 12 machine: install dependencies, build, run the demo
# (100,000 synthetic customers, analyzed into ./demo-out).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/patron demo --out demo-out
