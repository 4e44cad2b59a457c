/**
 * The API's description of itself: GET /openapi.json (OpenAPI 3.1, from the contract) and an
 * interactive reference at GET /docs (Swagger UI from swagger-ui-dist, every file served from
 * here: no CDN, so the page's CSP allows only this origin).
 */
import { join } from 'node:path';
import { Router } from 'express';
import { HttpProblem } from '../http/problem';
import { openApi31Document } from '../http/openapi-document';

/**
 * What the page needs and nothing more. Swagger UI sets style attributes from script (allowed
 * without 'unsafe-inline': CSP governs markup, not the CSSOM) and shows its logo as a data: SVG.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const INIT_SCRIPT = `// Relative to the page, so the reference works at /docs and behind the page's proxy at /api/docs.
window.ui = SwaggerUIBundle({ url: new URL('openapi.json', location.href).href, dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });
`;

// Assets relative to the page's folder: /docs → docs/…, /api/docs → /api/docs/….
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tabular inference API: reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

/** The files /docs/{file} serves: a fixed list, so no path reaches anything else. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** swagger-ui-dist's folder (a package the bundle leaves external, so this resolves at run time). */
function assetsDir(): string {
  return (require('swagger-ui-dist') as { absolutePath: () => string }).absolutePath();
}

export function referenceRouter(): Router {
  const router = Router();
  const document = JSON.stringify(openApi31Document());
  const dir = assetsDir();
  const secured = { 'Content-Security-Policy': DOCS_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=3600' };
  router.get('/openapi.json', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' }).type('application/json').send(document);
  });
  router.get('/docs', (req, res) => {
    // Non-strict routing lets /docs/ reach here, where the page's relative links would miss.
    if (req.path.endsWith('/')) return res.redirect(301, '../docs');
    res.set(secured).type('text/html; charset=utf-8').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.set(secured).type('text/javascript; charset=utf-8').send(INIT_SCRIPT);
  });
  router.get('/docs/:file', (req, res) => {
    const type = ASSETS[req.params.file];
    if (!type) throw new HttpProblem(404, 'not-found', `no file ${req.params.file} in the API reference`);
    res.sendFile(join(dir, req.params.file), { headers: { ...secured, 'Content-Type': type } });
  });
  return router;
}
