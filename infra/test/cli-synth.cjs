// `cdktf synth` as the CLI runs it (CdktfProject.synth → SynthStack.synth of @cdktf/cli-core),
// without the CLI's terminal UI, whose native module (node-pty) has no build for every Node.
// Usage: node cli-synth.cjs <outdir>; the app command is cdktf.json's, run in the repository.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { SynthStack } = require('@cdktf/cli-core/src/lib/synth-stack');

const root = join(__dirname, '..', '..');
const { app } = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8'));
SynthStack.synth(new AbortController().signal, app, process.argv[2], root, true).then(
  (stacks) => console.log(stacks.map((s) => s.name).join(' ')),
  (error) => {
    console.error(error.errorOutput ?? error.message);
    process.exit(1);
  },
);
