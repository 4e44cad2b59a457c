/** The manifest that sits beside every `models/<name>.onnx` and describes it to callers. */
import { z } from 'zod';

export const FEATURE_TYPES = ['float', 'double', 'int64', 'string'] as const;

const featureSchema = z.object({
  name: z.string().min(1),
  type: z.enum(FEATURE_TYPES),
  description: z.string().optional(),
});

export const manifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, up to 63 characters'),
    version: z.string().min(1),
    task: z.enum(['classification', 'regression']),
    description: z.string().optional(),
    features: z.array(featureSchema).min(1),
    /** Class labels in the order of the model's probability columns (classifiers only). */
    classes: z.array(z.string().min(1)).optional(),
    /** For binary classifiers: the class whose probability goes in the `probability` column. */
    positiveClass: z.string().optional(),
    /** Graph output names: the predicted label (or value) and, for classifiers, the probabilities. */
    outputs: z.object({ prediction: z.string().min(1), probabilities: z.string().min(1).optional() }),
    metrics: z.record(z.string(), z.number()).default({}),
    training: z
      .object({ dataset: z.string(), source: z.string(), licence: z.string(), rows: z.number().int() })
      .partial()
      .optional(),
    /** A small CSV under models/samples/ that model:check predicts as a smoke test. */
    sample: z.string().regex(/^samples\/[A-Za-z0-9._-]+\.csv$/, 'a file under samples/, such as samples/<name>.csv').optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  })
  .superRefine((m, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (m.task === 'classification') {
      if (!m.classes || m.classes.length < 2) fail('classes', 'a classifier needs at least two classes');
      if (!m.outputs.probabilities) fail('outputs', 'a classifier needs outputs.probabilities');
      if (m.classes?.length === 2 && !m.positiveClass) fail('positiveClass', 'a binary classifier names its positive class');
      if (m.positiveClass && !m.classes?.includes(m.positiveClass)) fail('positiveClass', 'must be one of classes');
      if (m.classes && new Set(m.classes).size !== m.classes.length) fail('classes', 'class labels must be unique');
    } else if (m.classes) {
      fail('classes', 'a regressor has no classes');
    }
    const names = m.features.map((f) => f.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) fail('features', `feature "${dup}" is listed twice`);
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type Feature = Manifest['features'][number];

/** Parses a manifest, throwing one sentence that names the file and every field at fault. */
export function parseManifest(json: unknown, file: string): Manifest {
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${file}: invalid manifest — ${problems.join('; ')}`);
}
