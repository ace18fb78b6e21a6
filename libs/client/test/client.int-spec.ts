// The client SDK against the REAL delivery edge (dist/apps/delivery-edge) and Kafka: reconnect storms,
// edge restarts, retention gaps, checksum failures, codec fallback, SSE, refusals.
import WebSocket from 'ws';
import { eventually } from '@deltastream/testing';
import { createClient, type ClientEvent, type ClientOptions, type DeltastreamClient, type WebSocketConstructor } from '../src';
import { CuttableProxy, EdgeScenario, range, recordsFor } from './edge-fixture';

const STREAM = 'sensors';
let scenario: EdgeScenario;
const clients: DeltastreamClient[] = [];
const proxies: CuttableProxy[] = [];

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  await scenario.tearDown();
});

function start(options: Partial<ClientOptions> & { url?: string } = {}) {
  const client = createClient({ url: scenario.url, streams: [STREAM], from: 'earliest', reconnect: { initialDelayMs: 50, maxDelayMs: 1000 }, ...options });
  clients.push(client);
  const events: ClientEvent[] = [];
  for (const type of ['frame', 'snapshot', 'gap', 'resumed', 'open', 'subscribed', 'disconnected', 'error', 'closed'] as const) client.on(type, (event) => events.push(event));
  const of = <T extends ClientEvent['type']>(type: T) => events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
  const seqs = (stream = STREAM) => of('frame').filter((f) => f.stream === stream).map((f) => f.seq);
  return { client, events, of, seqs };
}

type Started = ReturnType<typeof start>;
const reach = (all: Started[], seq: number, what: string) =>
  eventually(() => all.every((c) => c.seqs().at(-1) === seq), 60_000, () => `${what}: every client at seq ${seq} (at ${all.map((c) => c.seqs().at(-1) ?? 0).join(',')})`);

describe('client SDK against the real delivery edge', () => {
  it('reconnect storm and edge restarts: WebSocket and SSE clients get every frame exactly once, in order, and resume recovered', async () => {
    await scenario.produce(STREAM, 1, 30);
    await scenario.startEdge();
    const proxy = await new CuttableProxy().start(() => scenario.httpPort);
    proxies.push(proxy);
    const url = `http://127.0.0.1:${proxy.port}`;
    const fleet = [
      ...Array.from({ length: 8 }, () => start({ url })), // global WebSocket (Node 22+)
      ...Array.from({ length: 3 }, () => start({ url, WebSocket: WebSocket as unknown as WebSocketConstructor })),
      ...Array.from({ length: 3 }, () => start({ url, transport: 'sse' })),
    ];
    await reach(fleet, 30, 'replay');

    // The storm: the network drops every connection again and again while frames keep coming; every
    // other cut comes before the clients are even back.
    let produced = 30;
    for (let round = 1; round <= 12; round++) {
      await scenario.produce(STREAM, produced + 1, produced + 3);
      produced += 3;
      const connects = fleet.map((c) => c.client.stats().connects);
      proxy.cut();
      if (round % 2 === 0) await eventually(() => fleet.every((c, i) => c.client.stats().connects > (connects[i] ?? 0)), 30_000, () => `round ${round}: every client reconnected`);
    }
    await reach(fleet, produced, 'after the storm');

    // kill -9 of the edge with frames produced while it is down, then a graceful restart (1001).
    await scenario.stopEdge('SIGKILL');
    await scenario.produce(STREAM, produced + 1, produced + 10);
    produced += 10;
    await scenario.startEdge();
    await reach(fleet, produced, 'after kill -9');
    await scenario.stopEdge('SIGTERM');
    await scenario.startEdge();
    await scenario.produce(STREAM, produced + 1, produced + 5);
    produced += 5;
    await reach(fleet, produced, 'after a graceful restart');

    for (const member of fleet) {
      expect(member.seqs()).toEqual(range(1, produced));
      expect(member.of('gap')).toEqual([]);
      expect(member.of('error')).toEqual([]);
      expect(member.of('resumed').every((r) => r.recovered)).toBe(true);
      expect(member.client.stats().connects).toBeGreaterThanOrEqual(8);
      expect(member.of('frame').every((f) => JSON.stringify(f.records) === JSON.stringify(recordsFor(f.seq)))).toBe(true);
    }
    expect(fleet.map((c) => c.of('open')[0]?.transport)).toEqual([...Array(11).fill('websocket'), ...Array(3).fill('sse')]);
    expect(proxy.cuts).toBe(12);
  });

  it('frames that expired while the client was away: a retention gap and `recovered: false`, then the retained frames', async () => {
    await scenario.produce(STREAM, 1, 10);
    await scenario.startEdge();
    const ws = start();
    const sse = start({ transport: 'sse' });
    await reach([ws, sse], 10, 'first session');

    await scenario.stopEdge('SIGKILL');
    await scenario.produce(STREAM, 11, 20);
    // The stream is alone in its partition: offsets 0..19 are seqs 1..20. Seqs 1..15 expire.
    await scenario.expireBefore(15);
    await scenario.startEdge();
    await reach([ws, sse], 20, 'after the restart');

    for (const member of [ws, sse]) {
      expect(member.seqs()).toEqual([...range(1, 10), ...range(16, 20)]);
      expect(member.of('gap')).toEqual([{ type: 'gap', stream: STREAM, firstMissingSeq: 11, lastMissingSeq: 15, reason: 'retention', earliestAvailableSeq: 16 }]);
    }
    await eventually(() => ws.of('resumed').length === 1 && sse.of('resumed').length === 1, 10_000, () => 'resumed events');
    expect(ws.of('resumed')[0]).toEqual({ type: 'resumed', transport: 'websocket', recovered: false, streams: { [STREAM]: { afterSeq: 10, recovered: false } } });
    expect(sse.of('resumed')[0]).toMatchObject({ transport: 'sse', recovered: false });
  });

  it('a frame failing its checksum is reported and skipped; zstd decodes natively, and its gzip fallback when zstd is not advertised', async () => {
    await scenario.produce(STREAM, 1, 6, { corrupt: [4] });
    await scenario.produce(STREAM, 7, 9, { codec: 'zstd' });
    await scenario.startEdge();
    const native = start();
    const gzipOnly = start({ codecs: ['gzip'] });
    const sse = start({ transport: 'sse', codecs: ['gzip'] });
    await reach([native, gzipOnly, sse], 9, 'all frames');
    for (const member of [native, gzipOnly, sse]) {
      expect(member.seqs()).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
      expect(member.of('error')).toEqual([expect.objectContaining({ kind: 'frame', fatal: false, stream: STREAM, seq: 4, frameError: 'checksum_mismatch' })]);
      expect(member.of('gap')).toEqual([{ type: 'gap', stream: STREAM, firstMissingSeq: 4, lastMissingSeq: 4, reason: 'undecodable' }]);
      for (const frame of member.of('frame')) expect(frame.records).toEqual(recordsFor(frame.seq));
    }
    const codecs = (member: Started) => member.of('frame').filter((f) => f.seq >= 7).map((f) => f.codec);
    expect(codecs(native)).toEqual(['zstd', 'zstd', 'zstd']);
    expect(codecs(gzipOnly)).toEqual(['gzip', 'gzip', 'gzip']);
    expect(codecs(sse)).toEqual(['gzip', 'gzip', 'gzip']);
  });

  it('a compression bomb arriving through the edge (64 MiB of zeros claiming 100 bytes) is refused without being inflated: reported, skipped, the next frames decoded', async () => {
    await scenario.produce(STREAM, 1, 6, { bomb: [3] });
    await scenario.startEdge();
    const rssBefore = process.memoryUsage().rss;
    const ws = start({ codecs: ['gzip'] });
    const sse = start({ transport: 'sse', codecs: ['gzip'] });
    await reach([ws, sse], 6, 'all frames');
    for (const member of [ws, sse]) {
      expect(member.seqs()).toEqual([1, 2, 4, 5, 6]);
      expect(member.of('error')).toEqual([expect.objectContaining({ kind: 'frame', fatal: false, stream: STREAM, seq: 3 })]);
      expect(member.of('gap')).toEqual([{ type: 'gap', stream: STREAM, firstMissingSeq: 3, lastMissingSeq: 3, reason: 'undecodable' }]);
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 * 1024);
  });

  it('snapshot first, then live frames, with the entity filter and projection applied alike by the edge and the client', async () => {
    await scenario.produce(STREAM, 1, 10);
    await scenario.startEdge();
    const client = start({ from: 'latest', snapshot: true, entities: ['e1', 'e3'], fields: ['temp'] });
    await eventually(() => client.of('snapshot').length === 1, 20_000, () => 'snapshot');
    const snapshot = client.of('snapshot')[0];
    expect(snapshot?.asOfSeq).toBe(10);
    expect(new Set(snapshot?.records.map((r) => r['id']))).toEqual(new Set(['e1', 'e3']));
    for (const record of snapshot?.records ?? []) expect(Object.keys(record).sort()).toEqual(['id', 'temp']);
    await scenario.produce(STREAM, 11, 13);
    await reach([client], 13, 'live');
    expect(client.seqs()).toEqual([11, 12, 13]);
    for (const frame of client.of('frame')) {
      const wanted = recordsFor(frame.seq).filter((r) => r['id'] === 'e1' || r['id'] === 'e3').map((r) => ({ id: r['id'], temp: r['temp'] }));
      expect(frame.records).toEqual(wanted);
    }
  });

  it('rate limited at connect (HTTP 429): waits the Retry-After, then resumes without losing or repeating a frame', async () => {
    await scenario.produce(STREAM, 1, 3);
    // Two connection attempts per 4 s from this address (the limit is per topic namespace, so this test's own).
    await scenario.startEdge({ EDGE_RATE_CONNECT_IP: '2/4s' });
    const proxy = await new CuttableProxy().start(() => scenario.httpPort);
    proxies.push(proxy);
    let produced = 3;
    for (const options of [{ WebSocket: WebSocket as unknown as WebSocketConstructor }, { transport: 'sse' as const }]) {
      const member = start({ url: `http://127.0.0.1:${proxy.port}`, ...options });
      await reach([member], produced, 'first connect');
      // Cut until the edge says 429: the connects in the window run out.
      await eventually(
        () => {
          if (member.of('disconnected').some((d) => d.code === 4009)) return true;
          if (member.client.state === 'open' && proxy.open > 0) proxy.cut();
          return false;
        },
        30_000,
        () => 'a 429 refusal',
      );
      const refused = member.of('disconnected').find((d) => d.code === 4009);
      expect(refused).toMatchObject({ opened: false });
      expect(refused?.reconnectInMs).toBeGreaterThanOrEqual(1000);
      await scenario.produce(STREAM, produced + 1, produced + 2);
      produced += 2;
      await reach([member], produced, 'after the rate limit');
      expect(member.seqs()).toEqual(range(1, produced));
      await member.client.close();
    }
  });

  it('refusals are final: streams outside the allow list (4403) over WebSocket and SSE, known or not', async () => {
    await scenario.startEdge({ EDGE_ALLOWED_STREAMS: 'trades' });
    // 4403 comes before 4404, so an unknown name is not revealed either.
    const members = [start(), start({ transport: 'sse' }), start({ streams: ['no-such-stream'] }), start({ streams: ['no-such-stream'], transport: 'sse' })];
    await eventually(() => members.every((member) => member.client.state === 'closed'), 20_000, () => 'every client stopped');
    for (const member of members) {
      expect(member.of('error')).toEqual([expect.objectContaining({ kind: 'connection', fatal: true, code: 4403 })]);
      expect(member.of('disconnected')).toHaveLength(1);
      expect(member.of('frame')).toEqual([]);
    }
  });
});
