// Runs the TypeScript workbook thread when the service itself runs from source (tsx, jest); the
// built service uses workbook-thread.js beside this file instead.
require('tsx/cjs');
module.exports = require('./workbook-thread.ts');
