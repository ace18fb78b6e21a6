import { eventually, startService, waitForStatus, type RunningService } from '@deltastream/testing';

/** Simulated time runs 120× real time so data exists at once; retention is long enough for a test run. */
const FAST = { DEMO_SPEED: '120', DEMO_SEED: 'it-seed', DEMO_RETENTION_MS: String(86_400_000), DEMO_TRADES_PER_SEC: '50' };
const SENSOR_KEYS = ['id', 'version', 'timestamp', 'temperature', 'humidity', 'pressure', 'battery', 'status'];
const TRADE_KEYS = ['id', 'symbol', 'price', 'size', 'side', 'ts'];

interface SensorRecord {
  id: string;
  version: number;
  timestamp: string;
}
interface SensorPage {
  records: SensorRecord[];
  next_since: string;
  has_more: boolean;
}
interface TradePage {
  trades: { id: number; symbol: string; ts: string }[];
  next_cursor: string;
}

async function boot(env: Record<string, string>): Promise<RunningService> {
  const service = await startService('demo-source', { ...FAST, ...env });
  await waitForStatus(service, '/readyz', 200);
  return service;
}

async function stop(service: RunningService): Promise<void> {
  service.child.kill('SIGTERM');
  expect(await service.exited).toBe(0);
}

async function get(service: RunningService, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

async function getJson(service: RunningService, path: string): Promise<unknown> {
  return (await get(service, path)).json();
}

async function putFaults(service: RunningService, body: unknown) {
  const response = await fetch(`${service.url}/admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('demo-source HTTP API', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await boot({});
    await eventually(async () => ((await getJson(service, '/v1/sensors/changes?limit=3000')) as SensorPage).records.length === 3000, 30_000, () => '3000 sensor records');
  });

  afterAll(async () => {
    await stop(service);
  });

  afterEach(async () => {
    expect((await putFaults(service, {})).status).toBe(200);
  });

  it('pages sensor changes with since/next_since: ordered, never skipping or repeating, exact shape', async () => {
    const seen: SensorRecord[] = [];
    let since: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = since === undefined ? 'limit=250' : `limit=250&since=${encodeURIComponent(since)}`;
      const response = await get(service, `/v1/sensors/changes?${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = response.json() as SensorPage;
      expect(Object.keys(body)).toEqual(['records', 'next_since', 'has_more']);
      expect(body.records).toHaveLength(250);
      expect(body.has_more).toBe(true);
      for (const record of body.records) {
        expect(Object.keys(record)).toEqual(SENSOR_KEYS);
        if (since !== undefined) expect(Date.parse(record.timestamp)).toBeGreaterThan(Date.parse(since));
      }
      expect(body.next_since).toBe(body.records[body.records.length - 1]?.timestamp);
      seen.push(...body.records);
      since = body.next_since;
    }
    // The first records of the run, in (timestamp, id) order, each (sensor, version) once.
    expect(seen[0]?.timestamp).toBe('2026-01-01T00:00:00.000Z');
    const keys = seen.map((r) => `${r.id}@${r.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1] as SensorRecord, seen[i] as SensorRecord];
      expect(a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.id < b.id)).toBe(true);
    }
    // 50 sensors at 1 Hz: 2500 records are exactly versions 1..50 of every sensor.
    expect(seen.filter((r) => r.id === 'sensor-007').map((r) => r.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    // since as epoch milliseconds means the same instant.
    const iso = await get(service, `/v1/sensors/changes?limit=5&since=${encodeURIComponent('2026-01-01T00:00:01.000Z')}`);
    const epoch = await get(service, `/v1/sensors/changes?limit=5&since=${Date.parse('2026-01-01T00:00:01.000Z')}`);
    expect(epoch.text).toBe(iso.text);
  });

  it('pages trades with the opaque next_cursor: ids strictly increasing, none skipped', async () => {
    await eventually(async () => ((await getJson(service, '/v1/trades?limit=600')) as TradePage).trades.length === 600, 30_000, () => '600 trades');
    const ids: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 6; page++) {
      const response = await get(service, `/v1/trades?limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(response.status).toBe(200);
      const body = response.json() as TradePage;
      expect(Object.keys(body)).toEqual(['trades', 'next_cursor']);
      expect(body.trades).toHaveLength(100);
      for (const trade of body.trades) expect(Object.keys(trade)).toEqual(TRADE_KEYS);
      ids.push(...body.trades.map((t) => t.id));
      cursor = body.next_cursor;
    }
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => 100_000_001 + i));
  });

  it('answers 304 without a body when If-None-Match carries the strong ETag', async () => {
    const path = `/v1/sensors/changes?limit=20&since=${encodeURIComponent('2026-01-01T00:00:02.000Z')}`;
    const first = await get(service, path);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await get(service, path, { 'if-none-match': etag as string });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const other = await get(service, path, { 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.text).toBe(first.text);

    const trades = await get(service, '/v1/trades?limit=5');
    expect((await get(service, '/v1/trades?limit=5', { 'if-none-match': trades.headers.get('etag') as string })).status).toBe(304);
  });

  it('refuses bad query parameters with 400 and a JSON error naming each', async () => {
    for (const [path, names] of [
      ['/v1/sensors/changes?limit=0', ['limit']],
      ['/v1/sensors/changes?limit=10001', ['limit']],
      ['/v1/sensors/changes?since=yesterday&limit=ten', ['since', 'limit']],
      ['/v1/sensors/changes?limit=1&limit=2', ['limit']],
      ['/v1/trades?cursor=not-a-cursor', ['cursor']],
    ] as const) {
      const response = await get(service, path);
      expect([path, response.status]).toEqual([path, 400]);
      const body = response.json() as { statusCode: number; problems: string[] };
      expect(body.statusCode).toBe(400);
      expect(body.problems.map((p) => p.split(':')[0])).toEqual(names);
    }
  });

  it('switches faults through /admin/faults: 5xx, malformed and oversize bodies, bad records, then off', async () => {
    const current = await get(service, '/admin/faults');
    expect(current.json()).toMatchObject({ errorRate: 0, throttleRate: 0, throttleEvery: 0, malformedRate: 0 });

    expect(await putFaults(service, { errorRate: 1, errorStatus: 502 })).toMatchObject({ status: 200, body: { errorRate: 1, errorStatus: 502 } });
    expect((await getJson(service, '/admin/faults')) as object).toMatchObject({ errorRate: 1, errorStatus: 502 });
    expect((await get(service, '/v1/sensors/changes?limit=1')).status).toBe(502);
    expect((await get(service, '/v1/trades?limit=1')).status).toBe(502);

    await putFaults(service, { malformedRate: 1 });
    const malformed = await get(service, '/v1/sensors/changes?limit=10');
    expect(malformed.status).toBe(200);
    expect(() => malformed.json()).toThrow();

    await putFaults(service, { oversizeRate: 1, oversizeMiB: 1 });
    const oversize = await get(service, '/v1/trades?limit=1');
    expect(Buffer.byteLength(oversize.text)).toBeGreaterThan(1024 * 1024);
    expect(oversize.json()).toHaveProperty('trades');

    await putFaults(service, { badRecordRate: 1 });
    const bad = (await getJson(service, '/v1/sensors/changes?limit=50')) as { records: Record<string, unknown>[] };
    expect(bad.records.every((r) => !('id' in r) || !('version' in r) || typeof r['id'] !== 'string' || typeof r['version'] !== 'number' || typeof r['timestamp'] !== 'string')).toBe(true);

    expect((await putFaults(service, {})).body).toMatchObject({ errorRate: 0, malformedRate: 0, oversizeRate: 0, badRecordRate: 0 });
    const healthy = await get(service, '/v1/sensors/changes?limit=10');
    expect(healthy.status).toBe(200);
    expect((healthy.json() as SensorPage).records.every((r) => Object.keys(r).join() === SENSOR_KEYS.join())).toBe(true);
  });

  it('refuses an invalid fault configuration with 400 and keeps the current one', async () => {
    await putFaults(service, { latencyMs: 1 });
    for (const body of [{ errorRate: 2 }, { throttleEvry: 2 }, { errorRate: '0.5' }]) {
      const response = await putFaults(service, body);
      expect(response.status).toBe(400);
      expect(response.body['problems']).toEqual(expect.any(Array));
    }
    const text = await fetch(`${service.url}/admin/faults`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(400);
    expect((await getJson(service, '/admin/faults')) as object).toMatchObject({ latencyMs: 1 });
  });

  it('changes the simulated speed at /admin/speed, continuing from the current instant; refuses bad bodies', async () => {
    const put = async (body: unknown, type = 'application/json') => {
      const response = await fetch(`${service.url}/admin/speed`, { method: 'PUT', headers: { 'content-type': type }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      const before = (await getJson(service, '/admin/speed')) as { speed: number; nowMs: number };
      expect(before.speed).toBe(120);
      const slowed = await put({ speed: 0.001 });
      expect(slowed.status).toBe(200);
      expect(slowed.body['speed']).toBe(0.001);
      // No jump: the simulated instant continued from where it was, and now barely moves.
      const at = slowed.body['nowMs'] as number;
      expect(at).toBeGreaterThanOrEqual(before.nowMs);
      const later = (await getJson(service, '/admin/speed')) as { nowMs: number };
      expect(later.nowMs - at).toBeLessThan(50);
      for (const body of [{ speed: 0 }, { speed: -1 }, { speed: '2' }, { sped: 2 }, {}]) {
        const response = await put(body);
        expect(response.status).toBe(400);
        expect(response.body['problems']).toEqual(expect.any(Array));
      }
      expect((await put({ speed: 2 }, 'text/plain')).status).toBe(400);
      expect(((await getJson(service, '/admin/speed')) as { speed: number }).speed).toBe(0.001);
    } finally {
      expect((await put({ speed: 120 })).status).toBe(200);
    }
  });

  it('reports the simulated clock and the feeds at /admin/stats', async () => {
    const stats = (await getJson(service, '/admin/stats')) as { now: string; sensors: { generated: number; retained: number; oldest: string } };
    expect(Date.parse(stats.now)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(stats.sensors.generated).toBeGreaterThanOrEqual(2500);
    expect(stats.sensors.oldest).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('demo-source configured by environment', () => {
  it('throttles every Nth data request with 429 and Retry-After (DEMO_FAULT_THROTTLE_EVERY)', async () => {
    const service = await boot({ DEMO_FAULT_THROTTLE_EVERY: '2', DEMO_FAULT_RETRY_AFTER_S: '7' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await get(service, i % 2 === 0 ? '/v1/sensors/changes?limit=1' : '/v1/trades?limit=1');
        statuses.push(response.status);
        if (response.status === 429) {
          expect(response.headers.get('retry-after')).toBe('7');
          expect(response.json()).toMatchObject({ statusCode: 429 });
        }
      }
      expect(statuses).toEqual([200, 429, 200, 429]);
      // Health endpoints are never throttled.
      expect((await get(service, '/healthz')).status).toBe(200);
    } finally {
      await stop(service);
    }
  });

  it('produces the same records in another process with the same seed', async () => {
    const [a, b] = await Promise.all([boot({}), boot({})]);
    try {
      const read = async (service: RunningService) => {
        await eventually(async () => ((await getJson(service, '/v1/sensors/changes?limit=300')) as SensorPage).records.length === 300, 30_000, () => '300 records');
        return (await get(service, '/v1/sensors/changes?limit=300')).json();
      };
      expect(await read(a)).toEqual(await read(b));
      const other = await boot({ DEMO_SEED: 'another-seed' });
      try {
        expect(await read(other)).not.toEqual(await read(a));
      } finally {
        await stop(other);
      }
    } finally {
      await Promise.all([stop(a), stop(b)]);
    }
  });

  it('hides the admin endpoints with DEMO_ADMIN=false', async () => {
    const service = await boot({ DEMO_ADMIN: 'false' });
    try {
      expect((await get(service, '/admin/faults')).status).toBe(404);
      expect((await get(service, '/v1/trades?limit=1')).status).toBe(200);
    } finally {
      await stop(service);
    }
  });
});
