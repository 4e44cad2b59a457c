/**
 * npm run predict -- <file> [--model NAME] [--out FILE] [--sheet NAME] [--format csv] [--keep] …
 *
 * Scores a CSV of any size against the API: locally the service itself, in the cloud the API
 * Gateway (with --api-key). Exit status 0 only when the whole file was scored and written.
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PREDICT_QUERY, ROUTES } from '../service/src/http/contract';
import { progressBar } from './progress';
import { scoreFile, ScoreResult } from './score-file';

const MiB = 1024 * 1024;
/** The first piece's size: it is answered within about a second, so the bar moves early. */
const FIRST_PIECE_BYTES = MiB;

/** The answer's file type, as the service names it: a workbook's is a workbook (CSV with format=csv), a .tsv or .txt keeps its own, else .csv. */
function answerExtension(input: string, format: string | undefined): string {
  const ext = extname(input).slice(1).toLowerCase();
  if (ext === 'xlsx') return format === 'csv' ? 'csv' : 'xlsx';
  return ext === 'tsv' || ext === 'txt' ? ext : 'csv';
}

/** Options passed through as predict's query parameters, checked against the contract's list before anything is sent. */
const PASS_THROUGH = { sheet: 'sheet', 'header-row': 'header_row', delimiter: 'delimiter', format: 'format' } as const;

function passThrough(option: keyof typeof PASS_THROUGH, value: string): string {
  const param = PREDICT_QUERY.find((p) => p.name === PASS_THROUGH[option])!;
  if (value === '') throw new UsageError(`--${option} must not be empty`);
  if (param.enum && !param.enum.includes(value)) throw new UsageError(`--${option} must be one of ${param.enum.join(', ')} (got ${JSON.stringify(value)})`);
  if (param.type === 'integer') {
    // header_row is a sheet row, from 1 (the contract states no minimum; the service refuses below 1).
    const min = param.minimum ?? 1;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || (param.maximum !== undefined && n > param.maximum)) throw new UsageError(`--${option} must be a whole number from ${min}${param.maximum === undefined ? '' : ` to ${param.maximum}`} (got ${JSON.stringify(value)})`);
  }
  return value;
}

const USAGE = `usage: npm run predict -- <file> [options]

  The file: CSV or TSV (UTF-8 or Shift_JIS), or UTF-16 text (Excel's "Unicode text"), of any size;
  or an Excel workbook (.xlsx) of at most 32 MiB, which is sent whole.

  --model NAME        the model (default: the service's default model)
  --out FILE          where the answer goes (default: <file>-predictions.<csv, tsv, txt or xlsx> beside the input)
  --sheet NAME        a workbook's sheet to read (default: the first)
  --header-row N      a workbook sheet's header row, from 1 (default: found in the first 20 rows)
  --format F          a workbook's answer: auto or xlsx (the workbook, default) or csv (named .csv)
  --delimiter D       auto (default: from the header), comma, tab or semicolon
  --concurrency N     pieces in flight at once (default 4)
  --piece-mib N       size of a piece in MiB (default 16; at most 31, under the 32 MiB request cap);
                      the first piece is 1 MiB and each after it twice the one before, up to N,
                      so progress shows within a second or so
  --piece-kib N       size of a piece in KiB instead (at most 31744), e.g. to try pieces on a small file
  --url URL           the API (or API_URL), e.g. http://127.0.0.1:8080 or the gateway's https://…
  --token TOKEN       bearer token (or API_TOKEN)
  --api-key KEY       API Gateway key, sent as x-api-key (or API_KEY)
  --batch ID          batch id for the job log (default: a new UUID)
  --keep              keep the answer on the service: every piece is sent with keep=true, and the
                      URL that serves the whole answer again (GET /v1/batches/<batch>/result) is
                      printed at the end; it answers until the service's retention runs out
  --timeout S         seconds a piece may take (default 300)

Exit status: 0 the whole file was scored; 1 rows with errors or a request refused (nothing written); 2 usage.`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stderr: NodeJS.WritableStream;
}

/** The predict path for a model, from the contract (the CLI reaches only routes the service has). */
function predictPath(model: string | undefined): string {
  const route = ROUTES.find((r) => r.operationId === (model ? 'predictWithModel' : 'predict'))!;
  return route.path.replace('{name}', encodeURIComponent(model ?? ''));
}

/** The batch's kept answer, from the contract. */
function batchResultPath(batch: string): string {
  const route = ROUTES.find((r) => r.operationId === 'getBatchResult')!;
  return route.path.replace('{batch}', encodeURIComponent(batch));
}

function positiveInt(value: string | undefined, name: string, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

class UsageError extends Error {}

export async function main(argv: string[], io: CliIo = { env: process.env, stderr: process.stderr }): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let opts;
  let keptUrl: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        'piece-mib': { type: 'string' },
        'piece-kib': { type: 'string' },
        sheet: { type: 'string' },
        'header-row': { type: 'string' },
        delimiter: { type: 'string' },
        format: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        'api-key': { type: 'string' },
        batch: { type: 'string' },
        timeout: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) return say(USAGE), 0;
    if (positionals.length !== 1) throw new UsageError('give one file to score');
    const url = values.url ?? io.env.API_URL;
    const token = values.token ?? io.env.API_TOKEN;
    if (!url) throw new UsageError('set API_URL or --url to the API, e.g. http://127.0.0.1:8080');
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must start with http:// or https:// (got ${JSON.stringify(url)})`);
    if (!token) throw new UsageError('set API_TOKEN or --token to a bearer token the API accepts');
    const apiKey = values['api-key'] ?? io.env.API_KEY;
    const batch = values.batch ?? randomUUID();
    const input = positionals[0];
    const query = new URLSearchParams({ batch, filename: basename(input, extname(input)) });
    for (const option of Object.keys(PASS_THROUGH) as (keyof typeof PASS_THROUGH)[]) {
      const value = values[option];
      if (value !== undefined) query.set(PASS_THROUGH[option], passThrough(option, value));
    }
    if (values['piece-mib'] !== undefined && values['piece-kib'] !== undefined) throw new UsageError('give --piece-mib or --piece-kib, not both');
    const base = url.replace(/\/+$/, '');
    opts = {
      input,
      output: values.out ?? join(dirname(input), `${basename(input, extname(input))}-predictions.${answerExtension(input, values.format)}`),
      concurrency: positiveInt(values.concurrency, 'concurrency', 4, 64),
      pieceBytes: values['piece-kib'] !== undefined ? positiveInt(values['piece-kib'], 'piece-kib', 0, 31 * 1024) * 1024 : positiveInt(values['piece-mib'], 'piece-mib', 16, 31) * MiB,
      firstPieceBytes: FIRST_PIECE_BYTES,
      maxRequestBytes: 32 * MiB,
      endpoint: {
        url: `${base}${predictPath(values.model)}?${query}`,
        headers: { Authorization: `Bearer ${token}`, ...(apiKey ? { 'x-api-key': apiKey } : {}) },
        timeoutMs: positiveInt(values.timeout, 'timeout', 300) * 1000,
      },
      progress: (total: number) => progressBar(total, io.stderr),
      keep: values.keep === true,
    };
    if (values.keep) keptUrl = `${base}${batchResultPath(batch)}`;
    say(`batch ${batch}: ${input} → ${opts.output}`);
  } catch (error) {
    if (!(error instanceof UsageError) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error;
    say(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let result: ScoreResult;
  try {
    result = await scoreFile(opts);
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    say(`failed: ${(error as Error).message}${cause ? ` (${cause.message})` : ''}; nothing was written`);
    return 1;
  }
  return report(result, opts.output, say, keptUrl);
}

function report(result: ScoreResult, output: string, say: (line: string) => void, keptUrl?: string): number {
  if (result.ok) {
    const seconds = result.elapsedMs / 1000;
    say(`scored ${result.rows} rows in ${result.pieces} piece(s), ${seconds.toFixed(1)} s (${Math.round(result.rows / seconds)} rows/s; first answer after ${(result.firstAnswerMs / 1000).toFixed(2)} s) → ${output}`);
    if (keptUrl) say(`kept: the whole answer again (same bearer token) from ${keptUrl}`);
    return 0;
  }
  if (result.kind === 'usage') return say(result.message), 2;
  if (result.kind === 'unreadable') return say(`${result.message}; nothing was written`), 1;
  if (result.kind === 'refused') {
    say(`piece ${result.piece + 1} was refused: ${result.status} ${result.problem.detail}; nothing was written`);
    return 1;
  }
  for (const e of result.errors) say(`row ${e.row ?? 'header'}${e.column ? `, column ${e.column}` : ''}: ${e.message}`);
  const more = result.totalErrors - result.errors.length;
  say(`${result.totalErrors} problem(s) in the file${more > 0 ? ` (the first ${result.errors.length} listed)` : ''}; rows are numbered as data rows of the whole file (spreadsheet row − 1). Nothing was written.`);
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
