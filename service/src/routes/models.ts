/** GET /v1/models and GET /v1/models/{name}: the manifests, the default model marked. */
import { Router } from 'express';
import { outputColumns } from '../csv/write-output';
import { UPLOAD_FORMATS } from '../http/contract';
import { HttpProblem } from '../http/problem';
import type { LoadedModel, ModelRegistry } from '../models/registry';

function describe(model: LoadedModel, registry: ModelRegistry) {
  return {
    ...model.manifest,
    default: model.manifest.name === registry.defaultName, outputColumns: outputColumns(model.manifest),
    // Columns whose empty cells the model's own Imputer fills; every other feature cell needs a value.
    emptyAllowed: model.plan.imputed,
  };
}

export function modelsRouter(registry: ModelRegistry): Router {
  const router = Router();
  router.get('/v1/models', (_req, res) => {
    res.json({ models: registry.list().map((m) => describe(m, registry)), default: registry.defaultName });
  });
  router.get('/v1/models/:name', (req, res) => {
    const model = registry.get(req.params.name);
    if (!model) throw new HttpProblem(404, 'unknown-model', `no model named "${req.params.name}"; GET /v1/models lists them`);
    // What an upload may be (the same for every model, so not repeated in the list).
    res.json({ ...describe(model, registry), formats: UPLOAD_FORMATS });
  });
  return router;
}
