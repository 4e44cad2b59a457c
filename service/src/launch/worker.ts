/** The inference threads' file beside the bundled service (dist/bundle/worker.js): piscina loads it, and its export is the bundled worker's. */
import { join } from 'node:path';
import { loadBundle } from './code-cache';

module.exports = loadBundle(join(__dirname, 'worker.bundle.js')).exports;
