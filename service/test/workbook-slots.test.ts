/**
 * Workbooks take turns (workbook-slots.ts): never more at once than the slots, in the order they
 * came, each slot freed once however its job ends; over HTTP, workbooks sent together all come
 * back whole, one thread at a time.
 */
import fc from 'fast-check';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import { WorkbookSlots } from '../src/workbook/workbook-slots';
import { AUTH, binaryParser, buildTestApp, FEATURES } from './helpers';

/** Slots that remember the most taken at once. */
class WatchedSlots extends WorkbookSlots {
  now = 0;
  most = 0;
  override async take(): Promise<() => void> {
    const free = await super.take();
    this.most = Math.max(this.most, ++this.now);
    let freed = false;
    return () => {
      if (!freed) this.now--;
      freed = true;
      free();
    };
  }
}

describe('workbook slots', () => {
  it('run at most their size at once, start jobs in the order they came, and free a slot once however often it is freed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(fc.record({ ms: fc.integer({ min: 0, max: 5 }), frees: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 12 }), async (size, jobs) => {
        const slots = new WatchedSlots(size);
        const started: number[] = [];
        await Promise.all(
          jobs.map(async ({ ms, frees }, k) => {
            const free = await slots.take();
            started.push(k);
            await new Promise((r) => setTimeout(r, ms));
            for (let i = 0; i < frees; i++) free();
          }),
        );
        expect(slots.most).toBeLessThanOrEqual(size);
        expect(slots.most).toBe(Math.min(size, jobs.length));
        expect(started).toEqual(jobs.map((_, k) => k));
        expect(slots.queued).toBe(0);
        // Every slot came back: as many jobs as slots start at once again.
        const again = await Promise.all(Array.from({ length: size }, () => slots.take()));
        expect(slots.now).toBe(size);
        again.forEach((free) => free());
      }),
      { numRuns: 40 },
    );
  });

  it('over HTTP: workbooks sent at once come back whole, one at a time, and a refused one frees its turn', async () => {
    const slots = new WatchedSlots(1);
    const t = await buildTestApp({ workbookSlots: slots, threads: 2 });
    try {
      const wb = new ExcelJS.Workbook();
      const sheet = wb.addWorksheet('data');
      sheet.addRow(FEATURES);
      for (let i = 0; i < 500; i++) sheet.addRow([35 + (i % 15), 15 + (i % 5), 180 + (i % 30), 3000 + i]);
      const book = Buffer.from(await wb.xlsx.writeBuffer());
      const bad = new ExcelJS.Workbook();
      bad.addWorksheet('data').addRow(FEATURES).commit();
      bad.getWorksheet('data')!.addRow(['x', 18, 181, 3750]);
      const badBook = Buffer.from(await bad.xlsx.writeBuffer());
      const send = (body: Buffer) => request(t.app).post('/v1/predict').set(AUTH).set('Content-Type', 'application/octet-stream').send(body).buffer(true).parse(binaryParser);
      const answers = await Promise.all([send(book), send(badBook), send(book)]);
      expect(answers.map((a) => a.status)).toEqual([200, 422, 200]);
      expect(slots.most).toBe(1);
      // The same parts, byte for byte (the zip's own entries carry the time they were written).
      const [first, ...rest] = [answers[0], answers[2]].map((a) => unzipSync(a.body as Buffer));
      expect(Object.keys(first)).toContain('xl/worksheets/sheet1.xml');
      for (const other of rest) expect(other).toEqual(first);
      expect(slots.now).toBe(0);
    } finally {
      await t.close();
    }
  });
});
