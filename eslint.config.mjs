// Typed lint for the whole project. Provider roots are banned: loading the three of them costs
// about 7 s and 1 GB; the deep imports this app uses cost about 0.2 s and 70 MB.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', '.lab/', 'coverage/', '**/*.js', '*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@cdktf/provider-aws',
              message: 'Import the one resource: @cdktf/provider-aws/lib/<resource>.',
            },
            {
              name: '@cdktf/provider-kubernetes',
              message: 'Import the one resource: @cdktf/provider-kubernetes/lib/<resource>.',
            },
            {
              name: '@cdktf/provider-vault',
              message: 'Import the one resource: @cdktf/provider-vault/lib/<resource>.',
            },
          ],
          patterns: [
            {
              regex: '^@cdktf/provider-[a-z]+/lib(/index)?$',
              message: 'Import the one resource: @cdktf/provider-<name>/lib/<resource>.',
            },
          ],
        },
      ],
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
  prettier,
);
