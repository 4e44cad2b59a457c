/**
 * Palmer Archipelago penguins (Gorman, Williams & Fraser 2014; CC0 1.0), as shipped by the
 * npm package vega-datasets (data/penguins.json). Rows with a missing measurement are dropped.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PENGUIN_FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const;

const SOURCE_KEYS: Record<(typeof PENGUIN_FEATURES)[number], string> = {
  bill_length_mm: 'Beak Length (mm)',
  bill_depth_mm: 'Beak Depth (mm)',
  flipper_length_mm: 'Flipper Length (mm)',
  body_mass_g: 'Body Mass (g)',
};

export interface Penguin {
  features: number[];
  species: string;
  island: string;
  sex: 'female' | 'male' | null;
}

export const PENGUINS_PROVENANCE = {
  dataset: 'Palmer Archipelago (Antarctica) penguin data',
  source: 'npm package vega-datasets, data/penguins.json (Palmer Station LTER, via allisonhorst/palmerpenguins)',
  licence: 'CC0-1.0',
};

export function loadPenguins(): Penguin[] {
  // The package exports only its loader, so locate data/ from its entry point (build/index.js).
  const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'penguins.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  const out: Penguin[] = [];
  for (const r of raw) {
    const features = PENGUIN_FEATURES.map((f) => r[SOURCE_KEYS[f]]);
    if (!features.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) continue;
    const sex = r.Sex === 'MALE' ? 'male' : r.Sex === 'FEMALE' ? 'female' : null;
    out.push({ features, species: String(r.Species), island: String(r.Island), sex });
  }
  return out;
}

/** Deterministic shuffle (mulberry32) so training and its split are reproducible. */
export function seededShuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
