// Runs the TypeScript template thread when the service itself runs from source (tsx, jest); the
// built service uses template-thread.js beside this file instead.
require('tsx/cjs');
module.exports = require('./template-thread.ts');
