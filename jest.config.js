/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/.jest/node-environment.js',
  roots: ['<rootDir>/service', '<rootDir>/models', '<rootDir>/infra', '<rootDir>/frontend'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.browser\\.test\\.ts$', '\\.image\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // jose is published as ES modules only: Node 22+ requires it as it is, Jest's module system
  // cannot, so the tests load a CommonJS bundle of it made once per run (.jest/global-setup.js).
  globalSetup: '<rootDir>/.jest/global-setup.js',
  moduleNameMapper: { '^jose$': '<rootDir>/node_modules/.cache/jest-esm/jose.cjs' },
  testTimeout: 60_000,
};
