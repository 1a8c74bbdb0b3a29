/**
 * The lab and the environments that deploy to it agree: cluster, region, Vault address and
 * namespace are stated by the lab and read here, so changing one side fails this test.
 */
import { ALL_ENVIRONMENTS } from '../../environments';
import { authMethodOf } from '../../environments/tenants';
import { EKS_CLUSTER_NAME, EKS_REGION, loadConfig } from '../../lab/config';
import { VAULT_NAMESPACE } from '../../lab/parts/openbao';
import {
  LAB_GREEN_CLUSTER_NAME,
  LAB_GREEN_REGION,
  LAB_POSTGRES_VAULT_USER,
} from '../../common/lab-coordinates';
import { clustersOf } from '../../environments/clusters';
import { greenContext } from '../../lab/parts/clusters';
import { createContext } from '../../lab/parts/context';

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
      // Its database connections reach the lab's PostgreSQL, as the user the lab creates.
      for (const connection of env.vault.database?.connections ?? []) {
        expect(new URL(connection.connectionUrl.replace(/\{\{\w+\}\}/g, 'x')).host).toBe(
          `${lab.host}:${lab.ports.postgres}`,
        );
        expect(connection.username).toBe(LAB_POSTGRES_VAULT_USER);
      }
    },
  );

  it.each(labEnvironments.filter((e) => e.clusters !== undefined).map((e) => [e.name, e] as const))(
    '%s: each of its clusters is one the lab holds, with the issuer CA the lab needs',
    (_n, env) => {
      const green = greenContext(createContext(lab)).config;
      expect([green.clusterName, green.region]).toEqual([LAB_GREEN_CLUSTER_NAME, LAB_GREEN_REGION]);
      const held = [`${EKS_REGION}/${EKS_CLUSTER_NAME}`, `${green.region}/${green.clusterName}`];
      for (const cluster of clustersOf(env) ?? []) {
        expect(held).toContain(`${cluster.region}/${cluster.clusterName}`);
        if (cluster.authMethod === 'jwt') expect(cluster.jwtIssuerCa).toBe('cluster');
      }
    },
  );

  it('include one with two clusters, for the lab suite 16', () => {
    expect(labEnvironments.filter((e) => (e.clusters?.length ?? 0) >= 2).length).toBe(1);
  });

  it('include one with dynamic database credentials, for the lab suite 09', () => {
    expect(labEnvironments.filter((e) => e.vault.database !== undefined).length).toBe(1);
  });
});
