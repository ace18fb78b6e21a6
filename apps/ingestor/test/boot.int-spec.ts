import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('ingestor service shell', () => {
  it('boots, reports healthy and ready (kafka, redis), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('ingestor', ["kafka", "redis"]);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('ingestor', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
