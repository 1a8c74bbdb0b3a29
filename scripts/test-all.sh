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
# Each tier's wall time, for the README's figures (scripts/readme-figures.ts).
mkdir -p .lab
times=.lab/test-all-times.tsv
: >"$times"
tier_name=""
tier_start=$SECONDS
step() {
  if [[ -n "$tier_name" ]]; then
    printf '%s\t%d\n' "$tier_name" "$((SECONDS - tier_start))" >>"$times"
  fi
  tier_name="$1"
  tier_start=$SECONDS
  printf '\n==> %s (at %d s)\n' "$*" "$((SECONDS - started))"
}

step lint "eslint, prettier, ruff, shellcheck, actionlint"
bash scripts/lint.sh

step type-check "tsc --noEmit"
npx tsc --noEmit

step unit "suite"
npx jest --selectProjects unit --ci --json --outputFile=.lab/unit-results.json

step lab-up "builds missing binaries into the version-keyed cache"
node scripts/run-ts.js lab/cli.ts up

step e2e "suites against the lab"
rm -f .lab/e2e-timings.tsv
# The tenant suite deploys objects of its own (team-* namespaces, the teams mount, its own auth
# paths and stores): it runs beside the others, which share the local chain and run one by one.
tenants_suite=__tests__/e2e/08-tenants.test.ts
# Its own cdktf output directory: each synthesis rewrites the whole directory.
E2E_CDKTF_OUT=cdktf.out.tenants npx jest --selectProjects e2e --ci --runInBand \
  --json --outputFile=.lab/e2e-tenants-results.json "$tenants_suite" >.lab/e2e-tenants.log 2>&1 &
tenants_pid=$!
status=0
npx jest --selectProjects e2e --ci --runInBand --json --outputFile=.lab/e2e-results.json \
  --testPathIgnorePatterns "$tenants_suite" || status=$?
tenants_status=0
wait "$tenants_pid" || tenants_status=$?
cat .lab/e2e-tenants.log
if ((status != 0 || tenants_status != 0)); then
  echo "end-to-end suites failed (exit $status; tenant suite exit $tenants_status)" >&2
  exit 1
fi

step total "all tiers passed in $((SECONDS - started)) s"
printf 'all\t%d\n' "$((SECONDS - started))" >>"$times"
