/**
 * The upgrade harness shares the project's node_modules with an earlier checkout only when both
 * lockfiles install the same tree (npm ci without a network takes minutes from its cache).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameInstall } from '../e2e/support/upgrade';

const pkg = (version: string, dev = false) => ({
  version,
  resolved: `https://registry.npmjs.org/yaml/-/yaml-${version}.tgz`,
  integrity: `sha512-${version}`,
  ...(dev ? { dev: true } : {}),
});

describe('sameInstall', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'locks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lock = (name: string, root: object, packages: Record<string, object>) => {
    const file = join(dir, name);
    writeFileSync(
      file,
      JSON.stringify({ lockfileVersion: 3, packages: { '': root, ...packages } }),
    );
    return file;
  };

  it('a package moving from devDependencies to dependencies installs the same tree', () => {
    const before = lock(
      'a.json',
      { devDependencies: { yaml: '2.9.1' } },
      {
        'node_modules/yaml': pkg('2.9.1', true),
      },
    );
    const after = lock(
      'b.json',
      { dependencies: { yaml: '2.9.1' } },
      {
        'node_modules/yaml': pkg('2.9.1'),
      },
    );
    expect(sameInstall(before, after)).toBe(true);
  });

  it('another version, or a package more or less, is another tree', () => {
    const base = lock('a.json', {}, { 'node_modules/yaml': pkg('2.9.1') });
    expect(sameInstall(base, lock('b.json', {}, { 'node_modules/yaml': pkg('2.9.2') }))).toBe(
      false,
    );
    expect(sameInstall(base, lock('c.json', {}, {}))).toBe(false);
    expect(
      sameInstall(
        base,
        lock('d.json', {}, { 'node_modules/yaml': pkg('2.9.1'), 'node_modules/x': pkg('1.0.0') }),
      ),
    ).toBe(false);
  });
});
