/**
 * The thread a template workbook is written in: exceljs costs the main thread about 37 MB and
 * half a second to load, for a file asked for now and then (and kept once written).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { templateWorkbook, type TemplateLanguage, type TemplateModel } from './template';

const { model, lang } = workerData as { model: TemplateModel; lang: TemplateLanguage };
templateWorkbook(model, lang).then((bytes) => parentPort!.postMessage(bytes, [bytes.buffer as ArrayBuffer]));
