/**
 * The answers of a file's pieces joined in order keep the header (and BOM) of the first only.
 * Shared by the CLI (answer-file.ts) and the page (frontend/public/split-upload.js).
 */
import { nextRecordStart } from '../service/src/csv/record-bounds';

const BOM = [0xef, 0xbb, 0xbf];

/** A later piece's answer without its header: past any BOM, from the second record on. */
export function withoutHeader(answer: Uint8Array): Uint8Array {
  const start = answer[0] === BOM[0] && answer[1] === BOM[1] && answer[2] === BOM[2] ? 3 : 0;
  const rows = nextRecordStart(answer, start, start);
  return rows === -1 ? new Uint8Array(0) : answer.subarray(rows);
}

/** What a piece's answer adds to the whole file's. */
export const answerPart = (index: number, answer: Uint8Array): Uint8Array => (index === 0 ? answer : withoutHeader(answer));
