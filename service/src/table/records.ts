/**
 * The one shape every upload format is read through: a header record, then records of cells, each
 * with its row number. The table reader (read-table.ts) validates them against a model's features
 * and keeps what prediction and the writers need; it knows nothing of the format.
 *
 * A format's reader gives, for each part of the upload it reads at a time (a CSV chunk of whole
 * records; a run of a sheet's rows), a `TableSource`: the header record where the reader has none
 * yet, and then the part's records. CSV: csv/csv-chunk.ts (in place in the bytes where there are no
 * quotes, plain-records.ts; else from the decoded text, text-records.ts). A workbook's streaming
 * reader plugs in the same way: cells may be numbers (`value`) or text (`text`), `row` is the data
 * row number (sheet row − header row, so blank sheet rows count), `cellRef` names each cell (D6)
 * for errors, and `start`/`end` may be -1 (its rows are not copied as bytes; the workbook writer
 * finds them by row number).
 */

/** A cursor over records: `advance()` moves to the next, and the members describe the current one. */
export interface TableRecords {
  /** Moves to the next record; false when this part of the upload has no more. */
  advance(): boolean;
  /** Its data row number: 1 for the first record after the header; blank records are counted. */
  readonly row: number;
  /** Where it is in the upload part's bytes, [start, end) without the line break (CSV); -1 where rows are not bytes. */
  readonly start: number;
  readonly end: number;
  /** How many cells it has. */
  readonly width: number;
  /** Whether it holds nothing at all (an empty line, an empty row): skipped unless the table is one column wide. */
  readonly blank: boolean;
  /** Its first malformed cell (0-based) and what is wrong with it, e.g. a quote never closed; undefined when none. */
  readonly malformed: { cell: number; message: string } | undefined;
  /** Cell `k` as a number where it holds one plainly (a plain decimal written as text, a numeric cell); else NaN, and `text(k)` is read. */
  value(k: number): number;
  /** Cell `k` as text. */
  text(k: number): string;
  /** Its cells as text. */
  cells(): string[];
  /** Whether a cell of it would run as a formula in a spreadsheet if written as text. */
  formulaLike(): boolean;
  /** The record as a text answer writes it back: as uploaded, or (`neutralised`) with its cells neutralised and quoted. */
  line(neutralised: boolean): string;
  /** Where cell `k` is, for errors (a workbook's D6); absent where rows and columns name it well enough (CSV). */
  cellRef?(k: number): string;
}

/** One part of an upload, as a format's reader gives it to the table reader. */
export interface TableSource {
  /**
   * The header record (reached by its first `advance()`), asked for only of the part the table
   * reader reads first: the upload's start, or a piece's header read before the piece.
   */
  header(): TableRecords;
  /**
   * The records after the header (or all of the part's, when it has none). `width` is the header's
   * number of cells (a reader in place sizes itself by it); `rowBefore`, the row number of the
   * record before the part's first.
   */
  records(width: number, rowBefore: number): TableRecords;
}
