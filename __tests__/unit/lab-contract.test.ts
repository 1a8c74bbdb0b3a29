/**
 * The lab and the environments that deploy to it agree: cluster, region, Vault address and
 * namespace are stated by the lab and read here, so changing one side fails this test.
 */
import { ALL_ENVIRONMENTS } from '../../environments';
import { authMethodOf } from '../../environments/tenants';
import { EKS_CLUSTER_NAME, EKS_REGION, loadConfig } from '../../lab/config';
import { VAULT_NAMESPACE } from '../../lab/parts/openbao';

const lab = loadConfig({});
const labVault = `http://${lab.host}:${lab.ports.vault}`;
const labEnvironments = ALL_ENVIRONMENTS.filter((e) => e.vault.address === labVault);

describe('the lab and the environments that deploy to it', () => {
  it('include `local`, the one the quick start deploys', () => {
    expect(labEnvironments.map((e) => e.name)).toContain('local');
  });

  it.each(labEnvironments.map((e) => [e.name, e] as const))(
    '%s targets the lab cluster, Vault namespace and emulated AWS',
    (_name, env) => {
      expect(env.aws.clusterName).toBe(EKS_CLUSTER_NAME);
      expect(env.aws.region).toBe(EKS_REGION);
      expect(env.vault.namespace).toBe(VAULT_NAMESPACE);
      // The lab points the AWS SDK at its emulator through AWS_ENDPOINT_URL, so the provider
      // block is the one real environments ship: no endpoints in the file.
      expect(env.aws.endpoints).toBeUndefined();
      // The lab's API server is its own OIDC issuer, with the lab CA's certificate.
      if (authMethodOf(env) === 'jwt') expect(env.vault.jwtIssuerCa).toBe('cluster');
    },
  );
});
