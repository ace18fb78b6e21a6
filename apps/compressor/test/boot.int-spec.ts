import { expectServiceLifecycle, expectConfigRefused } from '@deltastream/testing';

describe('compressor service shell', () => {
  it('boots, reports healthy and ready (kafka, consumer group), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('compressor', ["kafka", "consumer_group"]);
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('compressor', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud' }, ['HTTP_PORT', 'LOG_LEVEL']);
  });
});
