/** cdktf app entry (cdktf.json): `npm run synth`, `diff`, `deploy`. */
import { buildApp } from './infra/app';
import { ConfigError } from './infra/config';

try {
  buildApp().synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}
