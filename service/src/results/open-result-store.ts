/** The result store the settings ask for: the bucket when RESULTS_BUCKET is set, else the folder, swept hourly. */
import type { Logger } from '../logging';
import type { ResultStore } from './result-store';

const SWEEP_EVERY_MS = 3_600_000;

export async function openResultStore(settings: { dir: string; bucket?: string; retentionDays: number }, logger: Logger): Promise<ResultStore> {
  if (settings.bucket) {
    // Loaded only for the bucket: the client library takes time and memory a local run does not need.
    const { BucketResultStore } = await import('./bucket-store');
    return new BucketResultStore(settings.bucket);
  }
  const { FolderResultStore } = await import('./folder-store');
  const store = new FolderResultStore(settings.dir, settings.retentionDays);
  store.startSweeping(
    SWEEP_EVERY_MS,
    (error) => logger.warn({ err: error, dir: settings.dir }, 'results: sweeping the folder failed; the next sweep tries again'),
    (removed) => logger.info({ removed, dir: settings.dir, retentionDays: settings.retentionDays }, 'results: expired answers swept'),
  );
  return store;
}
