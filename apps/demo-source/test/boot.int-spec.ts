import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('demo-source service shell', () => {
  it('boots, reports healthy and ready (no dependencies), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('demo-source', []);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('demo-source', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
