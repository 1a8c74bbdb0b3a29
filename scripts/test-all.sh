#!/usr/bin/env bash
# npm test: every tier, in order of cost. Stops at the first failing tier.
#   lint (TypeScript, formatting, Python, shell, workflows), type-check, unit suite, lab up
#   (builds what is missing), end-to-end suites.
# Needs node_modules (npm ci). The lab stays up afterwards for fast reruns: npm run lab -- down.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Offline: cdktf and OpenTofu would ask HashiCorp's checkpoint service for news, and log an error.
export CHECKPOINT_DISABLE=1

started=$SECONDS
step() {
  printf '\n==> %s (at %d s)\n' "$*" "$((SECONDS - started))"
}

step "lint: eslint, prettier, ruff, shellcheck, actionlint"
bash scripts/lint.sh

step "type-check: tsc --noEmit"
npx tsc --noEmit

step "unit suite"
npx jest --selectProjects unit --ci

step "lab: up (builds missing binaries into the version-keyed cache)"
node scripts/run-ts.js lab/cli.ts up

step "end-to-end suites against the lab"
npx jest --selectProjects e2e --ci --runInBand

step "all tiers passed in $((SECONDS - started)) s"
