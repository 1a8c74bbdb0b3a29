// Prints, for each secret of an environment, the keys (never the values) of the Kubernetes Secret
// that ESO wrote, waiting up to --wait seconds for each to appear.
//   node scripts/run-ts.js scripts/show-synced.ts [--env local] [--wait 180]
import { spawnSync } from 'node:child_process';
import { loadEnvironments } from '../environments';
import { tenantsOf } from '../environments/tenants';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    'usage: node scripts/run-ts.js scripts/show-synced.ts [--env NAME] [--wait SECONDS]\n',
  );
  process.exit(0);
}
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const [config] = loadEnvironments([option('--env', 'local')]);
const tenants = tenantsOf(config);
const waitSeconds = Number(option('--wait', '180'));
const kubectl = process.env.KUBECTL ?? 'kubectl';

function keysOf(namespace: string, name: string): string[] | undefined {
  const result = spawnSync(kubectl, ['get', 'secret', name, '-n', namespace, '-o', 'json'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) return undefined;
  return Object.keys(
    (JSON.parse(result.stdout) as { data?: Record<string, string> }).data ?? {},
  ).sort();
}

let failed = false;
for (const { namespace, secret } of tenants.flatMap((t) =>
  t.secrets.map((secret) => ({ namespace: t.namespace, secret })),
)) {
  const deadline = Date.now() + waitSeconds * 1000;
  let keys = keysOf(namespace, secret.targetSecretName);
  while (keys === undefined && Date.now() < deadline) {
    spawnSync('sleep', ['2']);
    keys = keysOf(namespace, secret.targetSecretName);
  }
  if (keys === undefined) {
    process.stdout.write(
      `  ${namespace}/${secret.targetSecretName}: not synced after ${waitSeconds} s (run npm run doctor -- --env ${config.name})\n`,
    );
    failed = true;
  } else {
    process.stdout.write(
      `  ${namespace}/${secret.targetSecretName} <- ${config.vault.kvMount.path}/${secret.name}: keys ${keys.join(', ')}\n`,
    );
  }
}
process.exit(failed ? 1 : 0);
