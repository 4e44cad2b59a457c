/**
 * A workbook job's thread loads onnxruntime for its model and ends with its job. onnxruntime in
 * worker threads that come and go has brought whole processes down elsewhere (Electron,
 * microsoft/onnxruntime#13086), so the real process is held to it over many jobs ended every way a
 * job ends: answered (as a workbook and as CSV), abandoned by its client halfway through its answer,
 * refused before its model's session is made (a sheet without the model's columns) and after (a
 * bad cell). It stays up, and its answers stay right.
 */
import ExcelJS from 'exceljs';
import { AUTH, FEATURES } from './helpers';
import { startServerProcess } from './server-process';

/** A workbook of `rows` penguins, the last row's `body_mass_g` replaced by `last` when given. */
async function book(rows: number, opts: { header?: string[]; last?: string } = {}): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const s = wb.addWorksheet('データ');
  s.addRow(opts.header ?? FEATURES);
  for (let i = 0; i < rows; i++) s.addRow([35 + (i % 150) / 10, 14 + (i % 70) / 10, 175 + (i % 50), 3000 + ((i * 37) % 2500)]);
  if (opts.last !== undefined) s.getCell(rows + 1, 4).value = opts.last;
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('workbook threads, each with its model’s onnxruntime session', () => {
  it('come and go over many jobs ended every way, and the process stays up with its answers right', async () => {
    // About 3 MiB of answer: several pieces, so one abandoned after its first is cut mid-stream.
    const large = await book(40_000);
    const small = await book(50);
    const noColumns = await book(5, { header: ['a', 'b', 'c', 'd'] });
    const badCell = await book(50, { last: 'abc' });
    const server = await startServerProcess();
    const send = (body: Uint8Array, query = '', signal?: AbortSignal) =>
      fetch(`${server.url}/v1/predict${query}`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/octet-stream' }, body: new Blob([body as Uint8Array<ArrayBuffer>]), signal });
    try {
      const reference = Buffer.from(await (await send(small)).arrayBuffer());
      const referenceCsv = await (await send(small, '?format=csv')).text();
      expect(referenceCsv.split('\r\n').filter(Boolean)).toHaveLength(51);
      let abandoned = 0;
      for (let round = 0; round < 6; round++) {
        // Abandoned once its answer has begun: the thread is ended mid-write.
        const aborting = new AbortController();
        const res = await send(large, '', aborting.signal);
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        if (!(await reader.read()).done) abandoned++;
        aborting.abort();
        await reader.cancel().catch(() => undefined);
        const refused = await send(noColumns);
        expect(refused.status).toBe(422);
        expect((await refused.json()).type).toBe('/problems/no-model-columns');
        const invalid = await send(badCell);
        expect(invalid.status).toBe(422);
        expect((await invalid.json()).errors).toEqual([expect.objectContaining({ row: 50, cell: 'D51' })]);
        // Answered as the first time: the workbook (its zip's dates aside) and the CSV.
        expect((await (await send(small)).arrayBuffer()).byteLength).toBe(reference.length);
        expect(await (await send(small, '?format=csv')).text()).toBe(referenceCsv);
      }
      expect(abandoned).toBe(6);
      const whole = await send(large, '?format=csv');
      expect((await whole.text()).split('\r\n').filter(Boolean)).toHaveLength(40_001);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.stop();
    }
  }, 240_000);
});
