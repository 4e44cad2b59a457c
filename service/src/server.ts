/** The process entry point: reads the environment, starts the service, and owns SIGTERM. */
import { loadConfig } from './config';
import { createLogger } from './logging';
import { startService } from './service';

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const service = await startService(config, logger);
  logger.info({ startupMs: Math.round(performance.now() - startedAt) }, `listening on http://localhost:${service.port}`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining requests and the job log');
    // Cloud Run sends SIGKILL 10 s after SIGTERM: exit on our own before that, whatever is left.
    setTimeout(() => {
      // The job log says how many of its records are lost, if it has not yet.
      service.jobLog.giveUp();
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // Startup errors (config, models) are sentences meant for the operator, not stack traces.
  console.error(JSON.stringify({ severity: 'CRITICAL', message: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
