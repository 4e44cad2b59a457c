/** The progress bar on stderr: file bytes scored, rows, rate and time left (cli-progress). */
import { SingleBar } from 'cli-progress';

export interface Progress {
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
    format: '{bar} {percentage}% | {doneMiB}/{totalMiB} MiB | {rows} rows | ETA {eta_formatted}',
    hideCursor: false,
    etaBuffer: 20,
    // Piped to a file or CI's log, a line every 5 seconds instead of redraws.
    noTTYOutput: true,
    notTTYSchedule: 5000,
  });
  let rows = 0;
  let done = 0;
  const fmt = (n: number) => (n / MiB).toFixed(1);
  bar.start(totalBytes, 0, { rows: 0, doneMiB: fmt(0), totalMiB: fmt(totalBytes) });
  return {
    advance(fileBytes, n) {
      done += fileBytes;
      rows += n;
      bar.update(done, { rows, doneMiB: fmt(done), totalMiB: fmt(totalBytes) });
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
