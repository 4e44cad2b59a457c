/** What the main thread asks of the PGlite thread (pglite-thread.ts), and what it answers. */
export type PgliteRequest =
  | { op: 'open' }
  | { op: 'query'; text: string; params?: unknown[]; tx?: number }
  | { op: 'exec'; script: string; tx: number }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' };

/** A database error comes back as data, with its SQLSTATE code (a thrown error would lose it on the way). */
export type PgliteReply = { value: unknown } | { error: { message: string; code?: string } };
