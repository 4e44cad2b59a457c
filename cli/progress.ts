/** The progress bar on stderr: file bytes scored and sent, rows, rate and time left (cli-progress). */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /** A piece has gone out: its file bytes are sent (shown before any answer is in). */
  sent(fileBytes: number): void;
  /** A piece's answer is in: its file bytes and rows are done. */
  advance(fileBytes: number, rows: number): void;
  /** A line above the bar (a retry, a problem). */
  note(line: string): void;
  stop(): void;
}

const MiB = 1024 * 1024;

export function progressBar(totalBytes: number, stream: NodeJS.WritableStream = process.stderr): Progress {
  const bar = new SingleBar({
    stream,
    format: '{bar} {percentage}% | {doneMiB}/{totalMiB} MiB scored, {sentMiB} sent | {rows} rows | ETA {eta_formatted}',
    hideCursor: false,
    etaBuffer: 20,
    // Piped to a file or CI's log, a line every 5 seconds instead of redraws.
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
  let rows = 0;
  let done = 0;
  let sent = 0;
  const fmt = (n: number) => (n / MiB).toFixed(1);
  const fields = () => ({ rows, doneMiB: fmt(done), sentMiB: fmt(sent), totalMiB: fmt(totalBytes) });
  bar.start(totalBytes, 0, fields());
  return {
    sent(fileBytes) {
      sent += fileBytes;
      bar.update(done, fields());
    },
    advance(fileBytes, n) {
      done += fileBytes;
      rows += n;
      bar.update(done, fields());
    },
    note(line) {
      // On a terminal, written over the bar's line and the bar redrawn below it.
      const tty = (stream as NodeJS.WriteStream).isTTY === true;
      stream.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
      if (tty) bar.render();
    },
    stop() {
      bar.stop();
    },
  };
}
