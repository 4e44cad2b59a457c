/** RFC 9457 problem details: the one error shape of every response the service sends. */
import type { Response } from 'express';

export interface RowError {
  /** 1-based data row (the header is not counted); null for a problem with the header itself. */
  row: number | null;
  column: string | null;
  message: string;
  /** In a workbook, the cell at fault (e.g. D6). */
  cell?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: RowError[];
  totalErrors?: number;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  411: 'Length required',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

/** An error that becomes a problem+json response; `slug` names the kind of problem in `type`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly detail: string,
    readonly extra: Partial<ProblemBody> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): ProblemBody {
    return problemBody(this.status, this.slug, this.detail, this.extra);
  }
}

export function problemBody(status: number, slug: string, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return { type: `/problems/${slug}`, title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

export function sendProblem(res: Response, body: ProblemBody, headers: Record<string, string> = {}): void {
  res.status(body.status).set(headers).type('application/problem+json').send(JSON.stringify(body));
}
