/**
 * Cloud SQL for PostgreSQL machine types (tiers) by edition, as Google's machine series overview
 * lists them (https://cloud.google.com/sql/docs/postgres/machine-series-overview, "Machine series
 * supported by Cloud SQL" and each series' machine-type table). A tier exists in one edition only;
 * config.ts and the sql-edition-tier policy both decide by this table.
 */

export const DATABASE_EDITIONS = ['ENTERPRISE', 'ENTERPRISE_PLUS'] as const;
export type DatabaseEdition = (typeof DATABASE_EDITIONS)[number];

export interface MachineSeries {
  edition: DatabaseEdition;
  series: string;
  /** The machine-type names of the series. */
  pattern: RegExp;
  example: string;
}

export const MACHINE_SERIES: readonly MachineSeries[] = [
  { edition: 'ENTERPRISE', series: 'shared core', pattern: /^db-(f1-micro|g1-small)$/, example: 'db-f1-micro' },
  // db-custom-<vCPUs>-<memory MiB>
  { edition: 'ENTERPRISE', series: 'general purpose dedicated core', pattern: /^db-custom-\d+-\d+$/, example: 'db-custom-2-7680' },
  { edition: 'ENTERPRISE', series: 'N4', pattern: /^db-custom-N4-\d+-\d+$/, example: 'db-custom-N4-2-8192' },
  { edition: 'ENTERPRISE_PLUS', series: 'N2', pattern: /^db-perf-optimized-N-\d+$/, example: 'db-perf-optimized-N-2' },
  { edition: 'ENTERPRISE_PLUS', series: 'C4A', pattern: /^db-c4a-highmem-\d+$/, example: 'db-c4a-highmem-2' },
];

/** The series a tier belongs to, or undefined for a name no series has. */
export const seriesOf = (tier: string): MachineSeries | undefined => MACHINE_SERIES.find((s) => s.pattern.test(tier));

/** The only edition that offers a tier (undefined for an unknown tier). */
export const editionForTier = (tier: string): DatabaseEdition | undefined => seriesOf(tier)?.edition;

/** The series of an edition, for messages: "N2 (db-perf-optimized-N-2), C4A (db-c4a-highmem-2)". */
export const seriesList = (edition: DatabaseEdition): string =>
  MACHINE_SERIES.filter((s) => s.edition === edition).map((s) => `${s.series} (such as ${s.example})`).join(', ');
