/**
 * styles.xml with one cell style added: the probabilities' number format. The styles part is
 * small (a few kB), so it is patched as text; every style already there keeps its index.
 */

/** How probabilities show; the cell holds the number to six places, as the CSV answer does. */
export const PROBABILITY_FORMAT = '0.0000';

/** Custom number format ids start here (0–163 are built in). */
const FIRST_CUSTOM_FORMAT = 164;

/** The styles part with the probability style added, and that style's index (a cell's `s`). */
export function addProbabilityStyle(styles: string): { styles: string; index: number } | undefined {
  const xfs = /<((?:\w+:)?)cellXfs\b([^>]*)>([\s\S]*?)<\/(?:\w+:)?cellXfs>/.exec(styles);
  if (!xfs) return undefined;
  const p = xfs[1];
  let out = styles;
  let formatId: number;
  const same = new RegExp(`<(?:\\w+:)?numFmt\\b[^>]*?numFmtId="(\\d+)"[^>]*?formatCode="${PROBABILITY_FORMAT.replace('.', '\\.')}"`).exec(styles);
  if (same) formatId = Number(same[1]);
  else {
    const ids = [...styles.matchAll(/<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"/g)].map((m) => Number(m[1]));
    formatId = Math.max(FIRST_CUSTOM_FORMAT - 1, ...ids) + 1;
    const format = `<${p}numFmt numFmtId="${formatId}" formatCode="${PROBABILITY_FORMAT}"/>`;
    const numFmts = /(<(?:\w+:)?numFmts\b[^>]*?)(\/>|>([\s\S]*?)<\/(?:\w+:)?numFmts>)/.exec(out);
    if (numFmts) {
      const count = (numFmts[3]?.match(/<(?:\w+:)?numFmt\b/g)?.length ?? 0) + 1;
      const open = numFmts[1].replace(/\scount="\d*"/, '') + ` count="${count}">`;
      out = out.slice(0, numFmts.index) + open + (numFmts[3] ?? '') + format + `</${p}numFmts>` + out.slice(numFmts.index + numFmts[0].length);
    } else {
      // numFmts is the style sheet's first child.
      out = out.replace(/<(?:\w+:)?styleSheet\b[^>]*>/, (open) => `${open}<${p}numFmts count="1">${format}</${p}numFmts>`);
    }
  }
  const cellXfs = /<((?:\w+:)?)cellXfs\b([^>]*)>([\s\S]*?)<\/(?:\w+:)?cellXfs>/.exec(out)!;
  const index = cellXfs[3].match(/<(?:\w+:)?xf\b/g)?.length ?? 0;
  const xf = `<${p}xf numFmtId="${formatId}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`;
  const attrs = cellXfs[2].replace(/\scount="\d*"/, '') + ` count="${index + 1}"`;
  out = out.slice(0, cellXfs.index) + `<${p}cellXfs${attrs}>${cellXfs[3]}${xf}</${p}cellXfs>` + out.slice(cellXfs.index + cellXfs[0].length);
  return { styles: out, index };
}
