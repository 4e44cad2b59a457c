/** GET /v1/models, GET /v1/models/{name} and its template: the manifests, the default model marked. */
import { Router } from 'express';
import { outputColumns } from '../csv/write-output';
import { PREDICT_QUERY, TEMPLATE_LANGUAGES, type TemplateLanguage, UPLOAD_FORMATS } from '../http/contract';
import { HttpProblem } from '../http/problem';
import type { LoadedModel, ModelRegistry } from '../models/registry';
import { templateFile, type TemplateFormat } from '../workbook/template-file';

function describe(model: LoadedModel, registry: ModelRegistry) {
  return {
    ...model.manifest,
    default: model.manifest.name === registry.defaultName, outputColumns: outputColumns(model.manifest),
    // Columns whose empty cells the model's own Imputer fills; every other feature cell needs a value.
    emptyAllowed: model.plan.imputed,
  };
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new HttpProblem(400, 'bad-parameter', `${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

export function modelsRouter(registry: ModelRegistry): Router {
  const router = Router();
  const known = (name: string): LoadedModel => {
    const model = registry.get(name);
    if (!model) throw new HttpProblem(404, 'unknown-model', `no model named "${name}"; GET /v1/models lists them`);
    return model;
  };
  router.get('/v1/models', (_req, res) => {
    res.json({ models: registry.list().map((m) => describe(m, registry)), default: registry.defaultName });
  });
  router.get('/v1/models/:name', (req, res) => {
    // What an upload may be and how predict is asked (the same for every model, so not repeated in the list).
    res.json({ ...describe(known(req.params.name), registry), formats: UPLOAD_FORMATS, predictParameters: PREDICT_QUERY });
  });
  router.get('/v1/models/:name/template', async (req, res, next) => {
    try {
      const model = known(req.params.name);
      const format = oneOf<TemplateFormat>('format', req.query.format, ['xlsx', 'csv'], 'xlsx');
      const lang = oneOf<TemplateLanguage>('lang', req.query.lang, TEMPLATE_LANGUAGES, 'en');
      const file = await templateFile({ manifest: model.manifest, emptyAllowed: model.plan.imputed, outputColumns: outputColumns(model.manifest) }, format, lang);
      res.set({
        'Content-Type': file.contentType,
        'Content-Disposition': `attachment; filename="${file.fileName}"`,
        'Content-Length': String(file.bytes.byteLength),
      });
      res.end(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
