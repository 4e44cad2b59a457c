/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/.jest/node-environment.js',
  roots: ['<rootDir>/service', '<rootDir>/cli', '<rootDir>/models', '<rootDir>/infra', '<rootDir>/frontend'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.browser\\.test\\.ts$', '\\.image\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60_000,
};
