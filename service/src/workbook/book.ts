/**
 * What a workbook's small parts say, read once before its sheet streams: the sheets' names and
 * parts (workbook.xml and its relationships), the shared strings, which cell styles show dates
 * (styles.xml) and whether dates count from 1904. Parts are read with saxes (a well-kept
 * conforming XML parser, exceljs's own), as they inflate.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { StringDecoder } from 'node:string_decoder';
import { HttpProblem } from '../http/problem';
import { InflateBudget, partPieces, zipEntries, type ZipEntry } from './container';

export interface SheetPart {
  name: string;
  /** The sheet's part in the zip, e.g. xl/worksheets/sheet1.xml. */
  entry: ZipEntry;
}

export interface Book {
  bytes: Uint8Array;
  /** What the job's parts may inflate to (a zip bomb is stopped there). */
  budget: InflateBudget;
  /** Every entry of the zip, in the order stored. */
  entries: ZipEntry[];
  /** Worksheets, in the workbook's order (chart sheets left out). */
  sheets: SheetPart[];
  /** Shared strings by index, as text (phonetic guides left out). */
  strings: string[];
  /** Per cell style (the `s` of a cell), whether its number format shows a date. */
  dateStyles: boolean[];
  date1904: boolean;
  styles?: ZipEntry;
}

/** Built-in number formats that show dates and times (ECMA-376 18.8.30, with the East Asian ones Excel writes). */
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

/** Whether a format code shows a date: a date or time letter outside quoted text and [colour]/[$-411] brackets (as exceljs decides). */
export function isDateFormat(code: string): boolean {
  return /[ymdhsb]/i.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

const damaged = (name: string) => new HttpProblem(415, 'unsupported-workbook', `the workbook's part ${name} cannot be read; open the file in Excel and save it again as Excel Workbook (.xlsx)`);

/** An element's name without its namespace prefix (some writers use x:row). */
export const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** Feeds a part's text to `parser` as it inflates, pausing after each inflated piece. */
export async function* feedPart(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget, parser: SaxesParser): AsyncGenerator<void> {
  const decoder = new StringDecoder('utf8');
  try {
    for await (const piece of partPieces(bytes, entry, budget)) {
      parser.write(decoder.write(piece));
      yield;
    }
    parser.write(decoder.end());
    parser.close();
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw damaged(entry.name);
  }
}

/** Parses a whole part; `stop()` from a handler ends reading early. */
export async function parsePart(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget, on: (parser: SaxesParser, stop: () => void) => void): Promise<void> {
  const parser = new SaxesParser();
  let stopped = false;
  on(parser, () => (stopped = true));
  for await (const _ of feedPart(bytes, entry, budget, parser)) if (stopped) return;
}

/** Where relationships point, by id, resolved against the part's folder. */
async function relationships(bytes: Uint8Array, budget: InflateBudget, entry: ZipEntry | undefined, folder: string): Promise<Map<string, { target: string; type: string }>> {
  const out = new Map<string, { target: string; type: string }>();
  if (!entry) return out;
  await parsePart(bytes, entry, budget, (p) =>
    p.on('opentag', (tag) => {
      if (localName(tag.name) !== 'Relationship') return;
      const a = (tag as SaxesTagPlain).attributes;
      const target = a.Target.startsWith('/') ? a.Target.slice(1) : normalise(folder + a.Target);
      out.set(a.Id, { target, type: a.Type ?? '' });
    }),
  );
  return out;
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

/** The text of each <si> (or <is>) element: its <t> texts, runs joined, phonetic runs (<rPh>) left out. */
export class RichText {
  private depthInPhonetic = 0;
  private inText = false;
  text = '';

  open(name: string): void {
    if (name === 'rPh') this.depthInPhonetic++;
    else if (name === 't' && this.depthInPhonetic === 0) this.inText = true;
  }

  close(name: string): void {
    if (name === 'rPh') this.depthInPhonetic--;
    else if (name === 't') this.inText = false;
  }

  add(text: string): void {
    if (this.inText) this.text += text;
  }
}

async function sharedStrings(bytes: Uint8Array, budget: InflateBudget, entry: ZipEntry | undefined): Promise<string[]> {
  const strings: string[] = [];
  if (!entry) return strings;
  let rich: RichText | undefined;
  await parsePart(bytes, entry, budget, (p) => {
    p.on('opentag', (tag) => {
      const name = localName(tag.name);
      if (name === 'si') rich = new RichText();
      else rich?.open(name);
    });
    p.on('text', (t) => rich?.add(t));
    p.on('cdata', (t) => rich?.add(t));
    p.on('closetag', (tag) => {
      const name = localName(tag.name);
      if (name === 'si' && rich) {
        strings.push(rich.text);
        rich = undefined;
      } else rich?.close(name);
    });
  });
  return strings;
}

async function dateStyles(bytes: Uint8Array, budget: InflateBudget, entry: ZipEntry | undefined): Promise<boolean[]> {
  if (!entry) return [];
  const custom = new Map<number, string>();
  const formats: number[] = [];
  let inCellXfs = false;
  await parsePart(bytes, entry, budget, (p) => {
    p.on('opentag', (tag) => {
      const name = localName(tag.name);
      const a = (tag as SaxesTagPlain).attributes;
      if (name === 'numFmt') custom.set(Number(a.numFmtId), a.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formats.push(Number(a.numFmtId ?? 0));
    });
    p.on('closetag', (tag) => {
      if (localName(tag.name) === 'cellXfs') inCellXfs = false;
    });
  });
  return formats.map((id) => (custom.has(id) ? isDateFormat(custom.get(id)!) : DATE_FORMAT_IDS.has(id)));
}

/** Reads a workbook's structure and shared parts (its sheets are read later, as they stream). */
export async function openBook(bytes: Uint8Array, budget = new InflateBudget()): Promise<Book> {
  const entries = zipEntries(bytes);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const workbook = byName.get('xl/workbook.xml')!;
  const rels = await relationships(bytes, budget, byName.get('xl/_rels/workbook.xml.rels'), 'xl/');
  const declared: { name: string; id: string }[] = [];
  let date1904 = false;
  await parsePart(bytes, workbook, budget, (p) =>
    p.on('opentag', (tag) => {
      const name = localName(tag.name);
      const a = (tag as SaxesTagPlain).attributes;
      if (name === 'sheet') declared.push({ name: a.name, id: a['r:id'] ?? Object.entries(a).find(([k]) => k.endsWith(':id'))?.[1] ?? '' });
      else if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
    }),
  );
  const sheets: SheetPart[] = [];
  for (const { name, id } of declared) {
    const rel = rels.get(id);
    const entry = rel && /\/worksheet$/.test(rel.type) ? byName.get(rel.target) : undefined;
    if (entry) sheets.push({ name, entry });
  }
  const target = (type: string) => [...rels.values()].find((r) => r.type.endsWith(`/${type}`))?.target;
  const stringsEntry = byName.get(target('sharedStrings') ?? 'xl/sharedStrings.xml');
  const styles = byName.get(target('styles') ?? 'xl/styles.xml');
  return { bytes, budget, entries, sheets, strings: await sharedStrings(bytes, budget, stringsEntry), dateStyles: await dateStyles(bytes, budget, styles), date1904, styles };
}
