/** jest in ESM mode: ts-jest transpiles (type checking is `npm run typecheck`). */
const project = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^#lambda$': '<rootDir>/shared/lambda/handler',
    '^#(shared|functions|infra|local|bench|test|tools)/(.*)\\.js$': '<rootDir>/$1/$2',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
};

/**
 * The suite once against the sandbox answering only what Partnero publishes, and its Partnero-facing
 * integration tests again with the sandbox in variants mode (every plausible reading where Partnero is
 * silent, seeded: `test/support/sandbox-mode.ts`). Tests that check the sandbox's own wire shapes run once.
 */
export default {
  projects: [
    { ...project, displayName: 'published', testMatch: ['<rootDir>/test/**/*.test.ts'] },
    {
      ...project,
      displayName: 'variants',
      testMatch: [
        '<rootDir>/test/integration/functions/*.test.ts',
        '<rootDir>/test/integration/partnero/client.test.ts',
        '<rootDir>/test/integration/order-consumer/*.test.ts',
        '<rootDir>/test/integration/local/referral-loop.test.ts',
      ],
      setupFiles: [...project.setupFiles, '<rootDir>/test/support/setup-variants.ts'],
    },
  ],
  // Coverage of what is deployed to Lambda (the local system and the bench are tools around it).
  collectCoverageFrom: ['shared/**/*.ts', 'functions/**/*.ts'],
  coverageThreshold: { global: { lines: 90 } },
  coverageReporters: ['text-summary', 'json-summary'],
  reporters: ['default', '<rootDir>/test/support/json-result-reporter.js'],
  testTimeout: 30000,
};
