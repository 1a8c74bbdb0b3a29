#!/usr/bin/env bash
# Builds the lab's binaries from the Go module proxy into a version-keyed cache outside the repo.
#
#   lab/toolchain/build.sh [--list | --path COMPONENT] [--jobs N] [component ...]
#
# Components: tofu, terraform, provider-vault, provider-kubernetes, provider-aws, etcd, kubernetes
# (kube-apiserver, kube-controller-manager, kubectl), eso (controller and its CRDs, ESO_VERSION),
# eso-<version> for each of ESO_EARLIER_VERSIONS (the same, older: upgrade tests), actionlint (for
# the lint step).
# provider-aws-full is the same aws provider untrimmed, built only when named (about an hour and
# 9 GB): the reference `npm run lab -- verify-trim` compares the trimmed build's schema against.
# With no component, builds every one that is not cached yet, two at a time (--jobs N to change),
# longest first. A cached binary is never rebuilt: its path carries the version (and, for trimmed
# builds, a hash of what was kept), so a change in common/versions.sh or trim.py builds a new one beside it.
#
# tofu, terraform, the aws provider and ESO are compiled from a writable copy of their module with
# the backends the lab never uses left out (trim.py says what it keeps and why); their code is
# otherwise upstream's. Terraform cannot be built untrimmed from the proxy at all (its nested
# backend modules are not in its module zip). That takes a cold build of everything from about two hours to half an hour.
#
# Cache: $LAB_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/eks-vault-eso-lab).
# Each build prints its wall time and peak memory (from /usr/bin/time when present) and appends
# them to $LAB_CACHE_DIR/build-times.tsv, the source of the README's cold-build figures; a run
# that built several appends its whole wall time too (component `all`).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/../../common/versions.sh
source "$here/../../common/versions.sh"

cache_dir="${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/eks-vault-eso-lab}"
tools_dir="$cache_dir/tools"
build_root="$cache_dir/build"
log_dir="$cache_dir/logs"
mkdir -p "$tools_dir" "$build_root" "$log_dir"

# Two builds share the two cores: each has long single-threaded stretches (module downloads,
# linking) that the other fills. Trimmed, none peaks above about 2 GB.
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOTOOLCHAIN=local
go_build_flags=(-trimpath -p 2)

usage() {
  # The comment block at the top of this file, without its comment marks.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

die() {
  echo "build.sh: $*" >&2
  exit 1
}

# trim_key WORDS...: short hash of trim.py and what it is asked to keep, for trimmed builds' paths.
trim_key() {
  { cat "$here/trim.py"; echo "$*"; } | sha256sum | cut -c1-10
}

# tool_path COMPONENT -> path of the cached binary (or directory) for the pinned version.
tool_path() {
  case "$1" in
    tofu) echo "$tools_dir/tofu/$TOFU_VERSION-trim-$(trim_key tofu)/tofu" ;;
    terraform) echo "$tools_dir/terraform/$TERRAFORM_VERSION-trim-$(trim_key terraform)/terraform" ;;
    provider-vault) echo "$tools_dir/provider-vault/$VAULT_PROVIDER_VERSION/terraform-provider-vault_v$VAULT_PROVIDER_VERSION" ;;
    provider-kubernetes) echo "$tools_dir/provider-kubernetes/$KUBERNETES_PROVIDER_VERSION/terraform-provider-kubernetes_v$KUBERNETES_PROVIDER_VERSION" ;;
    provider-aws) echo "$tools_dir/provider-aws/$AWS_PROVIDER_VERSION-trim-$(trim_key aws "$AWS_PROVIDER_TYPES")/terraform-provider-aws_v$AWS_PROVIDER_VERSION" ;;
    provider-aws-full) echo "$tools_dir/provider-aws/$AWS_PROVIDER_VERSION-full/terraform-provider-aws_v$AWS_PROVIDER_VERSION" ;;
    etcd) echo "$tools_dir/etcd/$ETCD_VERSION/etcd" ;;
    kubernetes) echo "$tools_dir/kubernetes/$KUBERNETES_VERSION/kube-apiserver" ;;
    eso) echo "$tools_dir/eso/$ESO_VERSION-trim-$(trim_key eso "$ESO_PROVIDERS")/external-secrets" ;;
    eso-*)
      [[ " $ESO_EARLIER_VERSIONS " == *" ${1#eso-} "* ]] ||
        die "unknown component '$1': ESO versions are ESO_VERSION (eso) and ESO_EARLIER_VERSIONS ($ESO_EARLIER_VERSIONS)"
      echo "$tools_dir/eso/${1#eso-}-trim-$(trim_key eso "$ESO_PROVIDERS")/external-secrets"
      ;;
    actionlint) echo "$tools_dir/actionlint/$ACTIONLINT_VERSION/actionlint" ;;
    *) die "unknown component '$1' (known: ${all_components[*]} ${reference_components[*]})" ;;
  esac
}

# Longest cold build first, so two at a time finish together (times in lab/README.md). actionlint
# is the workflow linter of the test command's lint step, not a part of the lab.
earlier_eso=()
for v in $ESO_EARLIER_VERSIONS; do earlier_eso+=("eso-$v"); done
all_components=(kubernetes tofu terraform eso "${earlier_eso[@]}" provider-aws provider-kubernetes provider-vault etcd actionlint)
# Built only when named; --list shows them after the rest.
reference_components=(provider-aws-full)

# new_wrapper NAME -> fresh empty module directory for one build; prints its path.
new_wrapper() {
  local dir="$build_root/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && go mod init "lab-build/$1" >/dev/null 2>&1)
  echo "$dir"
}

# module_copy NAME MODULE@VERSION -> a writable copy of the module, as the main module of its own
# build: its go.mod, go.sum and replaces apply as upstream wrote them, so no wrapper is needed.
module_copy() {
  local name="$1" module_at_version="$2" dir mod_dir
  dir="$build_root/$name"
  rm -rf "$dir"
  mkdir -p "$build_root"
  mod_dir="$(cd "$build_root" && go mod download -json "$module_at_version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$mod_dir" ]] || die "go mod download $module_at_version gave no directory"
  cp -r "$mod_dir" "$dir"
  chmod -R u+w "$dir"
  echo "$dir"
}

build_terraform() {
  local dir out
  dir="$(module_copy terraform "$TERRAFORM_MODULE@v$TERRAFORM_VERSION")"
  out="$(tool_path terraform)"
  python3 "$here/trim.py" terraform "$dir"
  (cd "$dir" && go build "${go_build_flags[@]}" -ldflags "-s -w -X $TERRAFORM_MODULE/version.dev=no" -o "$out.part" .)
  mv "$out.part" "$out"
}

build_tofu() {
  local dir out
  dir="$(module_copy tofu "$TOFU_MODULE@v$TOFU_VERSION")"
  out="$(tool_path tofu)"
  python3 "$here/trim.py" tofu "$dir"
  (cd "$dir" && go build "${go_build_flags[@]}" -ldflags "-s -w -X $TOFU_MODULE/version.dev=no" -o "$out.part" ./cmd/tofu)
  mv "$out.part" "$out"
}

# build_provider TYPE MODULE_VERSION OUT
build_provider() {
  local type="$1" module_version="$2" out="$3" dir module
  module="github.com/hashicorp/terraform-provider-$type"
  dir="$(new_wrapper "provider-$type")"
  (cd "$dir" && go get -tool "$module@$module_version" &&
    go build "${go_build_flags[@]}" -ldflags "-s -w" -o "$out.part" "$module")
  mv "$out.part" "$out"
}

# The aws provider with only the services that serve the types the stacks use (AWS_PROVIDER_TYPES;
# a unit test checks that list against the synthesized JSON), or (COMPONENT provider-aws-full) with
# every service: the same module copy and build command, only trim.py skipped.
build_provider_aws() {
  local component="$1" dir out
  dir="$(module_copy "$component" "github.com/hashicorp/terraform-provider-aws@$AWS_PROVIDER_MODULE_VERSION")"
  out="$(tool_path "$component")"
  if [[ "$component" == provider-aws ]]; then
    # shellcheck disable=SC2086 # a list of type names
    python3 "$here/trim.py" aws "$dir" $AWS_PROVIDER_TYPES
  fi
  (cd "$dir" && go build "${go_build_flags[@]}" -ldflags "-s -w" -o "$out.part" .)
  mv "$out.part" "$out"
}

build_etcd() {
  local dir out
  dir="$(new_wrapper etcd)"
  out="$(tool_path etcd)"
  # etcd's own main lives in a module full of local replaces; etcdmain.Main is the same entry
  # point, so a three-line main of ours builds the same server.
  cp "$here/etcd/main.go" "$dir/main.go"
  (cd "$dir" && go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" && go mod tidy >/dev/null &&
    go build "${go_build_flags[@]}" -ldflags "-s -w" -o "$out.part" .)
  mv "$out.part" "$out"
}

build_kubernetes() {
  local dir out minor staging ldflags pkg
  dir="$(new_wrapper kubernetes)"
  out="$(tool_path kubernetes)"
  minor="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging;
  # the wrapper points each at its published v0.<minor>.<patch> instead.
  staging="$(curl -fsS "$(go env GOPROXY | cut -d, -f1)/k8s.io/kubernetes/@v/v$KUBERNETES_VERSION.mod" |
    awk '$2 == "=>" && $3 ~ /^\.\/staging/ { print $1 }')"
  [[ -n "$staging" ]] || die "could not read the staging module list of k8s.io/kubernetes v$KUBERNETES_VERSION"
  local m
  for m in $staging; do
    (cd "$dir" && go mod edit -replace="$m=$m@v0.${KUBERNETES_VERSION#1.}")
  done
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  # One go build for the three commands: their shared packages compile once, in one schedule.
  local parts
  parts="$(dirname "$out")/.part"
  rm -rf "$parts"
  mkdir -p "$parts"
  (cd "$dir" && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$KUBERNETES_VERSION" "k8s.io/kubernetes/cmd/kubectl@v$KUBERNETES_VERSION" &&
    go build "${go_build_flags[@]}" -ldflags "$ldflags" -o "$parts/" k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
  mv "$parts/kube-controller-manager" "$parts/kubectl" "$(dirname "$out")/"
  mv "$parts/kube-apiserver" "$out"
  rmdir "$parts"
}

build_actionlint() {
  local dir out
  dir="$(new_wrapper actionlint)"
  out="$(tool_path actionlint)"
  (cd "$dir" && go get -tool "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" &&
    go build "${go_build_flags[@]}" -ldflags "-s -w" -o "$out.part" github.com/rhysd/actionlint/cmd/actionlint)
  mv "$out.part" "$out"
}

# ESO with only the providers and generators in ESO_PROVIDERS (the lab's stores are all Vault).
# COMPONENT eso is ESO_VERSION, eso-<version> one of ESO_EARLIER_VERSIONS.
build_eso() {
  local component="$1" version dir out
  version="$ESO_VERSION"
  [[ "$component" == eso-* ]] && version="${component#eso-}"
  dir="$(module_copy "$component" "github.com/external-secrets/external-secrets@v$version")"
  out="$(tool_path "$component")"
  # shellcheck disable=SC2086 # a list of provider names
  python3 "$here/trim.py" eso "$dir" $ESO_PROVIDERS
  (cd "$dir" && go build "${go_build_flags[@]}" -ldflags "-s -w" -o "$out.part" .)
  # The CRDs of the same version, for `lab up` to install (taken from the module, never committed).
  local crds="$dir/config/crds/bases"
  [[ -d "$crds" ]] || die "ESO module has no config/crds/bases at $crds"
  rm -rf "$(dirname "$out")/crds"
  cp -r "$crds" "$(dirname "$out")/crds"
  chmod -R u+w "$(dirname "$out")/crds"
  mv "$out.part" "$out"
}

build_one() {
  local component="$1" out rc lock_fd
  out="$(tool_path "$component")"
  # One build per component at a time: a second caller (another `lab up`, a test run) waits for
  # the first and then finds the binary cached, instead of compiling the same thing twice.
  mkdir -p "$cache_dir/locks"
  exec {lock_fd}>"$cache_dir/locks/$component.lock"
  if ! flock -n "$lock_fd"; then
    echo "==> $component: another build of it is running; waiting for that one"
    flock "$lock_fd"
  fi
  rc=0
  build_unlocked "$component" "$out" || rc=$?
  exec {lock_fd}>&-
  return "$rc"
}

build_unlocked() {
  local component="$1" out="$2" log start end rc peak
  if [[ -x "$out" ]]; then
    echo "==> $component: cached at $out"
    return 0
  fi
  mkdir -p "$(dirname "$out")"
  log="$log_dir/build-$component.log"
  echo "==> $component: building (log: $log)"
  start=$(date +%s)
  rc=0
  local fn="build_${component//-/_}"
  [[ "$component" == provider-* ]] && fn=build_provider_component
  [[ "$component" == eso-* ]] && fn=build_eso
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%M' -o "$log.rss" bash -c "source '${BASH_SOURCE[0]}' --as-library; $fn $component" >"$log" 2>&1 || rc=$?
    peak="$(($(tail -1 "$log.rss" 2>/dev/null || echo 0) / 1024))"
  else
    "$fn" "$component" >"$log" 2>&1 || rc=$?
    peak="?"
  fi
  end=$(date +%s)
  if [[ $rc -ne 0 ]]; then
    echo "==> $component: FAILED after $((end - start)) s; last lines of $log:" >&2
    tail -20 "$log" >&2
    return 1
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$component" "$(basename "$(dirname "$out")")" "$((end - start))" "$peak" \
    >>"$cache_dir/build-times.tsv"
  echo "==> $component: built in $((end - start)) s, peak RSS ${peak} MB -> $out"
}

build_provider_component() {
  case "$1" in
    provider-vault) build_provider vault "$VAULT_PROVIDER_MODULE_VERSION" "$(tool_path provider-vault)" ;;
    provider-kubernetes) build_provider kubernetes "$KUBERNETES_PROVIDER_MODULE_VERSION" "$(tool_path provider-kubernetes)" ;;
    provider-aws | provider-aws-full) build_provider_aws "$1" ;;
  esac
}

main() {
  case "${1:-}" in
    -h | --help)
      usage
      return 0
      ;;
    --list)
      local c
      for c in "${all_components[@]}" "${reference_components[@]}"; do
        printf '%-20s %s\n' "$c" "$(tool_path "$c")"
      done
      return 0
      ;;
    --path)
      tool_path "$2"
      return 0
      ;;
  esac
  local max_jobs=2
  if [[ "${1:-}" == "--jobs" ]]; then
    [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number, got '${2:-}'"
    max_jobs="$2"
    shift 2
  fi
  local components=("$@")
  [[ ${#components[@]} -gt 0 ]] || components=("${all_components[@]}")
  local c
  for c in "${components[@]}"; do
    tool_path "$c" >/dev/null
  done
  # What is missing now: when it was built, the whole wall time goes to build-times.tsv as `all`.
  local missing=0 started
  started=$(date +%s)
  for c in "${components[@]}"; do
    [[ -e "$(tool_path "$c")" ]] || missing=$((missing + 1))
  done
  # A small job pool: start the next build when one of max_jobs finishes; fail if any failed.
  local failed=0
  for c in "${components[@]}"; do
    while (($(jobs -rp | wc -l) >= max_jobs)); do
      wait -n || failed=1
    done
    build_one "$c" &
  done
  while (($(jobs -rp | wc -l) > 0)); do
    wait -n || failed=1
  done
  if ((failed == 0 && missing > 1)); then
    printf '%s\tall\t%s built, %s at a time\t%s\t-\n' "$(date -u +%FT%TZ)" "$missing" "$max_jobs" \
      "$(($(date +%s) - started))" >>"$cache_dir/build-times.tsv"
  fi
  return "$failed"
}

# Sourced with --as-library by build_one (to time one function in a child shell); run otherwise.
if [[ "${1:-}" != "--as-library" ]]; then
  main "$@"
fi
