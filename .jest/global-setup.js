/** Bundles the ES-module-only packages the code imports into CommonJS for Jest (jest.config.js). */
const { buildSync } = require('esbuild');
const { join } = require('node:path');

module.exports = () => {
  const root = join(__dirname, '..');
  buildSync({
    entryPoints: [require.resolve('jose', { paths: [root] })],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    outfile: join(root, 'node_modules', '.cache', 'jest-esm', 'jose.cjs'),
    logLevel: 'error',
  });
};
