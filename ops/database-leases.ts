/**
 * Leases of dynamic credentials whose role is gone: Vault keeps them (and their database users)
 * until they end, because deleting a role revokes nothing. After a deploy that removed a
 * credential, these are revoked at once, while the connection still exists.
 */
import { databasePaths } from '../common/chain/database';
import type { DoctorVault } from './doctor/model';

/** The roles with leases under `<mount>/creds/` that the engine no longer has; revokes theirs. */
export async function revokeOrphanedLeases(vault: DoctorVault, mount: string): Promise<string[]> {
  const leased = await vault.request('LIST', `sys/leases/lookup/${databasePaths(mount, {}).creds}`);
  if (leased.status === 404) return [];
  if (leased.status !== 200)
    throw new Error(
      `listing the leases of "${mount}/creds/" answered ${leased.status}: ${leased.errors}`,
    );
  const roles = await vault.request('LIST', `${mount}/roles`);
  const existing = new Set(roles.status === 200 ? keysOf(roles.body) : []);
  const orphaned = keysOf(leased.body)
    .map((key) => key.replace(/\/$/, ''))
    .filter((role) => !existing.has(role));
  for (const role of orphaned) {
    const revoked = await vault.request(
      'PUT',
      `sys/leases/revoke-prefix/${databasePaths(mount, { role }).creds}`,
      { sync: true },
    );
    if (revoked.status !== 204 && revoked.status !== 200)
      throw new Error(
        `revoking the leases of "${role}" answered ${revoked.status}: ${revoked.errors}`,
      );
  }
  return orphaned;
}

function keysOf(body: Record<string, unknown> | undefined): string[] {
  const keys = (body?.data as { keys?: unknown } | undefined)?.keys;
  return Array.isArray(keys) ? keys.map(String) : [];
}
