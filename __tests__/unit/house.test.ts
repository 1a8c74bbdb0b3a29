/** House rules that a file edit could silently break. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
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

describe('the layer allow-list (CONTRIBUTING.md, read by eslint.config.mjs)', () => {
  const denied: [string, string, string][] = [
    [
      'a chain rule may not import an environment',
      'rules/rule.ts',
      "import '../environments/local';",
    ],
    ['ops may not import a construct', 'ops/cli.ts', "import '../constructs/destroy-guard';"],
    ['ops may not import a chain rule', 'ops/cli.ts', "import '../rules/rule';"],
    [
      'a construct may not import an environment',
      'constructs/destroy-guard.ts',
      "import '../environments/local';",
    ],
    [
      'common may not import anything of the project',
      'common/names.ts',
      "import '../environments/types';",
    ],
    ['main.ts may not import ops', 'main.ts', "import './ops/cli';"],
  ];
  const allowed: [string, string, string][] = [
    ['a chain rule may import common', 'rules/rule.ts', "import '../common/names';"],
    ['ops may import a stack', 'ops/cli.ts', "import '../stacks/eso-vault-stack';"],
  ];

  /**
   * The no-restricted-imports messages of each case: the import line added to a real file of the
   * layer (its text, not the file), linted by ESLint in one child process (its API is ESM-only).
   */
  let messages: string[][];
  beforeAll(() => {
    const cases = [...denied, ...allowed].map(([, file, line]) => ({
      filePath: join(root, file),
      text: `${line}\n${readFileSync(join(root, file), 'utf8')}`,
    }));
    const script = `
      const { ESLint } = await import('eslint');
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const cases = JSON.parse(process.argv[1]);
      const out = [];
      for (const c of cases) {
        const [r] = await eslint.lintText(c.text, { filePath: c.filePath });
        out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));`;
    messages = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as string[][];
  }, 120_000);

  it.each(denied.map((c, i) => [c[0], i] as const))('%s', (_what, i) => {
    expect(messages[i]).toEqual([
      expect.stringContaining('Imports point down the layers (CONTRIBUTING.md)') as unknown,
    ]);
  });

  it.each(allowed.map((c, i) => [c[0], denied.length + i] as const))('%s', (_what, i) => {
    expect(messages[i]).toEqual([]);
  });
});

it('every construct file has its own test file', () => {
  const constructs = readdirSync(join(root, 'constructs'))
    .filter((f) => f.endsWith('.ts'))
    // A file of types only (an interface the login constructs implement) has nothing to test.
    .filter((f) =>
      /^export (class|function) /m.test(readFileSync(join(root, 'constructs', f), 'utf8')),
    );
  const tests = new Set(readdirSync(join(root, '__tests__/unit/constructs')));
  expect(constructs.filter((f) => !tests.has(f.replace(/\.ts$/, '.test.ts')))).toEqual([]);
});

it('the decision index lists every decision record', () => {
  const dir = join(root, 'docs/decisions');
  const index = readFileSync(join(dir, 'README.md'), 'utf8');
  const records = readdirSync(dir).filter((f) => /^\d{4}-.+\.md$/.test(f));
  expect(records.length).toBeGreaterThan(0);
  expect(records.filter((f) => !index.includes(`(${f})`))).toEqual([]);
});
