/** jest in ESM mode: ts-jest transpiles (type checking is `npm run typecheck`). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^#(shared|functions|infra|local|bench|test|tools)/(.*)\\.js$': '<rootDir>/$1/$2',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  // Coverage of what is deployed to Lambda (the local system and the bench are tools around it).
  collectCoverageFrom: ['shared/**/*.ts', 'functions/**/*.ts'],
  coverageThreshold: { global: { lines: 90 } },
  coverageReporters: ['text-summary', 'json-summary'],
  reporters: ['default', '<rootDir>/test/support/json-result-reporter.js'],
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 30000,
};
