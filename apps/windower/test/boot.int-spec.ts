import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('windower service shell', () => {
  it('boots, reports healthy and ready (kafka, consumer group), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('windower', ["kafka", "consumer_group"]);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('windower', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
