/** The image's entry point (dist/bundle/server.js): the bundled service, run with its code cache. */
import { join } from 'node:path';
import { loadBundle } from './code-cache';

loadBundle(join(__dirname, 'server.bundle.js'));
