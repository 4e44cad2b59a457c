/**
 * The cdktf CLI (`npm run synth/diff/deploy`) loads node-pty at start. cdktf's own build of it
 * (0.10.2) has no binary for Node 24's ABI and install scripts do not run here, so the CLI died on
 * load; package.json puts homebridge's fork (the one cdktf's was forked from, with Node 24–26
 * binaries in the package) in its place. This checks that what the CLI loads runs on this Node.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

describe('the cdktf CLI on this Node', () => {
  it('loads node-pty and runs a program in a pseudo-terminal', async () => {
    // Resolved as the CLI's own bundle resolves it.
    const cliRequire = createRequire(join(__dirname, '..', '..', 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cmds', 'handlers.js'));
    const pty = cliRequire('@cdktf/node-pty-prebuilt-multiarch') as {
      spawn(file: string, args: string[], opts: object): { onData(cb: (d: string) => void): void; onExit(cb: (e: { exitCode: number }) => void): void };
    };
    const out: string[] = [];
    const exitCode = await new Promise<number>((resolve) => {
      const child = pty.spawn('/bin/echo', ['from a pty'], { cols: 80, rows: 24 });
      child.onData((d) => out.push(d));
      child.onExit((e) => resolve(e.exitCode));
    });
    expect(exitCode).toBe(0);
    expect(out.join('')).toContain('from a pty');
  });
});
