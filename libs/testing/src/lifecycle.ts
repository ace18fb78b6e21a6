import { startService, waitForStatus } from './service-process';

/**
 * The contract every service shell keeps: it boots against the real stack, /healthz answers, /readyz
 * reports each dependency ready, and SIGTERM closes it cleanly with exit code 0.
 */
export async function expectServiceLifecycle(app: string, dependencies: readonly string[], env: Record<string, string> = {}): Promise<void> {
  const service = await startService(app, env);
  try {
    expect(await waitForStatus(service, '/readyz', 200)).toEqual({
      status: 'ready',
      service: app,
      checks: Object.fromEntries(dependencies.map((dependency) => [dependency, true])),
    });
    expect(await waitForStatus(service, '/healthz', 200)).toEqual({ status: 'ok', service: app });
    const metrics = await fetch(`${service.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain(`service_name="deltastream-${app}"`);
  } finally {
    service.child.kill('SIGTERM');
  }
  const code = await service.exited;
  if (code !== 0) throw new Error(`${app} exited with ${code} on SIGTERM; output:\n${service.output()}`);
  expect(service.output()).toContain('"msg":"stopped"');
}

/** An invalid configuration stops the service at boot with exit code 78 and names every bad key. */
export async function expectConfigRefused(app: string, env: Record<string, string>, keys: readonly string[]): Promise<void> {
  const service = await startService(app, env);
  const code = await service.exited;
  expect(code).toBe(78);
  const output = service.output();
  expect(output).toContain(`${app}: invalid configuration`);
  for (const key of keys) expect(output).toContain(`${key}: `);
}
