// Prints, for each secret of an environment, the keys (never the values) of the Kubernetes Secret
// that ESO wrote, waiting up to --wait seconds for each to appear.
//   node scripts/run-ts.js scripts/show-synced.ts [--env local] [--wait 180]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadEnvironments } from '../environments';
import { tenantsOf } from '../environments/tenants';
import { waitFor } from '../lab/http';

const USAGE =
  'usage: node scripts/run-ts.js scripts/show-synced.ts [--env NAME] [--wait SECONDS]\n';

function keysOf(kubectl: string, namespace: string, name: string): string[] | undefined {
  const result = spawnSync(kubectl, ['get', 'secret', name, '-n', namespace, '-o', 'json'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) return undefined;
  return Object.keys(
    (JSON.parse(result.stdout) as { data?: Record<string, string> }).data ?? {},
  ).sort();
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        env: { type: 'string', default: 'local' },
        wait: { type: 'string', default: '180' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`show-synced: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    process.stderr.write(`show-synced: --wait takes seconds, got "${values.wait}"\n${USAGE}`);
    return 2;
  }
  const [config] = loadEnvironments([values.env]);
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  let failed = false;
  for (const tenant of tenantsOf(config)) {
    for (const secret of tenant.secrets) {
      const where = `${tenant.namespace}/${secret.targetSecretName}`;
      let keys: string[] | undefined;
      try {
        await waitFor(
          () => {
            keys = keysOf(kubectl, tenant.namespace, secret.targetSecretName);
            return Promise.resolve({ ok: keys !== undefined, detail: 'not synced yet' });
          },
          waitSeconds * 1000,
          undefined,
          2000,
        );
        process.stdout.write(
          `  ${where} <- ${config.vault.kvMount.path}/${secret.name}: keys ${keys!.join(', ')}\n`,
        );
      } catch {
        process.stdout.write(
          `  ${where}: not synced after ${waitSeconds} s (run npm run doctor -- --env ${config.name})\n`,
        );
        failed = true;
      }
    }
  }
  return failed ? 1 : 0;
}

void main().then((code) => process.exit(code));
