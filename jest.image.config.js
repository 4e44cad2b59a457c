/** The container image test (npm run test:image): podman builds and runs the real image. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/image'], testMatch: ['**/*.image.test.ts'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 120_000 };
