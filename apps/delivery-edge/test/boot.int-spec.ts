import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('delivery-edge service shell', () => {
  it('boots, reports healthy and ready (kafka, redis), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('delivery-edge', ["kafka", "redis"]);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('delivery-edge', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
