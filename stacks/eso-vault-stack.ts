import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import {
  CloudBackend,
  LocalBackend,
  NamedCloudWorkspace,
  TaggedCloudWorkspaces,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import type { Construct } from 'constructs';
import { EksClusterLookup } from '../constructs/eks-cluster-lookup';
import { EsoClusterSecretStore, type StoreAuth } from '../constructs/eso-cluster-secret-store';
import { EsoExternalSecret } from '../constructs/eso-external-secret';
import { type Readiness, ReadinessCheck } from '../constructs/eso-readiness';
import { KvV2Secrets, type KvV2SecretInput } from '../constructs/kv-v2-secrets';
import { kebabId, secretValuesVariableName } from '../common/names';
import { providerVersions, requiredTerraformVersion } from '../common/versions';
import { SecretReadPolicy } from '../constructs/secret-read-policy';
import { VaultAuthServiceAccount } from '../constructs/vault-auth-service-account';
import { VaultKubernetesAuth } from '../constructs/vault-kubernetes-auth';
import type { EnvironmentConfig } from '../environments/types';
import { ChainInvariants } from '../rules/chain-invariants';
import { withoutBinaryVersionCheck } from '../constructs/terraform-blocks';
import type { StackJson } from '../rules/stack-json';

/** Lifetime asked for Vault's reviewer JWT in token-secret mode unless configured: one year. */
export const DEFAULT_REVIEWER_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** Names of the stack's input variables (all sensitive; none has a default). */
export const VARIABLES = {
  kubernetesToken: 'kubernetes_token',
  esoVaultToken: 'eso_vault_token',
} as const;

export interface EsoVaultStackProps {
  /** The environment, already validated by `loadEnvironments`. */
  readonly config: EnvironmentConfig;
}

/**
 * One environment as one Terraform graph: EKS lookups -> Kubernetes service account and binding
 * -> Vault policy, secrets, kubernetes auth and role -> ESO store and ExternalSecrets. The stack
 * owns the providers and the backend; the constructs only declare resources.
 */
export class EsoVaultStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: EsoVaultStackProps) {
    super(scope, id);
    const { config } = props;

    this.configureBackend(config);
    this.pinVersions();
    // Said wherever the chain may break: the doctor walks it link by link.
    const readiness: Readiness = {
      diagnose: `npm run doctor -- --env ${config.name}`,
      timeout: config.eso.readyTimeout,
    };

    // --- AWS: the EKS lookups feed both the Kubernetes provider and Vault's auth config.
    const emulated = config.aws.endpoints !== undefined;
    new AwsProvider(this, 'aws', {
      region: config.aws.region,
      endpoints: emulated ? [{ ...config.aws.endpoints }] : undefined,
      // An emulator cannot answer these checks; real AWS can, so they stay on there.
      skipCredentialsValidation: emulated || undefined,
      skipRequestingAccountId: emulated || undefined,
      skipMetadataApiCheck: emulated ? 'true' : undefined,
    });
    const cluster = new EksClusterLookup(this, 'eks', {
      clusterName: config.aws.clusterName,
      region: config.aws.region,
      auth: config.kubernetes.auth,
      staticToken:
        config.kubernetes.auth === 'static-token'
          ? this.sensitiveVariable(
              VARIABLES.kubernetesToken,
              'string',
              'Bearer token for the Kubernetes API (static-token mode).',
            ).stringValue
          : undefined,
    });

    new KubernetesProvider(this, 'kubernetes', {
      host: cluster.endpoint,
      clusterCaCertificate: cluster.caCertificatePem,
      token: cluster.credentials.token,
      exec: cluster.credentials.exec ? [cluster.credentials.exec] : undefined,
    });

    // Address and namespace per environment; the token comes from VAULT_TOKEN, never from code.
    new VaultProvider(this, 'vault', {
      address: config.vault.address,
      namespace: config.vault.namespace,
      vaultVersionOverride: config.vault.versionOverride,
      skipGetVaultVersion: config.vault.versionOverride !== undefined || undefined,
    });

    // --- Kubernetes: who ESO logs in as.
    const serviceAccount = new VaultAuthServiceAccount(this, 'service-account', {
      namespace: config.kubernetes.namespace,
      manageNamespace: config.kubernetes.manageNamespace,
      allowNamespaceDestroy: config.kubernetes.allowNamespaceDestroy,
      name: config.kubernetes.serviceAccountName,
      clusterRoleBindingName: config.kubernetes.clusterRoleBindingName,
      reviewerToken:
        config.vault.reviewerMode === 'token-secret'
          ? {
              ttlSeconds:
                config.vault.reviewerTokenTtlSeconds ?? DEFAULT_REVIEWER_TOKEN_TTL_SECONDS,
              version: config.vault.reviewerTokenVersion ?? 1,
            }
          : undefined,
    });

    // --- Vault: secrets, the policy that reads exactly them, the auth method and its role.
    const kv = new KvV2Secrets(this, 'kv', {
      mountPath: config.vault.kvMount.path,
      manageMount: config.vault.kvMount.managed,
      allowMountDestroy: config.vault.kvMount.allowDestroy,
      purgeOnDestroy: config.vault.kvMount.purgeSecretsOnDestroy,
      stackName: config.name,
      retiredSecrets: config.retiredSecrets,
      secrets: config.secrets.map((secret): KvV2SecretInput => {
        if (config.secretValues === 'placeholder') {
          return {
            name: secret.name,
            values: { kind: 'placeholder', pairs: secret.placeholder ?? {} },
          };
        }
        const variable = secretValuesVariableName(secret.name);
        this.sensitiveVariable(
          variable,
          'map(string)',
          `Key/value pairs of the Vault secret "${secret.name}", written write-only.`,
        );
        return {
          name: secret.name,
          values: {
            kind: 'write-only',
            json: `\${jsonencode(var.${variable})}`,
            version: secret.writeOnlyVersion ?? 1,
          },
        };
      }),
    });

    const policy = new SecretReadPolicy(this, 'policy', {
      name: config.vault.policyName,
      mountPath: config.vault.kvMount.path,
      secrets: config.secrets,
    });

    const auth = new VaultKubernetesAuth(this, 'kubernetes-auth', {
      path: config.vault.authPath,
      kubernetesHost: cluster.endpoint,
      kubernetesCaPem: cluster.caCertificatePem,
      reviewerToken: serviceAccount.reviewerToken,
      role: {
        name: config.vault.roleName,
        serviceAccountName: serviceAccount.name,
        serviceAccountNamespace: serviceAccount.namespace,
        policies: [policy.policyName],
        audience: config.kubernetes.tokenAudience,
        tokenTtlSeconds: config.vault.tokenTtlSeconds,
        tokenMaxTtlSeconds: config.vault.tokenMaxTtlSeconds,
      },
    });

    // --- ESO: the store, then one ExternalSecret per secret.
    const storeAuth: StoreAuth =
      config.eso.storeAuth === 'kubernetes'
        ? {
            kind: 'kubernetes',
            mountPath: auth.path,
            role: auth.roleName,
            serviceAccountName: serviceAccount.name,
            serviceAccountNamespace: serviceAccount.namespace,
            audiences: [config.kubernetes.tokenAudience],
          }
        : {
            kind: 'token',
            secretName: 'vault-token',
            secretNamespace: serviceAccount.namespace,
            token: this.sensitiveVariable(
              VARIABLES.esoVaultToken,
              'string',
              'Vault token ESO uses (store auth "token").',
            ).stringValue,
          };
    const store = new EsoClusterSecretStore(this, 'secret-store', {
      apiVersion: config.eso.apiVersion,
      name: config.eso.storeName,
      vaultServer: config.vault.address,
      vaultNamespace: config.vault.namespace,
      kvMountPath: kv.mountPath,
      auth: storeAuth,
      allowedNamespaces: [serviceAccount.namespace],
      dependsOn: [auth.config, auth.role, serviceAccount.binding],
      readiness,
    });

    for (const secret of config.secrets) {
      new EsoExternalSecret(this, `external-secret-${kebabId(secret.name)}`, {
        apiVersion: config.eso.apiVersion,
        name: secret.externalSecretName,
        namespace: config.kubernetes.namespace,
        storeName: store.name,
        targetSecretName: secret.targetSecretName,
        remoteKey: secret.name,
        refreshInterval: config.eso.refreshInterval,
        dependsOn: [
          store.address,
          kv.secretAddresses.get(secret.name)!,
          ...(serviceAccount.namespaceAddress ? [serviceAccount.namespaceAddress] : []),
        ],
        readiness,
      });
    }
    new ReadinessCheck(this, 'eso-ready', {
      apiVersion: config.eso.apiVersion,
      storeName: config.eso.storeName,
      externalSecrets: config.secrets.map((s) => ({
        namespace: config.kubernetes.namespace,
        name: s.externalSecretName,
      })),
      readiness,
    });

    this.node.addValidation(
      new ChainInvariants(() => {
        this.checkedJson = super.toTerraform() as StackJson;
        return this.checkedJson;
      }),
    );
  }

  /** The JSON the chain rules just checked, handed once to the synthesis that follows. */
  private checkedJson?: StackJson;

  /**
   * Synthesis resolves the whole stack right after validating it; reusing the JSON the rules
   * checked saves one full resolve per stack (about a quarter of synth time), and guarantees the
   * written JSON is the one that was checked.
   */
  override toTerraform(): StackJson {
    const checked = this.checkedJson;
    this.checkedJson = undefined;
    return checked ?? (super.toTerraform() as StackJson);
  }

  private configureBackend(config: EnvironmentConfig): void {
    const backend = config.backend;
    if (backend.type === 'local') {
      // Relative to cdktf.out/stacks/<stack>: the state sits in the project root, out of git.
      new LocalBackend(this, { path: `../../../terraform.${config.name}.tfstate` });
      return;
    }
    const cloud = new CloudBackend(this, {
      organization: backend.organization,
      hostname: backend.hostname,
      workspaces:
        backend.workspace !== undefined
          ? new NamedCloudWorkspace(backend.workspace)
          : new TaggedCloudWorkspaces([...(backend.tags ?? [])]),
    });
    withoutBinaryVersionCheck(cloud);
  }

  /**
   * Requires the Terraform version that has ephemeral resources and write-only arguments, and
   * exactly the provider versions the lab builds and tests (common/versions.sh).
   */
  private pinVersions(): void {
    this.addOverride('terraform.required_version', requiredTerraformVersion());
    for (const [name, version] of Object.entries(providerVersions())) {
      this.addOverride(`terraform.required_providers.${name}.version`, version);
    }
  }

  /** A sensitive, ephemeral input: its value reaches neither `cdktf.out` nor the state. */
  private sensitiveVariable(name: string, type: string, description: string): TerraformVariable {
    const variable = new TerraformVariable(this, name, {
      type,
      description,
      sensitive: true,
      nullable: false,
    });
    variable.addOverride('ephemeral', true);
    return variable;
  }
}
