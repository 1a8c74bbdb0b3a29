// Typed lint for the whole project. Provider roots are banned: loading the three of them costs
// about 7 s and 1 GB; the deep imports this app uses cost about 0.2 s and 70 MB.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
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
                regex: `^(\\.\\./)+(${layers.join('|')})(/|$)`,
                message: `Imports point down the layers (CONTRIBUTING.md): not ${layers.join(', ')} from here.`,
              },
            ]
          : []),
      ],
    },
  ];
}

// Each layer and what it may not import (CONTRIBUTING.md, "How the code is layered").
const LAYERS = {
  'common/**': ['environments', 'constructs', 'rules', 'stacks', 'ops', 'lab'],
  'environments/**': ['constructs', 'rules', 'stacks', 'ops', 'lab'],
  'constructs/**': ['environments', 'rules', 'stacks', 'ops', 'lab'],
  'rules/**': ['constructs', 'stacks', 'ops', 'lab'],
  'stacks/**': ['ops', 'lab'],
  'ops/**': ['rules', 'lab'],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdktf.out/',
      'cdktf.out.*/',
      '.lab/',
      'coverage/',
      '**/*.js',
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
  ...Object.entries(LAYERS).map(([files, layers]) => ({
    files: [files],
    rules: { 'no-restricted-imports': restrictedImports(layers) },
  })),
  prettier,
);
