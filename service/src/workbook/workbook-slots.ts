/**
 * How many workbooks are read and written at once. A workbook job holds, beyond its upload (which
 * the pool's admission counts), a thread of its own with its heap and its model's session, about
 * 25–30 MB (bench/README.md). Four 32 MiB workbooks at once peaked at 479 MB; one at a time, later
 * ones wait here with only their uploads held, in the order they came. The work is one core's
 * anyway: a workbook's thread reads, predicts and writes.
 */
export class WorkbookSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {}

  /** Waits for a free slot; the function it gives frees it (once, however often it is called). */
  async take(): Promise<() => void> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      // The slot passes straight to the next in line, so the count does not change.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
