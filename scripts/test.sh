#!/usr/bin/env bash
# Quick start 2: set up from a fresh clone and run the whole test suite (what CI runs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "==> npm ci"
npm ci --no-audit --no-fund
npm test
