/**
 * A model's template workbook, for people who fill it in by hand in Excel: the first sheet holds
 * the header (the model's feature columns, frozen, each with a note on what it takes), the second
 * explains the columns and what comes back. The first sheet is the one an upload is read from, so
 * a filled-in template is uploaded as it is. No data validation on the columns: exceljs reads a
 * check over a whole column as one object per cell (21 s and 430 MB for four columns), so a
 * template carrying them could not be read back.
 */
import ExcelJS from 'exceljs';
import type { TemplateLanguage } from '../http/contract';
import type { Feature, Manifest } from '../models/manifest';

export type { TemplateLanguage };

interface Texts {
  dataSheet: string;
  aboutSheet: string;
  title: (m: Manifest) => string;
  columns: [string, string, string, string];
  type: Record<Feature['type'], string>;
  empty: (allowed: boolean) => string;
  /** The note on a header cell. */
  note: (f: Feature, emptyAllowed: boolean) => string;
  steps: (m: Manifest, data: string, added: string[]) => string[];
}

const TEXTS: Record<TemplateLanguage, Texts> = {
  en: {
    dataSheet: 'Data',
    aboutSheet: 'About',
    title: (m) => `Template for the model ${m.name} (version ${m.version})`,
    columns: ['Column', 'Takes', 'Empty cells', 'Description'],
    type: { float: 'a number', double: 'a number', int64: 'a whole number', string: 'text' },
    empty: (allowed) => (allowed ? 'allowed: the model fills them in' : 'not allowed'),
    note: (f, allowed) => `${f.name}: ${TEXTS.en.type[f.type]}${f.type === 'string' ? '' : ' (a dot for decimals: 39.1)'}; ${allowed ? 'may be left empty' : 'needed in every row'}`,
    steps: (m, data, added) => [
      `Fill in one row per record on the sheet "${data}", under its header. Keep the header row; the columns may be moved.`,
      'Add any other columns you like (names, notes, dates): they come back unchanged.',
      `Upload the file on the prediction page (or POST it to /v1/models/${m.name}/predict).`,
      `You get this workbook back with the columns ${added.join(', ')} added after the last column.`,
    ],
  },
  ja: {
    dataSheet: 'データ',
    aboutSheet: '説明',
    title: (m) => `モデル ${m.name}（バージョン ${m.version}）のテンプレート`,
    columns: ['列', '入力する値', '空欄', '説明'],
    type: { float: '数値', double: '数値', int64: '整数', string: '文字列' },
    empty: (allowed) => (allowed ? '可（モデルが補完します）' : '不可'),
    note: (f, allowed) => `${f.name}: ${TEXTS.ja.type[f.type]}${f.type === 'string' ? '' : '（半角、小数点はピリオド: 39.1）'}。${allowed ? '空欄可' : '必須'}`,
    steps: (m, data, added) => [
      `「${data}」シートの見出し行の下に、1 件につき 1 行ずつ入力してください。見出し行は残してください（列の順番は変えても構いません）。`,
      '名前・備考・日付など、ほかの列は自由に追加できます。そのまま返されます。',
      `予測ページでこのファイルをアップロードしてください（API では /v1/models/${m.name}/predict に POST します）。`,
      `最後の列の後ろに ${added.join('、')} の列が追加された同じブックが返されます。`,
    ],
  },
};

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const HEADER_BORDER: Partial<ExcelJS.Borders> = { bottom: { style: 'thin', color: { argb: 'FF8EA9DB' } } };

export interface TemplateModel {
  manifest: Manifest;
  /** Features whose empty cells the model fills in. */
  emptyAllowed: readonly string[];
  /** The columns the answer adds. */
  outputColumns: readonly string[];
}

export async function templateWorkbook(model: TemplateModel, lang: TemplateLanguage): Promise<Uint8Array> {
  const { manifest } = model;
  const texts = TEXTS[lang];
  const workbook = new ExcelJS.Workbook();
  workbook.creator = manifest.name;

  const data = workbook.addWorksheet(texts.dataSheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  manifest.features.forEach((feature, k) => {
    const allowed = model.emptyAllowed.includes(feature.name);
    const cell = data.getRow(1).getCell(k + 1);
    cell.value = feature.name;
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.border = HEADER_BORDER;
    cell.note = texts.note(feature, allowed);
    data.getColumn(k + 1).width = Math.max(12, feature.name.length + 4);
  });

  const about = workbook.addWorksheet(texts.aboutSheet);
  about.getColumn(1).width = 24;
  about.getColumn(2).width = 16;
  about.getColumn(3).width = 28;
  about.getColumn(4).width = 60;
  about.getCell('A1').value = texts.title(manifest);
  about.getCell('A1').font = { bold: true, size: 14 };
  if (manifest.description) about.getCell('A2').value = manifest.description;
  const head = about.getRow(4);
  head.values = texts.columns;
  head.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.border = HEADER_BORDER;
  });
  manifest.features.forEach((feature, k) => {
    about.getRow(5 + k).values = [feature.name, texts.type[feature.type], texts.empty(model.emptyAllowed.includes(feature.name)), feature.description ?? ''];
  });
  texts.steps(manifest, texts.dataSheet, [...model.outputColumns]).forEach((line, k) => {
    about.getCell(`A${6 + manifest.features.length + k}`).value = `${k + 1}. ${line}`;
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
