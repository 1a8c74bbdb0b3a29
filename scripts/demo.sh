#!/usr/bin/env bash
# Quick start 1: set up, bring the lab up, deploy the `local` environment, and show the result:
# the doctor walking the chain (the login reads each secret's keys) and the Kubernetes Secrets ESO
# wrote (keys only, never values).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Offline: cdktf and OpenTofu would ask HashiCorp's checkpoint service for news, and log an error.
export CHECKPOINT_DISABLE=1
started=$SECONDS
step() {
  printf '\n==> %s (at %d s)\n' "$*" "$((SECONDS - started))"
}

# npm ci only when the lockfile changed since the last install.
if ! cmp -s package-lock.json node_modules/.package-lock.json.installed 2>/dev/null; then
  step "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.package-lock.json.installed
fi

step "lab up (builds missing binaries into the version-keyed cache; cold: see README)"
node scripts/run-ts.js lab/cli.ts up

# shellcheck source=/dev/null
source .lab/env.sh
export KUBECTL="$LAB_DIR/bin/kubectl"

step "cdktf deploy local"
npx cdktf deploy local --auto-approve --skip-provider-lock

step "doctor: the chain, link by link"
node scripts/run-ts.js ops/doctor.ts --env local || {
  echo "(ESO may still be syncing; waiting 30 s and asking again)"
  sleep 30
  node scripts/run-ts.js ops/doctor.ts --env local
}

step "Kubernetes Secrets written by ESO (keys only)"
node scripts/run-ts.js scripts/show-synced.ts --env local

step "done in $((SECONDS - started)) s. The lab keeps running: npm run lab -- down stops it"
