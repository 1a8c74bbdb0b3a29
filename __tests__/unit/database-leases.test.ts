import type { DoctorVault } from '../../ops/doctor/model';
import { revokeOrphanedLeases } from '../../ops/database-leases';
import type { VaultResponse } from '../../ops/vault-http';

/** A Vault with leases under some roles' creds paths, and the roles it still has. */
function fakeVault(leased: string[] | undefined, roles: string[], calls: string[]): DoctorVault {
  const list = (keys: string[]): VaultResponse => ({
    status: 200,
    body: { data: { keys } },
    errors: '',
  });
  const vault: DoctorVault = {
    inNamespace: () => vault,
    withToken: () => vault,
    request(method, path, body) {
      calls.push(`${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`);
      if (path === 'sys/leases/lookup/database/creds/')
        return Promise.resolve(leased ? list(leased) : { status: 404, errors: '' });
      if (path === 'database/roles') return Promise.resolve(list(roles));
      return Promise.resolve({ status: 204, errors: '' });
    },
  };
  return vault;
}

describe('revoking the leases of removed database roles', () => {
  it('revokes, synchronously, the leases of each role the engine no longer has', async () => {
    const calls: string[] = [];
    const vault = fakeVault(['orders-app/', 'billing-app/'], ['orders-app'], calls);
    await expect(revokeOrphanedLeases(vault, 'database')).resolves.toEqual(['billing-app']);
    expect(calls.filter((c) => c.startsWith('PUT'))).toEqual([
      'PUT sys/leases/revoke-prefix/database/creds/billing-app {"sync":true}',
    ]);
  });

  it('revokes nothing when every leased role exists, or nothing is leased', async () => {
    const calls: string[] = [];
    await expect(
      revokeOrphanedLeases(fakeVault(['orders-app/'], ['orders-app'], calls), 'database'),
    ).resolves.toEqual([]);
    await expect(
      revokeOrphanedLeases(fakeVault(undefined, [], calls), 'database'),
    ).resolves.toEqual([]);
    expect(calls.filter((c) => c.startsWith('PUT'))).toEqual([]);
  });
});
