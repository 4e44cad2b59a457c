// What the result section shows of an answer, gathered one answer text at a time: the row count,
// the first rows for the preview, the predicted classes' counts and the histogram's values. A
// large file's answer is added piece by piece, so no more than one piece is parsed at once.
/* global Papa */

export const PREVIEW_ROWS = 10;

export class AnswerSummary {
  /** @param {{ task: string, classes?: string[] }} model */
  constructor(model) {
    this.classifier = model.task === 'classification';
    this.classes = model.classes ?? [];
    this.rows = 0;
    this.fields = null;
    this.preview = [];
    this.counts = new Map(this.classes.map((c) => [c, 0]));
    this.values = [];
  }

  /** One answer's CSV text, header included (a piece's answer has its own). Papa guesses the delimiter: a semicolon or tab file comes back with its own. */
  add(text) {
    let columns = null;
    Papa.parse(text, {
      skipEmptyLines: true,
      step: ({ data }) => {
        if (!columns) {
          columns = this.columnsOf(data);
          return;
        }
        this.addRow(data, columns);
      },
    });
  }

  columnsOf(header) {
    this.fields ??= header;
    const at = (name) => header.indexOf(name);
    const probability = {};
    for (const c of this.classes) probability[c] = at(`probability_${c}`);
    return { prediction: at('prediction'), probability: at('probability'), probabilityOf: probability };
  }

  addRow(cells, columns) {
    this.rows++;
    if (this.preview.length < PREVIEW_ROWS) this.preview.push(cells);
    const prediction = cells[columns.prediction];
    if (!this.classifier) {
      const value = Number(prediction);
      if (Number.isFinite(value)) this.values.push(value);
      return;
    }
    this.counts.set(prediction, (this.counts.get(prediction) ?? 0) + 1);
    // Binary: the positive class's probability; multiclass: the predicted class's.
    this.values.push(Number(cells[this.classes.length === 2 ? columns.probability : columns.probabilityOf[prediction]]));
  }
}
