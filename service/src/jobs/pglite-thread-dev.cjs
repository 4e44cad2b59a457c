// Runs the TypeScript PGlite thread when the service itself runs from source (tsx, jest); the
// built service uses pglite-thread.js beside this file instead.
require('tsx/cjs');
module.exports = require('./pglite-thread.ts');
