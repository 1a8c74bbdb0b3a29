// A scaled app for the benchmark: every single-chain environment with 200 secrets (800
// ExternalSecrets in all).
// Built like main.ts, from the real environment files, so it measures the same code paths.
import { App } from 'cdktf';
import { ALL_ENVIRONMENTS, loadEnvironments } from '../environments';
import { isSingleChain } from '../environments/tenants';
import type { EnvironmentConfig, SecretConfig } from '../environments/types';
import { EsoVaultStack } from '../stacks/eso-vault-stack';

const SECRETS_PER_ENVIRONMENT = Number(process.env.BENCH_SECRETS ?? '200');

function scaled(env: EnvironmentConfig): EnvironmentConfig {
  const secrets: SecretConfig[] = Array.from({ length: SECRETS_PER_ENVIRONMENT }, (_, i) => ({
    name: `bench/secret-${i}`,
    externalSecretName: `bench-secret-${i}`,
    targetSecretName: `bench-secret-${i}`,
    ...(env.secretValues === 'placeholder' ? { placeholder: { key: 'placeholder' } } : {}),
  }));
  return { ...env, secrets };
}

const app = new App();
for (const config of loadEnvironments(
  undefined,
  ALL_ENVIRONMENTS.filter(isSingleChain).map(scaled),
)) {
  new EsoVaultStack(app, config.name, { config });
}
app.synth();
