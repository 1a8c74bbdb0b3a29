/**
 * The configuration boundary, by example: every bad file of the corpus is refused with its key
 * named (and nothing else crashes on the way); every good-but-unusual file loads, synthesizes
 * with every chain rule, and writes its placeholder text as literals.
 */
import { ConfigError, formatProblems, loadEnvironments } from '../../environments';
import type { EnvironmentConfig } from '../../environments/types';
import { hclString } from '../../common/hcl';
import { synthJson } from '../support/stack';
import { type CorpusCase, NO_LEDGERS, corpus, environmentsOf } from '../support/corpus';

const BAD = corpus('bad');
const GOOD = corpus('good');

/** The problems loading a case's environments reports (none: it loaded). */
function problemsOf(c: CorpusCase) {
  try {
    loadEnvironments(undefined, environmentsOf(c), { ledgerDir: NO_LEDGERS });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

it('the corpus holds at least 200 bad and 30 good-but-unusual environment files', () => {
  expect(BAD.length).toBeGreaterThanOrEqual(200);
  expect(GOOD.length).toBeGreaterThanOrEqual(30);
});

describe('bad environment files are refused, naming the key', () => {
  it.each(BAD.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    const problems = problemsOf(c);
    const refused = problems.filter((p) => p.key === c.refused!.key);
    expect({ about: c.about, keys: problems.map((p) => p.key) }).toEqual({
      about: c.about,
      keys: expect.arrayContaining([c.refused!.key]) as unknown,
    });
    if (c.refused!.allowed)
      expect(refused.map((p) => p.allowed).join('\n')).toContain(c.refused!.allowed);
    // Every problem is a line with a key and what is allowed; the message never a stack.
    for (const p of problems) expect(p.allowed).not.toBe('');
    expect(formatProblems(problems)).not.toMatch(/\n\s+at /);
  });
});

describe('good-but-unusual environment files load and synthesize', () => {
  it.each(GOOD.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    expect({ about: c.about, problems: problemsOf(c) }).toEqual({ about: c.about, problems: [] });
    const env = environmentsOf(c)[0] as unknown as EnvironmentConfig;
    // Validations on: every chain rule checks the stack.
    const json = JSON.stringify(synthJson(env));
    const placeholders = (env.secrets ?? env.tenants?.flatMap((t) => t.secrets) ?? []).flatMap(
      (s) => Object.entries(s.placeholder ?? {}),
    );
    for (const [key, value] of placeholders.slice(0, 20))
      expect(json).toContain(
        JSON.stringify(`${hclString(key)} = ${hclString(value)}`).slice(1, -1),
      );
  });
});
