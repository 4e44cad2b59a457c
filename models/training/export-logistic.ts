/** Writes a trained logistic regression as ai.onnx.ml Scaler + LinearClassifier (no ZipMap). */
import type { LogisticModel } from './logistic-regression';
import { encodeModel, ML_DOMAIN, node, tensorInfo, TensorType } from './onnx-builder';

export const LOGISTIC_OUTPUTS = { prediction: 'label', probabilities: 'probabilities' } as const;

export function logisticToOnnx(model: LogisticModel, name: string): Uint8Array {
  const width = model.standardiser.mean.length;
  const binary = model.classes.length === 2;
  return encodeModel({
    name,
    inputs: [tensorInfo('features', TensorType.FLOAT, ['N', width])],
    outputs: [
      tensorInfo(LOGISTIC_OUTPUTS.prediction, TensorType.STRING, ['N']),
      tensorInfo(LOGISTIC_OUTPUTS.probabilities, TensorType.FLOAT, ['N', model.classes.length]),
    ],
    nodes: [
      node({
        op: 'Scaler',
        domain: ML_DOMAIN,
        inputs: ['features'],
        outputs: ['standardised'],
        attributes: { offset: { floats: model.standardiser.mean }, scale: { floats: model.standardiser.std.map((s) => 1 / s) } },
      }),
      node({
        op: 'LinearClassifier',
        domain: ML_DOMAIN,
        inputs: ['standardised'],
        outputs: [LOGISTIC_OUTPUTS.prediction, LOGISTIC_OUTPUTS.probabilities],
        attributes: {
          coefficients: { floats: model.weights.flat() },
          intercepts: { floats: model.intercepts },
          classlabels_strings: model.classes,
          // Binary: one score, and onnxruntime returns [1 - p, p] after the logistic.
          post_transform: binary ? 'LOGISTIC' : 'SOFTMAX',
          multi_class: 0,
        },
      }),
    ],
  });
}
