/**
 * GET /v1/models/{name}/template's file: the model's header as a workbook (template.ts, written
 * in a thread of its own) or as CSV. Each is made once per model version and language and kept:
 * a template is a few kB, and the models are fixed while the service runs.
 */
import { Worker } from 'node:worker_threads';
import { quote } from '../csv/cells';
import { XLSX_MEDIA_TYPE } from '../http/contract';
import { threadFile } from '../thread-file';
import type { TemplateLanguage, TemplateModel } from './template';

export type TemplateFormat = 'xlsx' | 'csv';

export interface TemplateFile {
  bytes: Uint8Array;
  contentType: string;
  fileName: string;
}

const made = new Map<string, Promise<Uint8Array>>();

function writeInThread(model: TemplateModel, lang: TemplateLanguage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(threadFile(__dirname, 'template-thread'), { workerData: { model, lang } });
    worker.once('message', (bytes: Uint8Array) => {
      resolve(bytes);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', () => reject(new Error('the template thread ended without a workbook')));
  });
}

/** The header alone, UTF-8 with a BOM (so Excel opens it as UTF-8) and CRLF, as Excel writes CSV. */
function templateCsv(model: TemplateModel): Uint8Array {
  return Buffer.from(`\ufeff${model.manifest.features.map((f) => quote(f.name)).join(',')}\r\n`, 'utf8');
}

export async function templateFile(model: TemplateModel, format: TemplateFormat, lang: TemplateLanguage): Promise<TemplateFile> {
  const { name, version } = model.manifest;
  if (format === 'csv') return { bytes: templateCsv(model), contentType: 'text/csv; charset=utf-8', fileName: `${name}-template.csv` };
  const key = `${name}@${version}/${lang}`;
  let bytes = made.get(key);
  if (!bytes) {
    bytes = writeInThread(model, lang);
    made.set(key, bytes);
    // A failure is not kept: the next request tries again.
    bytes.catch(() => made.delete(key));
  }
  return { bytes: await bytes, contentType: XLSX_MEDIA_TYPE, fileName: `${name}-template.xlsx` };
}
