/**
 * Kept answers in a Cloud Storage bucket, one object per job named by its id. Uploads are single
 * streamed requests (multipart, not resumable): the answer goes out as it is produced and an
 * upload cut off half-way creates no object, so a partial answer is never served. The bucket's
 * lifecycle rule deletes objects after the retention (infra/constructs/results-bucket.ts).
 */
import type { Readable, Writable } from 'node:stream';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { attachment } from './content-disposition';
import type { KeptAnswer, KeptMeta, KeptPiece, ResultStore } from './result-store';

export class BucketResultStore implements ResultStore {
  readonly kind = 'bucket';
  private readonly storage: Storage;

  /** `options.apiEndpoint` points the client elsewhere (the tests' local server). */
  constructor(
    readonly bucketName: string,
    options: StorageOptions = {},
  ) {
    this.storage = new Storage(options);
  }

  locationOf(jobId: string): string {
    return `gs://${this.bucketName}/${jobId}`;
  }

  create(jobId: string, meta: KeptMeta): Writable {
    return this.storage
      .bucket(this.bucketName)
      .file(jobId)
      .createWriteStream({
        resumable: false,
        validation: 'md5',
        metadata: {
          contentType: meta.contentType,
          contentDisposition: attachment(meta.fileName),
          metadata: { fileName: meta.fileName, owner: meta.owner, expiresAt: meta.expiresAt, ...(meta.piece ? pieceMetadata(meta.piece) : {}) },
        },
      });
  }

  async open(jobId: string): Promise<KeptAnswer | undefined> {
    const file = this.storage.bucket(this.bucketName).file(jobId);
    let object;
    try {
      [object] = await file.getMetadata();
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
    const custom = (object.metadata ?? {}) as Record<string, string | undefined>;
    const meta: KeptMeta = {
      fileName: custom.fileName ?? jobId,
      contentType: object.contentType ?? 'application/octet-stream',
      owner: custom.owner ?? '',
      expiresAt: custom.expiresAt ?? new Date(0).toISOString(),
      ...(custom.batch ? { piece: pieceOf(custom) } : {}),
    };
    // The generation read is the one downloaded, even if the object were replaced in between.
    const body: Readable = this.storage.bucket(this.bucketName).file(jobId, { generation: object.generation }).createReadStream({ validation: 'md5' });
    return { meta, size: Number(object.size), body };
  }
}

/** Custom metadata values are strings. */
function pieceMetadata(piece: KeptPiece): Record<string, string> {
  return { batch: piece.batch, rowOffset: String(piece.rowOffset), delimiter: String(piece.delimiter), ...(piece.pieces === undefined ? {} : { pieces: String(piece.pieces) }) };
}

function pieceOf(custom: Record<string, string | undefined>): KeptPiece {
  return { batch: custom.batch!, rowOffset: Number(custom.rowOffset ?? 0), delimiter: Number(custom.delimiter ?? 0x2c), ...(custom.pieces === undefined ? {} : { pieces: Number(custom.pieces) }) };
}
