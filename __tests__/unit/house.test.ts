/** House rules that a file edit could silently break. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  license?: string;
};
const all = { ...pkg.dependencies, ...pkg.devDependencies };
const archived = Object.keys(all).filter((name) => /^(cdktf|cdktf-cli|@cdktf\/.*)$/.test(name));

describe('the archived cdktf packages', () => {
  it('are pinned exactly', () => {
    expect(archived.length).toBeGreaterThan(0);
    for (const name of archived) expect(`${name}@${all[name]}`).toMatch(/@\d+\.\d+\.\d+$/);
  });

  it('are never proposed by the dependency updates', () => {
    const config = parse(readFileSync(join(root, '.github/dependabot.yml'), 'utf8')) as {
      updates: { 'package-ecosystem': string; ignore?: { 'dependency-name': string }[] }[];
    };
    const npm = config.updates.find((u) => u['package-ecosystem'] === 'npm');
    const ignored = (npm?.ignore ?? []).map((i) => i['dependency-name']);
    const covered = (name: string) =>
      ignored.some((pattern) =>
        pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name,
      );
    expect(archived.filter((name) => !covered(name))).toEqual([]);
  });
});

it('the LICENSE file is the license package.json names', () => {
  expect(pkg.license).toBe('MPL-2.0');
  expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain(
    'Mozilla Public License, version 2.0',
  );
});

it("the README's layout table names every top-level directory of the repository", () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.includes('/'))
    .map((f) => f.split('/')[0]);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'));
  const missing = [...new Set(tracked)].filter((dir) => !layout.includes(`\`${dir}/`));
  expect(missing).toEqual([]);
});
