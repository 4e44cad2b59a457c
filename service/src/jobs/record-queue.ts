/**
 * Job records waiting for the database, encoded (record-codec.ts) into a chain of buffers and
 * bounded by the bytes those buffers take, not by a count: a record's size varies with its error
 * text, memory does not care how many there are.
 */
import type { JobRecord } from './job-store';
import { decode, encode, encodedSize } from './record-codec';

/** Large enough that a chunk holds hundreds of records, small enough to be freed as they go. */
const CHUNK_BYTES = 64 * 1024;

interface Chunk {
  buf: Buffer;
  /** Where the next record goes. */
  end: number;
}

/** The records a `peek` read, and where the queue's head moves once they are written. */
export interface Batch {
  jobs: JobRecord[];
  chunk: number;
  offset: number;
}

export class RecordQueue {
  private readonly chunks: Chunk[] = [];
  /** Where the first record of the first chunk starts. */
  private head = 0;
  private count = 0;
  private allocated = 0;
  private peak = 0;

  constructor(private readonly maxBytes: number) {}

  get length(): number {
    return this.count;
  }

  /** Memory the queue holds now, and the most it has held. */
  get bytes(): number {
    return this.allocated;
  }

  get peakBytes(): number {
    return this.peak;
  }

  /** Adds a record; false, and nothing kept, when it would take the queue past its bytes. */
  push(job: JobRecord): boolean {
    const size = encodedSize(job);
    let tail = this.chunks[this.chunks.length - 1];
    if (!tail || tail.buf.length - tail.end < size) {
      const length = Math.max(CHUNK_BYTES, size);
      if (this.allocated + length > this.maxBytes) return false;
      // Every byte written is read back from where it was written: no need to zero the rest.
      tail = { buf: Buffer.allocUnsafeSlow(length), end: 0 };
      this.chunks.push(tail);
      this.allocated += length;
      this.peak = Math.max(this.peak, this.allocated);
    }
    tail.end = encode(job, tail.buf, tail.end);
    this.count++;
    return true;
  }

  /** The oldest `max` records, left in the queue until `remove` is given the batch. */
  peek(max: number): Batch {
    const jobs: JobRecord[] = [];
    let chunk = 0;
    let offset = this.head;
    while (jobs.length < max && chunk < this.chunks.length) {
      const c = this.chunks[chunk];
      if (offset >= c.end) {
        // Only the last chunk can still grow; an earlier one is done once read to its end.
        if (chunk === this.chunks.length - 1) break;
        chunk++;
        offset = 0;
        continue;
      }
      const { job, next } = decode(c.buf, offset);
      jobs.push(job);
      offset = next;
    }
    return { jobs, chunk, offset };
  }

  /** Drops the records of a batch from `peek` (records pushed since stay). */
  remove(batch: Batch): void {
    const done = this.chunks.splice(0, batch.chunk);
    for (const c of done) this.allocated -= c.buf.length;
    this.head = batch.offset;
    this.count -= batch.jobs.length;
    const first = this.chunks[0];
    // An emptied last chunk is let go too, so an idle queue holds no memory.
    if (this.count === 0 && first && this.chunks.length === 1 && this.head >= first.end) {
      this.chunks.length = 0;
      this.allocated -= first.buf.length;
      this.head = 0;
    }
  }
}
