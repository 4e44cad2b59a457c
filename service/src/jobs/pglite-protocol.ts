/** What the main thread and the PGlite thread (pglite-thread.ts) send each other. */
export type PgliteRequest = { id: number } & (
  | { op: 'open' }
  | { op: 'query'; text: string; params?: unknown[]; tx?: number }
  | { op: 'exec'; script: string; tx: number }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' }
);

export type PgliteReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; error: { message: string; code?: string } });
