#!/usr/bin/env bash
# npm test: every tier, in order of cost. Stops at the first failing tier.
#   lint + format, type-check, unit suite, lab up (builds what is missing), end-to-end suites.
# Needs node_modules (npm ci). The lab stays up afterwards for fast reruns: npm run lab -- down.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$SECONDS
step() {
  printf '\n==> %s (at %d s)\n' "$*" "$((SECONDS - started))"
}

step "lint: eslint and prettier"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

step "type-check: tsc --noEmit"
npx tsc --noEmit

step "unit suite"
npx jest --selectProjects unit --ci

step "lab: up (builds missing binaries into the version-keyed cache)"
node scripts/run-ts.js lab/cli.ts up

step "end-to-end suites against the lab"
npx jest --selectProjects e2e --ci --runInBand

step "all tiers passed in $((SECONDS - started)) s"
