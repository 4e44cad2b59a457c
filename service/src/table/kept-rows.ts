/** The rows a part of the upload keeps for predicting and writing, filled as the reader goes (read-table.ts). */
import type { Feature } from '../models/manifest';
import type { FeatureColumn, RowsRead } from './read-table';

/**
 * One chunk's kept rows. Numbers go straight into one typed array, a column after another (no
 * boxed values, no garbage, one allocation), sized for as many rows as the chunk before had.
 */
export class KeptRows {
  private capacity: number;
  private numbers: Float64Array;
  private readonly strings: string[][];
  private spans: Int32Array;
  private rowNumbers: Int32Array;
  private readonly neutralised: number[] = [];
  private count = 0;

  constructor(
    private readonly features: readonly Feature[],
    private readonly textual: boolean[],
    expectedRows: number,
  ) {
    this.capacity = Math.max(256, Math.ceil(expectedRows * 1.1));
    this.numbers = new Float64Array(this.capacity * features.length);
    this.spans = new Int32Array(this.capacity * 2);
    this.rowNumbers = new Int32Array(this.capacity);
    this.strings = features.map((): string[] => []);
  }

  /** Keeps one more row, data row `row`, whose text is [start, end) of the chunk; returns its index. */
  add(start: number, end: number, row: number): number {
    if (this.count === this.capacity) this.grow();
    this.spans[this.count * 2] = start;
    this.spans[this.count * 2 + 1] = end;
    this.rowNumbers[this.count] = row;
    return this.count++;
  }

  setNumber(feature: number, row: number, value: number): void {
    this.numbers[feature * this.capacity + row] = value;
  }

  /** Text features' cells come in row order. */
  pushText(feature: number, cell: string): void {
    this.strings[feature].push(cell);
  }

  neutralise(row: number): void {
    this.neutralised.push(row);
  }

  result(): RowsRead {
    const rows = this.count;
    const column = (k: number) => this.numbers.subarray(k * this.capacity, k * this.capacity + rows);
    const columns = this.features.map((feature, k): FeatureColumn => ({ feature, values: this.textual[k] ? this.strings[k] : column(k) }));
    return { spans: this.spans.slice(0, rows * 2), rowNumbers: this.rowNumbers.subarray(0, rows), neutralised: Int32Array.from(this.neutralised), columns, rows };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const numbers = new Float64Array(capacity * this.features.length);
    for (let k = 0; k < this.features.length; k++) numbers.set(this.numbers.subarray(k * this.capacity, k * this.capacity + this.count), k * capacity);
    this.numbers = numbers;
    const spans = new Int32Array(capacity * 2);
    spans.set(this.spans);
    this.spans = spans;
    const rowNumbers = new Int32Array(capacity);
    rowNumbers.set(this.rowNumbers);
    this.rowNumbers = rowNumbers;
    this.capacity = capacity;
  }
}
