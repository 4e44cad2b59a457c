/** Runs a model on its sample CSV through the service's own prediction path, in this process. */
import * as ort from 'onnxruntime-node';
import { predictCsv } from '../../service/src/inference/predict-csv';
import type { ProblemBody } from '../../service/src/http/problem';
import type { LoadedModel } from '../../service/src/models/registry';

const LISTED = 5;

function describeProblem(problem: ProblemBody): string {
  const errors = (problem.errors ?? []).slice(0, LISTED).map((e) => `row ${e.row ?? '-'}, column ${e.column ?? '-'}: ${e.message}`);
  return [problem.detail, ...errors].join('\n  ');
}

/** Returns a one-line summary, or throws with the problem the service would have answered. */
export async function smokePredict(model: LoadedModel, sample: Uint8Array): Promise<string> {
  const session = await ort.InferenceSession.create(model.servable).catch((e: Error) => {
    throw new Error(`${model.manifest.name}.onnx: onnxruntime cannot load it: ${e.message}`);
  });
  try {
    const outcome = await predictCsv({ model: model.manifest.name, bytes: sample }, model, session);
    if (!outcome.ok) throw new Error(`the smoke prediction on the sample failed (${outcome.problem.status}): ${describeProblem(outcome.problem)}`);
    const counts = outcome.classCounts ? ` (${Object.entries(outcome.classCounts).map(([c, n]) => `${c}: ${n}`).join(', ')})` : '';
    return `${outcome.rows} sample rows predicted${counts}`;
  } finally {
    await session.release();
  }
}
