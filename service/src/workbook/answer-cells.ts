/**
 * The prediction columns of the pool's predictions answer (UTF-8, comma; csv-writer.ts), kept a
 * few bytes a row while the answer streams past: the label as a code into the labels seen, the
 * numbers as numbers.
 */
import { StringDecoder } from 'node:string_decoder';
import { TextRecords } from '../csv/text-records';

export class AnswerCells {
  /** Rows kept so far (the header is not one). */
  rows = 0;
  readonly labels: string[] = [];
  private readonly codeOf = new Map<string, number>();
  private codes = new Uint32Array(1024);
  /** Per row, the numeric columns (all of them for a regressor, the probabilities for a classifier). */
  private numbers: Float64Array;
  private readonly numeric: number;
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private headerSeen = false;

  /** `added` columns end each record; a regressor's one is a number, a classifier's first a label. */
  constructor(
    private readonly added: number,
    private readonly regression: boolean,
  ) {
    this.numeric = regression ? added : added - 1;
    this.numbers = new Float64Array(1024 * Math.max(1, this.numeric));
  }

  /** Takes the next piece of the answer; a record cut by the piece's end waits for the next. */
  push(piece: Uint8Array): void {
    const text = this.carry + this.decoder.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    const records = new TextRecords(text);
    let kept = 0;
    while (records.advance()) {
      // A record not yet ended by a line break may go on in the next piece.
      if (records.end === text.length) break;
      kept = records.next;
      if (!this.headerSeen) {
        this.headerSeen = true;
        continue;
      }
      this.keep(records.cells);
    }
    this.carry = text.slice(kept);
  }

  /** The answer has ended. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    const records = new TextRecords(rest);
    while (records.advance()) this.keep(records.cells);
  }

  private keep(cells: string[]): void {
    // The answer has no blank lines; an empty record is a CRLF split between two pieces.
    if (cells.length === 1 && cells[0] === '') return;
    const row = this.rows++;
    if (row === this.codes.length) {
      const codes = new Uint32Array(row * 2);
      codes.set(this.codes);
      this.codes = codes;
      const numbers = new Float64Array(this.numbers.length * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
    }
    const tail = cells.slice(-this.added);
    if (!this.regression) {
      // The label as the model gives it: the predictions answer does not neutralise it (write-output.ts writePredictions).
      const label = tail[0];
      let code = this.codeOf.get(label);
      if (code === undefined) this.codeOf.set(label, (code = this.labels.push(label) - 1));
      this.codes[row] = code;
    }
    for (let k = 0; k < this.numeric; k++) this.numbers[row * this.numeric + k] = Number(tail[tail.length - this.numeric + k]);
  }

  label(row: number): string {
    return this.labels[this.codes[row]];
  }

  /** The row's k-th numeric column. */
  number(row: number, k: number): number {
    return this.numbers[row * this.numeric + k];
  }
}
