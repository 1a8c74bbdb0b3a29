// Tests run through swc (no type-checking; `npm run typecheck` does that once).
const transform = { '^.+\\.ts$': ['@swc/jest'] };

/** @type {import('jest').Config} */
module.exports = {
  testSequencer: '<rootDir>/__tests__/support/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/support/setup-jest.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      // Lab steps take minutes: 10 min per test unless it sets its own.
      setupFilesAfterEnv: ['<rootDir>/__tests__/support/setup-e2e.ts'],
    },
  ],
};
