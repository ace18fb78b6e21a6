import { ReadinessRegistry } from './readiness';

describe('ReadinessRegistry', () => {
  it('is ready only when every check passes, and names each', async () => {
    const registry = new ReadinessRegistry();
    registry.register('kafka', async () => true);
    registry.register('redis', async () => false);
    expect(await registry.report()).toEqual({ ready: false, checks: { kafka: true, redis: false } });
  });

  it('treats a throwing check as not ready instead of failing the probe', async () => {
    const registry = new ReadinessRegistry();
    registry.register('kafka', () => Promise.reject(new Error('boom')));
    expect(await registry.report()).toEqual({ ready: false, checks: { kafka: false } });
  });

  it('is ready with no checks (a service without dependencies)', async () => {
    expect(await new ReadinessRegistry().report()).toEqual({ ready: true, checks: {} });
  });
});
