#!/usr/bin/env bash
# Every linter of the test command: TypeScript (eslint), formatting (prettier), Python (ruff),
# shell (shellcheck) and the GitHub workflows (actionlint). The Python linters come from PyPI
# into .lab/lint-venv, actionlint from the Go module proxy through the lab's build cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CHECKPOINT_DISABLE=1

venv=.lab/lint-venv
stamp="$venv/.requirements"
if ! cmp -s scripts/lint-requirements.txt "$stamp" 2>/dev/null; then
  echo "lint: installing ruff and shellcheck into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/lint-requirements.txt
  cp scripts/lint-requirements.txt "$stamp"
fi

echo "lint: eslint"
npx eslint .
echo "lint: prettier"
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "lint: ruff"
mapfile -t python < <(git ls-files '*.py')
"$venv/bin/ruff" check "${python[@]}"
"$venv/bin/ruff" format --check "${python[@]}"
echo "lint: shellcheck"
mapfile -t shell < <(git ls-files '*.sh' .ci/run)
"$venv/bin/shellcheck" -x "${shell[@]}"
echo "lint: actionlint"
bash lab/toolchain/build.sh actionlint >/dev/null
"$(bash lab/toolchain/build.sh --path actionlint)" .github/workflows/*.yml
