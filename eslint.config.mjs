// Typed lint for the whole project. Provider roots are banned: loading the three of them costs
// about 7 s and 1 GB; the deep imports this app uses cost about 0.2 s and 70 MB.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

const PROVIDER_ROOTS = ['aws', 'kubernetes', 'vault'].map((name) => ({
  name: `@cdktf/provider-${name}`,
  message: `Import the one resource: @cdktf/provider-${name}/lib/<resource>.`,
}));

/** Provider roots banned everywhere; `layers` are the project directories a file may not import. */
function restrictedImports(layers) {
  return [
    'error',
    {
      paths: PROVIDER_ROOTS,
      patterns: [
        {
          regex: '^@cdktf/provider-[a-z]+/lib(/index)?$',
          message: 'Import the one resource: @cdktf/provider-<name>/lib/<resource>.',
        },
        ...(layers.length > 0
          ? [
              {
                regex: `^(\\./|(\\.\\./)+)(${layers.join('|')})(/|$)`,
                message: `Imports point down the layers (CONTRIBUTING.md): not ${layers.join(', ')} from here.`,
              },
            ]
          : []),
      ],
    },
  ];
}

/**
 * Each layer and the layers it may import: read from the table in CONTRIBUTING.md ("How the code
 * is layered"), the one place they are written. "(anything)" imposes nothing; every layer not
 * named in a row is denied to it.
 */
function layerAllowList() {
  const text = readFileSync(join(import.meta.dirname, 'CONTRIBUTING.md'), 'utf8');
  const rows = [...text.matchAll(/^\| `([^`]+)` +\|[^|]*\| ([^|]+?) +\|$/gm)];
  if (rows.length === 0) throw new Error('CONTRIBUTING.md has no layer table to read');
  return rows.map(([, layer, allowed]) => ({
    layer: layer.replace(/\/$/, ''),
    allowed: allowed.startsWith('(anything)')
      ? undefined
      : allowed.startsWith('(')
        ? []
        : allowed.split(',').map((a) => a.trim()),
  }));
}

const LAYERS = layerAllowList();
const LAYER_NAMES = LAYERS.map((l) => l.layer).filter((l) => !l.endsWith('.ts'));
const LAYER_RULES = LAYERS.filter((l) => l.allowed !== undefined).map(({ layer, allowed }) => ({
  files: [layer.endsWith('.ts') ? layer : `${layer}/**`],
  rules: {
    'no-restricted-imports': restrictedImports(
      LAYER_NAMES.filter((other) => other !== layer && !allowed.includes(other)),
    ),
  },
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdktf.out/',
      'cdktf.out.*/',
      '.lab/',
      '.tmp/',
      'coverage/',
      '*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-restricted-imports': restrictedImports([]),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // process.env is read only where the process starts: main.ts and command-line entry points.
    files: ['constructs/**', 'stacks/**', 'environments/**', 'rules/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Configuration is data in environments/; read process.env only in main.ts.',
        },
      ],
    },
  },
  ...LAYER_RULES,
  {
    // Short functions: one that needs more says why beside the comment that disables this.
    files: ['**/*.ts'],
    ignores: ['__tests__/**', 'lab/**'],
    rules: {
      'max-lines-per-function': [
        'error',
        { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true },
      ],
    },
  },
  {
    // The few CommonJS entry points: linted too, without type information.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  prettier,
);
