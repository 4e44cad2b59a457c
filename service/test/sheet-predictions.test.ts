/**
 * A workbook's predictions, kept run by run (workbook/sheet-predictions.ts), against the CSV
 * answer's writer as the reference: the cells written back for every row are what the CSV answer
 * (csv/write-output.ts writeRows) ends the row with, however the rows were cut into runs (a label is
 * neutralised in CSV only: a workbook's text cell never runs); a slice is the rows asked for; the
 * class counts are the labels counted.
 */
import fc from 'fast-check';
import { COMMA, neutralise } from '../src/csv/cells';
import { TextRecords } from '../src/csv/text-records';
import { writeRows } from '../src/csv/write-output';
import type { Manifest } from '../src/models/manifest';
import type { Predictions } from '../src/models/predictions';
import { SheetPredictions } from '../src/workbook/sheet-predictions';

const manifestOf = (task: 'classification' | 'regression', classes: string[]): Manifest =>
  ({
    name: 'm',
    version: '1',
    task,
    features: [{ name: 'x', type: 'float' }],
    classes: task === 'classification' ? classes : undefined,
    positiveClass: classes.length === 2 ? classes[1] : undefined,
    outputs: { prediction: 'label', probabilities: task === 'classification' ? 'p' : undefined },
    metrics: {},
    sha256: '0'.repeat(64),
  }) as Manifest;

/** The rows' predictions of one model, whole, and cut into runs at `cuts`. */
const case_ = fc
  .record({
    task: fc.constantFrom('classification' as const, 'regression' as const),
    // Labels as a classifier may have them: Japanese, with quotes, commas, a leading '='.
    classes: fc.constantFrom<string[]>(['no', 'yes'], ['Adelie', 'Chinstrap', 'Gentoo'], ['雄', '雌'], ['a,b', '"q"', '=1+1']),
    rows: fc.integer({ min: 1, max: 300 }),
    seed: fc.integer(),
  })
  .chain((c) => fc.record({ c: fc.constant(c), cuts: fc.uniqueArray(fc.integer({ min: 1, max: c.rows - 1 > 0 ? c.rows - 1 : 1 }), { maxLength: 6 }) }));

function predictionsOf(task: string, classes: string[], rows: number, seed: number): Predictions {
  let s = seed >>> 0;
  const random = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  if (task === 'regression') return { codes: new Uint32Array(0), labels: [], values: Float64Array.from({ length: rows }, () => (random() - 0.5) * 10 ** Math.floor(random() * 8)) };
  const probabilities = new Float32Array(rows * classes.length);
  const codes = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let k = 0; k < classes.length; k++) sum += probabilities[i * classes.length + k] = random();
    for (let k = 0; k < classes.length; k++) probabilities[i * classes.length + k] /= sum;
    codes[i] = Math.floor(random() * classes.length);
  }
  return { codes, labels: classes, probabilities };
}

function run(p: Predictions, from: number, to: number, width: number): Predictions {
  return { labels: p.labels, codes: p.values ? p.codes : p.codes.slice(from, to), values: p.values?.slice(from, to), probabilities: p.probabilities?.slice(from * width, to * width) };
}

describe('a workbook’s predictions, kept run by run', () => {
  it('give every row the cells the CSV answer ends it with, wherever the runs were cut', () => {
    fc.assert(
      fc.property(case_, ({ c, cuts }) => {
        const manifest = manifestOf(c.task, c.classes);
        const whole = predictionsOf(c.task, c.classes, c.rows, c.seed);
        const width = c.task === 'regression' ? 0 : c.classes.length;
        const kept = new SheetPredictions(manifest);
        const bounds = [0, ...[...cuts].filter((x) => x < c.rows).sort((a, b) => a - b), c.rows];
        for (let k = 0; k + 1 < bounds.length; k++) if (bounds[k + 1] > bounds[k]) kept.add(run(whole, bounds[k], bounds[k + 1], width), bounds[k + 1] - bounds[k]);
        expect(kept.rows).toBe(c.rows);
        // The reference: the CSV answer of empty rows, read back; each line is an empty cell, then the predictions.
        const answer = writeRows({ text: '', spans: new Int32Array(c.rows * 2), neutralised: new Int32Array(0), predictions: whole, delimiter: COMMA }, manifest);
        const records = new TextRecords(answer);
        for (let i = 0; i < c.rows; i++) {
          expect(records.advance()).toBe(true);
          const [empty, first, ...rest] = records.cells;
          expect(empty).toBe('');
          const { label, numbers } = kept.cells(i);
          if (c.task === 'regression') expect([label, numbers]).toEqual([undefined, [Number(first)]]);
          else expect([neutralise(label!), numbers]).toEqual([first, rest.map(Number)]);
          if (label !== undefined) expect(c.classes).toContain(label);
        }
        // A slice within a run is those rows' predictions; the counts are the labels counted.
        for (let k = 0; k + 1 < bounds.length; k++) {
          const [from, to] = [bounds[k], bounds[k + 1]];
          if (to === from) continue;
          expect(kept.runEnd(from)).toBe(to);
          expect(kept.slice(from, to)).toEqual(run(whole, from, to, width));
        }
        if (c.task === 'classification') {
          const counts: Record<string, number> = {};
          for (const code of whole.codes) counts[c.classes[code]] = (counts[c.classes[code]] ?? 0) + 1;
          expect(kept.classCounts()).toEqual(counts);
        } else expect(kept.classCounts()).toBeUndefined();
      }),
      { numRuns: 150, seed: 20 },
    );
  });

  it('refuses a row it has no prediction for', () => {
    const kept = new SheetPredictions(manifestOf('regression', []));
    kept.add({ codes: new Uint32Array(0), labels: [], values: Float64Array.of(1, 2) }, 2);
    expect(kept.cells(1)).toEqual({ numbers: [2] });
    expect(() => kept.cells(2)).toThrow(RangeError);
  });
});
