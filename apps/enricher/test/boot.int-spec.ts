import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('enricher service shell', () => {
  it('boots, reports healthy and ready (kafka, redis, consumer group), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('enricher', ["kafka", "redis", "consumer_group"]);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('enricher', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
