/**
 * A small local HTTP server that answers the few Cloud Storage JSON API calls the bucket adapter
 * makes (https://cloud.google.com/storage/docs/json_api/v1/objects): a multipart upload
 * (POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart), an object's metadata
 * (GET /storage/v1/b/{bucket}/o/{name}) and its bytes (the same with ?alt=media, with the
 * x-goog-hash header the client validates against). No Cloud Storage emulator runs offline here.
 * An object exists only once its upload request arrived whole, as in Cloud Storage.
 */
import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface FakeObject {
  bytes: Buffer;
  resource: Record<string, unknown>;
}

export class FakeGcsJsonApi {
  readonly objects = new Map<string, FakeObject>();
  readonly calls: string[] = [];
  /** Set to make the next uploads answer with this status (a storage error). */
  failUploadsWith: number | undefined;
  /** Set to make uploads read nothing more after this many bytes and never answer (a stalled storage). */
  stallUploadsAfter: number | undefined;
  private server: Server | undefined;
  private generation = 1;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((error: Error) => json(res, 500, { error: { code: 500, message: error.message } })));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    this.calls.push(`${req.method} ${url.pathname}${url.search}`);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (req.method === 'POST' && upload && url.searchParams.get('uploadType') === 'multipart') return this.upload(decodeURIComponent(upload[1]), url.searchParams.get('name')!, req, res);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && object) {
      const key = `${decodeURIComponent(object[1])}/${decodeURIComponent(object[2])}`;
      const found = this.objects.get(key);
      if (!found) return json(res, 404, { error: { code: 404, message: `No such object: ${key}` } });
      if (url.searchParams.get('alt') !== 'media') return json(res, 200, found.resource);
      res.writeHead(200, {
        'Content-Type': String(found.resource.contentType),
        'Content-Length': found.bytes.length,
        'x-goog-hash': `md5=${found.resource.md5Hash}`,
        'x-goog-stored-content-encoding': 'identity',
      });
      return void res.end(found.bytes);
    }
    json(res, 404, { error: { code: 404, message: `the fake serves no ${req.method} ${url.pathname}` } });
  }

  private async upload(bucket: string, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers['content-type'] ?? '')?.[2];
    if (!boundary) return json(res, 400, { error: { code: 400, message: 'multipart upload without a boundary' } });
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      chunks.push(chunk);
      if (this.stallUploadsAfter !== undefined && received > this.stallUploadsAfter) {
        req.pause();
        return; // never answers, never reads on: the client's socket fills up
      }
    }
    if (this.failUploadsWith) return json(res, this.failUploadsWith, { error: { code: this.failUploadsWith, message: 'backend error' } });
    const [metaPart, mediaPart] = multipartParts(Buffer.concat(chunks), boundary);
    const meta = JSON.parse(metaPart.body.toString()) as Record<string, unknown>;
    const bytes = mediaPart.body;
    const resource = {
      kind: 'storage#object',
      bucket,
      name,
      generation: String(this.generation++),
      size: String(bytes.length),
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      ...meta,
      contentType: meta.contentType ?? mediaPart.contentType,
    };
    this.objects.set(`${bucket}/${name}`, { bytes, resource });
    json(res, 200, resource);
  }
}

/** The parts of a multipart/related body (RFC 2387): each its Content-Type and bytes. */
function multipartParts(body: Buffer, boundary: string): { contentType: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType: string; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    const part = body.subarray(start + 2, next - 2); // the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString();
    parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? '', body: part.subarray(headerEnd + 4) });
    at = next;
  }
  return parts;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
