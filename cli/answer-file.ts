/**
 * The assembled answer: each piece's answer appended in order, the header (and BOM) kept from the
 * first only. Written to a temporary file beside the output, renamed into place once the whole
 * file is scored, removed otherwise: there is never a partial answer under the output's name.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { answerPart } from './answer-header';

export class AnswerFile {
  private constructor(
    private readonly file: FileHandle,
    private readonly temp: string,
    readonly path: string,
    private readonly encode: (bytes: Uint8Array) => Uint8Array,
  ) {}

  /** `encode` turns each piece's answer (its header dropped) into the file's bytes: UTF-16 for a UTF-16 file (utf16-file.ts). */
  static async create(path: string, encode: (bytes: Uint8Array) => Uint8Array = (bytes) => bytes): Promise<AnswerFile> {
    const temp = `${path}.partial-${process.pid}`;
    return new AnswerFile(await open(temp, 'w'), temp, path, encode);
  }

  async append(index: number, answer: Uint8Array): Promise<void> {
    await this.file.write(this.encode(answerPart(index, answer)));
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
