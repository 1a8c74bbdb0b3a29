/**
 * move-secret and adopt-secret: bring one secret's value to its Vault path by hand, as npm run
 * deploy does before each apply (for runs that do not go through it: Terraform Cloud).
 */
import { SynthesizedStack } from '../common/synthesized-stack';
import { providerConfig } from '../common/stack-json';
import { CommandError, EXIT, parseFlags, progress, requiredStack } from './cli';
import { Kubectl } from './kubectl';
import { arrivalOf, bringValue, metadataOf } from './secret-values';
import { synthesize } from './terraform';
import { VaultClient } from './vault-http';

export async function bringOneValue(
  tool: string,
  kind: 'moved' | 'adopted',
  argv: string[],
): Promise<number> {
  const { values } = parseFlags(argv, { values: ['--env', '--app', '--secret'], booleans: [] });
  const { name, app } = requiredStack(values);
  const secret = values.get('--secret')?.[0];
  if (!secret) throw new CommandError('--secret is required (its full name in the mount)');
  if (!process.env.VAULT_TOKEN) throw new CommandError('VAULT_TOKEN is not set');
  progress(tool, `${name}: synthesizing`);
  const stack = SynthesizedStack.read(await synthesize(name, process.env, app));
  const entry = arrivalOf(stack.declaredSync(), secret, kind, name);
  const provider = providerConfig(stack.json, 'vault') ?? {};
  const vault = new VaultClient({
    address: stack.values.text(provider.address) ?? '',
    namespace: stack.values.text(provider.namespace),
    token: process.env.VAULT_TOKEN,
  });
  if ((await metadataOf(vault, { mount: entry.mount, name: entry.secret })) !== undefined) {
    progress(tool, `${name}: ${entry.mount}/${entry.secret} holds a value already; nothing to do`);
    return EXIT.ok;
  }
  progress(tool, `${name}: ${await bringValue(vault, new Kubectl(), entry)}`);
  return EXIT.ok;
}
