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

step e2e "suites against the lab, under both engines"
rm -f .lab/e2e-timings.tsv
rm -rf .lab/e2e-results
mkdir -p .lab/e2e-results
# suites NAME ENGINE OUT FILE...: one jest process with LAB_ENGINE=ENGINE and its own cdktf output
# directory OUT (each synthesis rewrites the whole directory); results in .lab/e2e-results/NAME.json.
suites() {
  local name="$1" engine="$2" out="$3"
  shift 3
  LAB_ENGINE="$engine" E2E_CDKTF_OUT="$out" npx jest --selectProjects e2e --ci --runInBand \
    --json --outputFile=".lab/e2e-results/$name.json" "$@"
}
tenants_suite=__tests__/e2e/08-tenants.test.ts
# The review suite deploys local-tenants as 08 does (the same stacks, namespaces and mount): it
# runs in the tenant lane after 08's Terraform run, never beside 08. Under OpenTofu: review plans
# with the engine's own `show -json`, which 08 covers under both engines.
review_suite=__tests__/e2e/18-review.test.ts
# Stops and swaps the lab's one ESO controller: runs alone, after the others.
eso_upgrade_suite=__tests__/e2e/11-eso-upgrade.test.ts
# The suites that deploy run under Terraform too (LAB_ENGINE=terraform); 02-05 and 07 exercise
# the ops tools, the doctor and ESO itself, whose engine-dependent part (plan, apply, import) 01,
# 06 and 08 cover, so they stay on OpenTofu (lab/README.md, "Engines"). 16 (two clusters: moves
# across provider aliases, removed blocks) runs under both; the lab's up starts its second cluster.
# 17 (the upgrade to team files: split-teams moves state, which each engine writes and pushes)
# runs under both too, last of each chain lane (the suites run in name order): its environment,
# teams, namespaces (upgrade-*), mount and auth path are its own, so it runs beside the tenant
# suite (08, payments and search in team-*), and it must not meet 03's OpenBao restart, which
# the chain lane's one-by-one order rules out.
# 19 (a team's blast radius: diff and deploy --team of one team's stack, refusals of a team
# file's mistakes) runs under both too, after 17, for the same reasons: its environment, teams,
# namespaces (blast-*), mount, auth path and team folder (a copy under .lab/) are its own.
terraform_suites=(__tests__/e2e/01-deploy-modes.test.ts __tests__/e2e/06-day-two.test.ts
  __tests__/e2e/16-clusters.test.ts
  __tests__/e2e/17-team-files-upgrade.test.ts __tests__/e2e/19-team-blast-radius.test.ts)
# The tenant suite deploys objects of its own (team-* namespaces, the teams mount, its own auth
# paths and stores): it runs beside the chain suites, which share the local chain and run one by
# one, under each engine in turn. In phases, because 03 restarts OpenBao (a dev server: its data
# goes): the OpenTofu tenant run ends before 03 gets there, the Terraform one starts after it.
suites tofu-tenants tofu cdktf.out.tenants "$tenants_suite" >.lab/e2e-tenants.log 2>&1 &
tenants_pid=$!
status=0
tenants_status=0
suites tofu tofu cdktf.out --testPathIgnorePatterns "$tenants_suite" "$eso_upgrade_suite" \
  "$review_suite" || status=$?
wait "$tenants_pid" || tenants_status=$?
(
  lane=0
  suites terraform-tenants terraform cdktf.out.tenants-terraform "$tenants_suite" || lane=$?
  suites tofu-review tofu cdktf.out.review "$review_suite" || lane=$?
  exit "$lane"
) >>.lab/e2e-tenants.log 2>&1 &
tenants_pid=$!
suites terraform terraform cdktf.out.terraform "${terraform_suites[@]}" || status=$?
wait "$tenants_pid" || tenants_status=$?
cat .lab/e2e-tenants.log
upgrade_status=0
suites eso-upgrade tofu cdktf.out "$eso_upgrade_suite" || upgrade_status=$?
if ((status != 0 || tenants_status != 0 || upgrade_status != 0)); then
  echo "end-to-end suites failed (exit $status; tenant suites exit $tenants_status; ESO upgrade suite exit $upgrade_status)" >&2
  exit 1
fi

step total "all tiers passed in $((SECONDS - started)) s"
printf 'all\t%d\n' "$((SECONDS - started))" >>"$times"
