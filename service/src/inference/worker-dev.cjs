// Runs the TypeScript worker when the service itself runs from source (tsx, jest); the built
// service uses worker.js beside this file instead.
require('tsx/cjs');
module.exports = require('./worker.ts');
