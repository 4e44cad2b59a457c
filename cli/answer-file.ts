/**
 * The assembled answer: each piece's answer appended in order, the header (and BOM) kept from the
 * first only. Written to a temporary file beside the output, renamed into place once the whole
 * file is scored, removed otherwise: there is never a partial answer under the output's name.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { nextRecordStart } from '../service/src/csv/record-bounds';

const BOM = [0xef, 0xbb, 0xbf];

/** A later piece's answer without its header: past any BOM, from the second record on. */
export function withoutHeader(answer: Buffer): Buffer {
  const start = answer[0] === BOM[0] && answer[1] === BOM[1] && answer[2] === BOM[2] ? 3 : 0;
  const rows = nextRecordStart(answer, start, start);
  return rows === -1 ? Buffer.alloc(0) : answer.subarray(rows);
}

export class AnswerFile {
  private constructor(
    private readonly file: FileHandle,
    private readonly temp: string,
    readonly path: string,
    private readonly encode: (bytes: Buffer) => Buffer,
  ) {}

  /** `encode` turns each piece's answer (its header dropped) into the file's bytes: UTF-16 for a UTF-16 file (utf16-file.ts). */
  static async create(path: string, encode: (bytes: Buffer) => Buffer = (bytes) => bytes): Promise<AnswerFile> {
    const temp = `${path}.partial-${process.pid}`;
    return new AnswerFile(await open(temp, 'w'), temp, path, encode);
  }

  async append(index: number, answer: Buffer): Promise<void> {
    const bytes = index === 0 ? answer : withoutHeader(answer);
    await this.file.write(this.encode(bytes));
  }

  async finish(): Promise<void> {
    await this.file.close();
    await rename(this.temp, this.path);
  }

  async discard(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}
