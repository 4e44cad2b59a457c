/** Runtime service-account ids: what IAM accepts (6–30 characters), checked before any resource is made. */
import { ConfigError, loadEnvironment } from '../config';
import { runtimeAccountId } from '../runtime-accounts';

describe('runtimeAccountId', () => {
  const dev = loadEnvironment('dev');

  it('names the accounts <app>-<env>-<account>', () => {
    expect(runtimeAccountId(dev, 'run')).toBe('inference-dev-run');
    expect(runtimeAccountId(dev, 'gateway')).toBe('inference-dev-gateway');
  });

  it('accepts exactly up to IAM’s 30 characters, naming the fields to shorten past them', () => {
    // 12-character app + 9-character environment + "-gateway" is 30; a 10-character environment is 31.
    expect(runtimeAccountId({ ...dev, app: 'a'.repeat(12), environment: 'e'.repeat(9) }, 'gateway')).toHaveLength(30);
    const tooLong = () => runtimeAccountId({ ...dev, app: 'a'.repeat(12), environment: 'e'.repeat(10) }, 'gateway');
    expect(tooLong).toThrow(ConfigError);
    expect(tooLong).toThrow(`app "aaaaaaaaaaaa" and environment "eeeeeeeeee" make the service-account id aaaaaaaaaaaa-eeeeeeeeee-gateway (31 characters); IAM takes 6 to 30: shorten app or environment`);
  });
});
