/**
 * A job record in about 100 bytes, for the queue that holds records while the database is away.
 * As JavaScript objects, 345k typical records (5 minutes at 1,150 a second) took 224 MB of heap
 * and as many objects for the collector to trace; encoded, 32 MB (94 bytes each, 95 since the
 * flags took a second byte) of buffers it never walks (41 MB, 120 bytes each, with a caller's
 * email such as yamada.taro@example.co.jp). Numbers are float64 (any JavaScript number comes back
 * as it went in), the id its 16 bytes, the time its milliseconds, each string its UTF-8 after a
 * length. A kept result adds its expiry and location (about 60 bytes).
 */
import type { JobRecord } from './job-store';

const STATUSES: readonly JobRecord['status'][] = ['succeeded', 'rejected', 'failed'];

// Which of the nullable fields are present, one bit each after the status's two.
const HAS_VERSION = 1 << 2;
const HAS_ROWS = 1 << 3;
const HAS_BYTES_OUT = 1 << 4;
const HAS_ERROR = 1 << 5;
const HAS_FINGERPRINT = 1 << 6;
const HAS_CALLER = 1 << 7;
const HAS_BATCH = 1 << 8;
const HAS_ERROR_COUNT = 1 << 9;
const HAS_RESULT = 1 << 10;
const HAS_PIECE = 1 << 11;
const HAS_PIECE_COUNT = 1 << 12;
const HAS_FILE_NAME = 1 << 13;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Lengths below this take one byte; longer ones a marker byte and four.
const LONG = 0xff;

/** flags (two bytes), http status, 16-byte id, created at, bytes in, duration. */
const FIXED = 2 + 2 + 16 + 8 + 8 + 8;

const stringSize = (s: string) => {
  const n = Buffer.byteLength(s);
  return (n < LONG ? 1 : 5) + n;
};

/** The bytes `encode` will write for this record. */
export function encodedSize(job: JobRecord): number {
  return (
    FIXED +
    stringSize(job.modelName) +
    (job.modelVersion !== null ? stringSize(job.modelVersion) : 0) +
    (job.rows !== null ? 8 : 0) +
    (job.bytesOut !== null ? 8 : 0) +
    (job.errorSummary !== null ? stringSize(job.errorSummary) : 0) +
    (job.tokenFingerprint !== null ? stringSize(job.tokenFingerprint) : 0) +
    (job.caller !== null ? stringSize(job.caller) : 0) +
    (job.batch !== null ? stringSize(job.batch) : 0) +
    (job.errorCount !== null ? 8 : 0) +
    (job.result ? stringSize(job.result.location) + 8 : 0) +
    (job.piece ? 8 + (job.piece.pieces !== null ? 8 : 0) + (job.piece.fileName !== null ? stringSize(job.piece.fileName) : 0) : 0)
  );
}

/** Whether a record can be encoded: the id column is a uuid, and the time a date. */
export function encodable(job: JobRecord): boolean {
  return (
    UUID.test(job.id) &&
    STATUSES.includes(job.status) &&
    Number.isFinite(Date.parse(job.createdAt)) &&
    job.httpStatus >= 0 &&
    job.httpStatus <= 0xffff &&
    (!job.result || Number.isFinite(Date.parse(job.result.expiresAt)))
  );
}

/** Writes the record at `offset` (with `encodedSize` bytes free there); returns the offset after it. */
export function encode(job: JobRecord, buf: Buffer, offset: number): number {
  let flags = STATUSES.indexOf(job.status);
  if (job.modelVersion !== null) flags |= HAS_VERSION;
  if (job.rows !== null) flags |= HAS_ROWS;
  if (job.bytesOut !== null) flags |= HAS_BYTES_OUT;
  if (job.errorSummary !== null) flags |= HAS_ERROR;
  if (job.tokenFingerprint !== null) flags |= HAS_FINGERPRINT;
  if (job.caller !== null) flags |= HAS_CALLER;
  if (job.batch !== null) flags |= HAS_BATCH;
  if (job.errorCount !== null) flags |= HAS_ERROR_COUNT;
  if (job.result) flags |= HAS_RESULT;
  if (job.piece) flags |= HAS_PIECE;
  if (job.piece && job.piece.pieces !== null) flags |= HAS_PIECE_COUNT;
  if (job.piece && job.piece.fileName !== null) flags |= HAS_FILE_NAME;
  let at = buf.writeUInt16LE(flags, offset);
  at = buf.writeUInt16LE(job.httpStatus, at);
  at += buf.write(job.id.replace(/-/g, ''), at, 16, 'hex');
  at = buf.writeDoubleLE(Date.parse(job.createdAt), at);
  at = buf.writeDoubleLE(job.bytesIn, at);
  at = buf.writeDoubleLE(job.durationMs, at);
  if (job.rows !== null) at = buf.writeDoubleLE(job.rows, at);
  if (job.bytesOut !== null) at = buf.writeDoubleLE(job.bytesOut, at);
  if (job.errorCount !== null) at = buf.writeDoubleLE(job.errorCount, at);
  at = writeString(job.modelName, buf, at);
  if (job.modelVersion !== null) at = writeString(job.modelVersion, buf, at);
  if (job.errorSummary !== null) at = writeString(job.errorSummary, buf, at);
  if (job.tokenFingerprint !== null) at = writeString(job.tokenFingerprint, buf, at);
  if (job.caller !== null) at = writeString(job.caller, buf, at);
  if (job.batch !== null) at = writeString(job.batch, buf, at);
  if (job.result) {
    at = buf.writeDoubleLE(Date.parse(job.result.expiresAt), at);
    at = writeString(job.result.location, buf, at);
  }
  if (job.piece) {
    at = buf.writeDoubleLE(job.piece.rowOffset, at);
    if (job.piece.pieces !== null) at = buf.writeDoubleLE(job.piece.pieces, at);
    if (job.piece.fileName !== null) at = writeString(job.piece.fileName, buf, at);
  }
  return at;
}

/** Reads the record at `offset`; returns it and the offset after it. */
export function decode(buf: Buffer, offset: number): { job: JobRecord; next: number } {
  const flags = buf.readUInt16LE(offset);
  let at = offset + 2;
  const httpStatus = buf.readUInt16LE(at);
  at += 2;
  const hex = buf.toString('hex', at, at + 16);
  at += 16;
  const createdAt = new Date(buf.readDoubleLE(at)).toISOString();
  const bytesIn = buf.readDoubleLE(at + 8);
  const durationMs = buf.readDoubleLE(at + 16);
  at += 24;
  let rows: number | null = null;
  let bytesOut: number | null = null;
  let errorCount: number | null = null;
  if (flags & HAS_ROWS) (rows = buf.readDoubleLE(at)), (at += 8);
  if (flags & HAS_BYTES_OUT) (bytesOut = buf.readDoubleLE(at)), (at += 8);
  if (flags & HAS_ERROR_COUNT) (errorCount = buf.readDoubleLE(at)), (at += 8);
  const read = () => {
    const s = readString(buf, at);
    at = s.next;
    return s.value;
  };
  const modelName = read();
  const modelVersion = flags & HAS_VERSION ? read() : null;
  const errorSummary = flags & HAS_ERROR ? read() : null;
  const tokenFingerprint = flags & HAS_FINGERPRINT ? read() : null;
  const caller = flags & HAS_CALLER ? read() : null;
  const batch = flags & HAS_BATCH ? read() : null;
  let result: JobRecord['result'];
  if (flags & HAS_RESULT) {
    const expiresAt = new Date(buf.readDoubleLE(at)).toISOString();
    at += 8;
    result = { location: read(), expiresAt };
  }
  let piece: JobRecord['piece'];
  if (flags & HAS_PIECE) {
    const rowOffset = buf.readDoubleLE(at);
    at += 8;
    let pieces: number | null = null;
    if (flags & HAS_PIECE_COUNT) (pieces = buf.readDoubleLE(at)), (at += 8);
    piece = { rowOffset, pieces, fileName: flags & HAS_FILE_NAME ? read() : null };
  }
  const job: JobRecord = {
    id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    modelName,
    modelVersion,
    status: STATUSES[flags & 3],
    httpStatus,
    rows,
    bytesIn,
    bytesOut,
    durationMs,
    errorSummary,
    tokenFingerprint,
    caller,
    createdAt,
    batch,
    errorCount,
    ...(result ? { result } : {}),
    ...(piece ? { piece } : {}),
  };
  return { job, next: at };
}

function writeString(s: string, buf: Buffer, offset: number): number {
  const n = Buffer.byteLength(s);
  let at = n < LONG ? buf.writeUInt8(n, offset) : buf.writeUInt32LE(n, buf.writeUInt8(LONG, offset));
  at += buf.write(s, at, n, 'utf8');
  return at;
}

function readString(buf: Buffer, offset: number): { value: string; next: number } {
  let n = buf.readUInt8(offset);
  let at = offset + 1;
  if (n === LONG) (n = buf.readUInt32LE(at)), (at += 4);
  return { value: buf.toString('utf8', at, at + n), next: at + n };
}
