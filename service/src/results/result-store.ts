/**
 * Where kept answers live: a folder by default (nothing to set up, like PGlite for the job log),
 * a Cloud Storage bucket in the cloud. Both keep, beside the bytes, what a download needs without
 * the job log: the file's name and type, its owner and its expiry, so an answer can be fetched
 * again the moment it was sent, even while the job log's record is still queued.
 */
import type { Readable, Writable } from 'node:stream';

export interface KeptMeta {
  /** The name the answer was sent under (Content-Disposition). */
  fileName: string;
  contentType: string;
  /** Who kept it: the caller's id (identity/caller.ts); it and admins may download it. */
  owner: string;
  expiresAt: string;
  /** A piece of a larger file (?batch=): what joining the batch's pieces into one file needs. */
  piece?: KeptPiece;
}

export interface KeptPiece {
  batch: string;
  /** ?row_offset=: the whole file's data rows before this piece; the pieces are joined in its order. */
  rowOffset: number;
  /** ?pieces=: how many pieces the whole file was sent in, when this piece said (the last one does). */
  pieces?: number;
  /** The answer's field delimiter (a character code), for finding the end of its header row. */
  delimiter: number;
}

export interface KeptAnswer {
  meta: KeptMeta;
  size: number;
  body: Readable;
}

export interface ResultStore {
  readonly kind: 'folder' | 'bucket';
  /** Where a job's answer is kept, as the job log records it. */
  locationOf(jobId: string): string;
  /**
   * A stream that keeps the answer: visible to `open` only once it finished; destroying it
   * (with or without an error) leaves nothing behind.
   */
  create(jobId: string, meta: KeptMeta): Writable;
  /** The kept answer, or undefined when there is none (never kept, or swept). */
  open(jobId: string): Promise<KeptAnswer | undefined>;
  close?(): void;
}
