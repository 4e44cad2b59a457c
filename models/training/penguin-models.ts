/** The two shipped models: penguin species (3 classes) and penguin sex (binary), from the same measurements. */
import { accuracy, auc, round } from './metrics';
import { LogisticModel, predictProba, train } from './logistic-regression';
import { loadPenguins, Penguin, PENGUIN_FEATURES, PENGUINS_PROVENANCE, seededShuffle } from './penguins';

export interface TrainedModel {
  name: string;
  description: string;
  model: LogisticModel;
  positiveClass?: string;
  metrics: Record<string, number>;
  trainingRows: number;
}

interface Target {
  name: string;
  description: string;
  classes: string[];
  positiveClass?: string;
  label: (p: Penguin) => string | null;
}

const TARGETS: Target[] = [
  {
    name: 'penguin-species',
    description: 'Species of a Palmer penguin from its bill, flipper and body mass measurements',
    classes: ['Adelie', 'Chinstrap', 'Gentoo'],
    label: (p) => p.species,
  },
  {
    name: 'penguin-sex',
    description: 'Sex of a Palmer penguin from its bill, flipper and body mass measurements',
    classes: ['female', 'male'],
    positiveClass: 'male',
    label: (p) => p.sex,
  },
];

const SEED = 20261122;
const VALIDATION_SHARE = 0.2;

function trainOne(target: Target, penguins: Penguin[]): TrainedModel {
  const labelled = seededShuffle(penguins.filter((p) => target.label(p) !== null), SEED);
  const cut = Math.round(labelled.length * (1 - VALIDATION_SHARE));
  const [fit, holdout] = [labelled.slice(0, cut), labelled.slice(cut)];
  const labelIndex = (p: Penguin) => target.classes.indexOf(target.label(p)!);
  const model = train(fit.map((p) => p.features), fit.map(labelIndex), target.classes);
  const probabilities = holdout.map((p) => predictProba(model, p.features));
  return {
    name: target.name,
    description: target.description,
    model,
    positiveClass: target.positiveClass,
    trainingRows: fit.length,
    metrics: {
      validation_auc: round(auc(probabilities, holdout.map(labelIndex), target.classes.length)),
      validation_accuracy: round(accuracy(probabilities, holdout.map(labelIndex))),
      validation_rows: holdout.length,
    },
  };
}

export function trainPenguinModels(): TrainedModel[] {
  const penguins = loadPenguins();
  return TARGETS.map((t) => trainOne(t, penguins));
}

export { PENGUIN_FEATURES, PENGUINS_PROVENANCE };
