/**
 * Workbooks written by a real spreadsheet program: LibreOffice Calc, headless, converts CSV files
 * (UTF-8, formulas evaluated and their values saved, as Excel saves them) to .xlsx or .xls, and
 * opens other files and saves them again (a workbook filled in, a sheet exported as text). All the
 * files a test needs go through one soffice run, and the results are cached by content in the
 * temporary folder, so a second test run converts nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** LibreOffice's CSV import: comma, double quote, UTF-8 (76), from line 1, formulas evaluated. */
const CSV_IMPORT = 'CSV:44,34,76,1,,0,false,true,false,false,false,-1';

/**
 * Each CSV (by file stem, which becomes the sheet's name) converted to `format` by LibreOffice.
 * Fails when soffice is missing: the CI script installs it (libreoffice-calc-nogui).
 */
export function libreOfficeFiles(csvs: Record<string, string>, format: 'xlsx' | 'xls' = 'xlsx', csvImport = CSV_IMPORT): Record<string, Buffer> {
  return convert(Object.fromEntries(Object.entries(csvs).map(([stem, text]) => [`${stem}.csv`, Buffer.from(text)])), format, csvImport);
}

/** The CSV import with the given columns (1-based) read as text: numbers stored as text, formulas kept as text. */
export function csvImportWithTextColumns(columns: number[]): string {
  return CSV_IMPORT.replace('44,34,76,1,,', `44,34,76,1,${columns.map((c) => `${c}/2`).join('/')},`);
}

/**
 * Files (by name, e.g. `filled.xlsx`) opened and saved again by LibreOffice as `format`, with the
 * export filter's options when given (e.g. `csv:Text - txt - csv (StarCalc):59,34,76`).
 */
export function libreOfficeSaved(files: Record<string, Buffer>, format: string): Record<string, Buffer> {
  return convert(files, format);
}

function convert(files: Record<string, Buffer>, format: string, infilter?: string): Record<string, Buffer> {
  const key = createHash('sha256').update(JSON.stringify([Object.entries(files).map(([n, b]) => [n, b.toString('base64')]), format, infilter ?? null])).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `libreoffice-fixtures-${key}`);
  const out = join(dir, 'out');
  const extension = format.split(':')[0];
  const stems = Object.keys(files).map((name) => name.replace(/\.[^.]*$/, ''));
  const outputs = stems.map((stem) => join(out, `${stem}.${extension}`));
  if (!outputs.every(existsSync)) {
    mkdirSync(out, { recursive: true });
    const inputs = Object.entries(files).map(([name, bytes]) => {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      return file;
    });
    // A profile of its own: a LibreOffice already running elsewhere would otherwise take the job over.
    const profile = `file://${join(dir, 'profile')}`;
    const filter = infilter ? [`--infilter=${infilter}`] : [];
    execFileSync('soffice', [`-env:UserInstallation=${profile}`, '--headless', ...filter, '--convert-to', format, '--outdir', out, ...inputs], { stdio: 'pipe', timeout: 120_000 });
  }
  return Object.fromEntries(stems.map((stem, k) => [stem, readFileSync(outputs[k])]));
}

/** LibreOffice's CSV export: comma, double quote, UTF-8 (76), cells as shown (so with their number formats). */
const CSV_EXPORT = 'csv:Text - txt - csv (StarCalc):44,34,76,1';

/**
 * Each workbook (by file stem) opened by LibreOffice Calc and saved as CSV (its first sheet): what
 * a real spreadsheet program makes of a workbook we wrote. One soffice run for all of them.
 */
export function libreOfficeCsv(workbooks: Record<string, Uint8Array>): Record<string, string> {
  const key = createHash('sha256');
  for (const [stem, bytes] of Object.entries(workbooks)) key.update(stem).update(bytes);
  const dir = join(tmpdir(), `libreoffice-csv-${key.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  const inputs = Object.entries(workbooks).map(([stem, bytes]) => {
    const file = join(dir, `${stem}.xlsx`);
    writeFileSync(file, bytes);
    return file;
  });
  const profile = `file://${join(dir, 'profile')}`;
  execFileSync('soffice', [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', CSV_EXPORT, '--outdir', dir, ...inputs], { stdio: 'pipe', timeout: 300_000 });
  return Object.fromEntries(Object.keys(workbooks).map((stem) => [stem, readFileSync(join(dir, `${stem}.csv`), 'utf8')]));
}
