import fc from 'fast-check';
import WebSocket from 'ws';
import { createClient, endpointsOf, type ClientEvent, type ClientOptions, type DeltastreamClient, type FrameEvent, type GapEvent } from './client';
import { DeltastreamError } from './errors';
import { FakeEdge, recordsFor, until, type FakeConnection } from './testing/fake-edge';
import type { WebSocketConstructor } from './transports/websocket';

const wsPackage = WebSocket as unknown as WebSocketConstructor;
const fast = { initialDelayMs: 5, maxDelayMs: 40 };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let edge: FakeEdge;
const clients: DeltastreamClient[] = [];

beforeEach(async () => {
  edge = await FakeEdge.start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await edge.close();
});

function connectionAt(index: number): FakeConnection {
  const connection = edge.connections.at(index);
  if (!connection) throw new Error(`no connection #${index}`);
  return connection;
}

/** A client plus everything it emitted. */
function start(options: Partial<ClientOptions> = {}) {
  const client = createClient({ url: edge.url, streams: ['sensors'], reconnect: fast, ...options });
  clients.push(client);
  const events: ClientEvent[] = [];
  for (const type of ['frame', 'snapshot', 'gap', 'resumed', 'open', 'subscribed', 'disconnected', 'error', 'closed'] as const) {
    client.on(type, (event) => events.push(event));
  }
  const of = <T extends ClientEvent['type']>(type: T) => events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
  const seqs = (stream = 'sensors') => of('frame').filter((f) => f.stream === stream).map((f) => f.seq);
  return { client, events, of, seqs };
}

describe('client over WebSocket (fake edge)', () => {
  it('subscribes with every option in one valid message and delivers decoded, filtered records', async () => {
    edge.store('sensors', 1, 3);
    const { of, seqs } = start({ from: 'earliest', entities: ['e1', 'e2'], fields: ['temp'], policy: 'drop-oldest', snapshot: true, codecs: ['zstd', 'gzip', 'lz4'] });
    await until(() => seqs().length === 3);
    const connection = connectionAt(0);
    expect(connection.messages[0]).toEqual({
      type: 'subscribe',
      id: 's1',
      streams: ['sensors'],
      from: 'earliest',
      entities: ['e1', 'e2'],
      fields: ['temp'],
      codecs: ['zstd', 'gzip'], // lz4 is not decodable here: never advertised
      policy: 'drop-oldest',
      snapshot: true,
    });
    expect(connection.headers['sec-websocket-protocol']).toBe('deltastream.v1.json');
    const [frame] = of('frame');
    expect(frame).toMatchObject({ stream: 'sensors', seq: 1, eventCount: 3, windowStartMs: 1000, windowEndMs: 2000, windowId: 'sensors/1', minObservedAtMs: 1500 });
    // Entity filter and projection applied to the binary frame's records, as the edge does for JSON.
    expect(frame?.records).toEqual(recordsFor(1).filter((r) => r['id'] === 'e1' || r['id'] === 'e2').map((r) => ({ id: r['id'], temp: r['temp'] })));
    expect(of('subscribed')).toEqual([{ type: 'subscribed', streams: ['sensors'] }]);
    expect(of('open')[0]).toMatchObject({ transport: 'websocket', attempt: 0 });
  });

  it('resumes after each disconnect from the last seq: every frame once, in order, across close codes and dropped connections', async () => {
    edge.store('sensors', 1, 5);
    const { client, of, seqs } = start({ from: 'earliest' });
    await until(() => seqs().length === 5);
    const endings: Array<(c: FakeConnection) => void> = [(c) => c.close(1001, 'restart'), (c) => c.close(4008, 'slow'), (c) => c.terminate(), (c) => c.close(4009, 'rate')];
    let last = 5;
    for (const end of endings) {
      const next = edge.nextConnection();
      end(connectionAt(-1));
      edge.store('sensors', last + 1, last + 3); // produced while disconnected
      const connection = await next;
      await until(() => connection.messages.length >= 2);
      expect(connection.messages[0]).toMatchObject({ type: 'subscribe', streams: ['sensors'], resume: { sensors: last } });
      expect(connection.messages[0]).not.toHaveProperty('from');
      last += 3;
      await until(() => seqs().length === last, 5000, `seq ${last}`);
      edge.publish('sensors', last + 1);
      last += 1;
      await until(() => seqs().length === last);
    }
    expect(seqs()).toEqual(range(1, last));
    expect(client.positions()).toEqual({ sensors: last });
    expect(of('resumed')).toHaveLength(4);
    for (const resumed of of('resumed')) expect(resumed.recovered).toBe(true);
    expect(of('disconnected').map((d) => d.code)).toEqual([1001, 4008, 1006, 4009]);
    expect(of('gap')).toEqual([]);
  });

  it('fails over to the next edge at once when one goes away, and resumes there by seq; back to backoff after a whole round', async () => {
    const second = await FakeEdge.start();
    try {
      edge.store('sensors', 1, 5);
      second.store('sensors', 1, 8);
      // A backoff far longer than the test: only the immediate failover can reconnect in time.
      const { of, seqs } = start({ url: [edge.url, second.url], from: 'earliest', reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      await until(() => seqs().length === 5);
      const onSecond = second.nextConnection();
      connectionAt(-1).close(1001, 'edge restarting');
      const connection = await onSecond;
      await until(() => connection.messages.length >= 1);
      expect(connection.messages[0]).toMatchObject({ type: 'subscribe', streams: ['sensors'], resume: { sensors: 5 } });
      await until(() => seqs().length === 8, 5000, 'seqs 6..8 from the second edge');
      expect(seqs()).toEqual(range(1, 8));
      expect(of('disconnected')[0]).toMatchObject({ code: 1001, reconnectInMs: 0 });
      // The second edge fails too: both were tried since the last success, so now the backoff applies.
      connection.close(1001, 'also restarting');
      await until(() => of('disconnected').length === 2);
      expect(of('disconnected')[1]?.reconnectInMs).toBeGreaterThan(1000);
    } finally {
      await second.close();
    }
  });

  it('drops frames the edge sends twice (replays overlapping live)', async () => {
    edge.onSubscribe = (connection) => {
      connection.sendJson({ type: 'subscribed', streams: ['sensors'] });
      edge.store('sensors', 1, 6);
      for (const seq of [1, 2, 3, 2, 3, 4, 1, 5, 5, 6, 4]) connection.sendFrame(edge.frame('sensors', seq));
      return true;
    };
    const { client, seqs } = start({ from: 'earliest' });
    await until(() => client.stats().duplicatesDropped === 5);
    expect(seqs()).toEqual(range(1, 6));
  });

  it('reports a retention gap on resume as a gap event and `recovered: false`, then continues', async () => {
    edge.store('sensors', 1, 4);
    const { of, seqs } = start({ from: 'earliest' });
    await until(() => seqs().length === 4);
    // Everything up to 8 expires while the client is away.
    edge.store('sensors', 5, 10);
    edge.earliestRetained.set('sensors', 9);
    const next = edge.nextConnection();
    connectionAt(0).close(1001);
    await next;
    await until(() => of('resumed').length === 1);
    expect(of('gap')).toEqual([{ type: 'gap', stream: 'sensors', firstMissingSeq: 5, lastMissingSeq: 8, reason: 'retention', earliestAvailableSeq: 9 }]);
    expect(of('resumed')[0]).toEqual({ type: 'resumed', transport: 'websocket', recovered: false, streams: { sensors: { afterSeq: 4, recovered: false } } });
    await until(() => seqs().length === 6);
    expect(seqs()).toEqual([1, 2, 3, 4, 9, 10]);
  });

  it('names a seq jump nobody announced, and resumes a quiet stream as recovered once the edge answered the barrier ping', async () => {
    edge.store('sensors', 1, 2);
    edge.store('trades', 1, 1);
    const { of, seqs } = start({ streams: ['sensors', 'trades'], from: 'earliest' });
    await until(() => seqs().length === 2 && seqs('trades').length === 1);
    const next = edge.nextConnection();
    connectionAt(0).close(1001);
    const connection = await next;
    await until(() => of('resumed').length === 1);
    expect(connection.messages.map((m) => m['type'])).toEqual(['subscribe', 'ping']);
    expect(of('resumed')[0]).toMatchObject({ recovered: true, streams: { sensors: { afterSeq: 2, recovered: true }, trades: { afterSeq: 1, recovered: true } } });
    edge.store('sensors', 3, 5);
    connection.sendFrame(edge.frame('sensors', 5));
    await until(() => seqs().length === 3);
    expect(of('gap')).toEqual([{ type: 'gap', stream: 'sensors', firstMissingSeq: 3, lastMissingSeq: 4, reason: 'unannounced' }]);
  });

  it('reports a frame failing its checksum (error + undecodable gap) and keeps delivering the ones after it', async () => {
    edge.store('sensors', 1, 2);
    edge.store('sensors', 3, 3, { badChecksum: true });
    edge.store('sensors', 4, 5);
    const { of, seqs } = start({ from: 'earliest' });
    await until(() => seqs().length === 4);
    expect(seqs()).toEqual([1, 2, 4, 5]);
    expect(of('error')).toEqual([
      expect.objectContaining({ type: 'error', kind: 'frame', fatal: false, stream: 'sensors', seq: 3, frameError: 'checksum_mismatch', message: expect.stringContaining('CRC32C') }),
    ]);
    expect(of('gap')).toEqual([{ type: 'gap', stream: 'sensors', firstMissingSeq: 3, lastMissingSeq: 3, reason: 'undecodable' }]);
    // The corrupt frame is passed: a reconnect does not fetch it again.
    const next = edge.nextConnection();
    connectionAt(0).close(1001);
    const connection = await next;
    await until(() => connection.messages.length > 0);
    expect(connection.messages[0]).toMatchObject({ resume: { sensors: 5 } });
  });

  it('decodes zstd (pure JS) and gzip (DecompressionStream) frames', async () => {
    const text = 'compressible '.repeat(100);
    edge.store('sensors', 1, 1, { codec: 'zstd', records: [{ id: 'a', text }] });
    edge.store('sensors', 2, 2, { codec: 'gzip', records: [{ id: 'b', text }] });
    const { of, seqs } = start({ from: 'earliest' });
    await until(() => seqs().length === 2);
    expect(of('frame').map((f) => [f.codec, f.records])).toEqual([
      ['zstd', [{ id: 'a', text }]],
      ['gzip', [{ id: 'b', text }]],
    ]);
  });

  it.each([
    [4403, 'stream not allowed'],
    [4404, 'unknown stream'],
    [4400, 'bad request'],
    [1009, 'too big'],
  ])('stops on %i: a fatal error event, then closed, no reconnect', async (code, reason) => {
    edge.onSubscribe = (connection) => {
      connection.close(code, reason);
      return true;
    };
    const { client, of } = start();
    await until(() => client.state === 'closed');
    expect(of('error')).toEqual([expect.objectContaining({ kind: 'connection', fatal: true, code, message: expect.stringContaining(reason) })]);
    expect(of('closed')[0]?.error).toBeInstanceOf(DeltastreamError);
    expect(of('disconnected')[0]).toMatchObject({ code, reconnectInMs: undefined });
    expect(edge.connections).toHaveLength(1);
  });

  it('starts `{ seq }` streams after that seq, and per-stream `resume` points override `from`', async () => {
    edge.store('sensors', 1, 6);
    edge.store('trades', 1, 6);
    const { seqs } = start({ streams: ['sensors', 'trades'], from: { seq: 4 }, resume: { trades: 1 } });
    await until(() => seqs().length === 2 && seqs('trades').length === 5);
    expect(connectionAt(0).messages[0]).toMatchObject({ resume: { sensors: 4, trades: 1 } });
    expect(seqs()).toEqual([5, 6]);
    expect(seqs('trades')).toEqual([2, 3, 4, 5, 6]);
  });

  it('a resume point the edge refuses (stream reset, 4400) stops the client instead of silently starting over', async () => {
    edge.store('sensors', 1, 3);
    const { client, of } = start({ resume: { sensors: 99 } });
    await until(() => client.state === 'closed');
    expect(of('error')[0]).toMatchObject({ code: 4400, message: expect.stringContaining('cannot resume') });
  });

  it('backs off exponentially with jitter while the edge refuses connections, honouring Retry-After (ws package)', async () => {
    let refusals = 0;
    edge.refuse = () => (++refusals <= 4 ? (refusals === 4 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 503 }) : undefined);
    edge.store('sensors', 1, 1);
    const { of, seqs } = start({ WebSocket: wsPackage, from: 'earliest', reconnect: { initialDelayMs: 20, maxDelayMs: 5000, multiplier: 3, jitter: 0.5 }, random: () => 0.5 });
    await until(() => seqs().length === 1, 8000);
    const delays = of('disconnected').map((d) => d.reconnectInMs);
    // 20·3^(n-1), each scaled by 1 - 0.5·0.5; the 429 waits at least its Retry-After.
    expect(delays).toEqual([15, 45, 135, 1000]);
    expect(of('disconnected').map((d) => [d.code, d.opened])).toEqual([
      [1001, false],
      [1001, false],
      [1001, false],
      [4009, false],
    ]);
  });

  it('resets the backoff once a connection was stable, and gives up after maxAttempts', async () => {
    edge.refuse = () => ({ status: 503 });
    const { client, of } = start({ WebSocket: wsPackage, reconnect: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
    await until(() => client.state === 'closed');
    expect(of('disconnected').map((d) => d.attempt)).toEqual([1, 2, 3, 0]);
    expect(of('error')[0]).toMatchObject({ fatal: true, message: expect.stringContaining('gave up after 3 failed connects') });
  });

  it('survives a reconnect storm: random cuts after random frames, everything delivered exactly once in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom<'close' | 'terminate' | 'duplicate'>('close', 'terminate', 'duplicate')), { minLength: 1, maxLength: 8 }), async (storm) => {
        const local = await FakeEdge.start();
        const client = createClient({ url: local.url, streams: ['sensors'], from: 'earliest', reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
        const seqs: number[] = [];
        client.on('frame', (f) => seqs.push(f.seq));
        try {
          let produced = 0;
          for (const [frames, how] of storm) {
            await until(() => local.connections.some((c) => !c.closed && c.live.has('sensors')));
            const connection = local.connections.find((c) => !c.closed && c.live.has('sensors'));
            if (!connection) throw new Error('no live connection');
            local.publish('sensors', produced + 1, produced + frames + 1);
            produced += frames + 1;
            if (how === 'duplicate') for (let seq = 1; seq <= produced; seq++) connection.sendFrame(local.frame('sensors', seq));
            else if (how === 'close') connection.close(1001);
            else connection.terminate();
          }
          await until(() => seqs.length === produced, 5000, `${produced} frames (have ${seqs.length})`);
          expect(seqs).toEqual(range(1, produced));
        } finally {
          await client.close();
          await local.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('replaces a connection that went silent (idle timeout), pinging first', async () => {
    edge.answerPings = false;
    edge.store('sensors', 1, 1);
    const { of, seqs } = start({ from: 'earliest', idleTimeoutMs: 300 });
    await until(() => seqs().length === 1);
    await until(() => of('disconnected').length === 1, 3000);
    expect(of('disconnected')[0]).toMatchObject({ code: 4000, reason: expect.stringContaining('nothing from the edge') });
    expect(connectionAt(0).messages.some((m) => m['type'] === 'ping')).toBe(true);
    await until(() => edge.connections.length === 2);
  });

  it('a `latest` stream that received nothing resumes by time, so frames published while away are not lost', async () => {
    const { seqs } = start();
    await until(() => edge.connections[0]?.messages.length === 1);
    expect(connectionAt(0).messages[0]).not.toHaveProperty('from'); // latest is the edge default
    const next = edge.nextConnection();
    connectionAt(0).close(1001);
    const connection = await next;
    await until(() => connection.messages.length === 1);
    const from = connection.messages[0]?.['from'] as { time: number };
    expect(from.time).toBeGreaterThan(Date.now() - 10_000);
    expect(from.time).toBeLessThanOrEqual(Date.now() - 4_000);
    expect(seqs()).toEqual([]);
  });

  it('delivers a snapshot, then only frames after it', async () => {
    edge.onSubscribe = (connection) => {
      connection.sendJson({ type: 'subscribed', streams: ['sensors'] });
      connection.sendJson({ type: 'snapshot', stream: 'sensors', asOfSeq: 7, records: [{ id: 'e1', temp: 1 }] });
      edge.store('sensors', 6, 9);
      for (const seq of [6, 7, 8, 9]) connection.sendFrame(edge.frame('sensors', seq));
      return true;
    };
    const { of, seqs } = start({ snapshot: true });
    await until(() => seqs().length === 2);
    expect(of('snapshot')).toEqual([{ type: 'snapshot', stream: 'sensors', asOfSeq: 7, records: [{ id: 'e1', temp: 1 }] }]);
    expect(seqs()).toEqual([8, 9]);
  });

  it('subscribes and unsubscribes streams at runtime on the open connection', async () => {
    edge.store('trades', 1, 2);
    const { client, seqs } = start();
    await until(() => edge.connections[0]?.messages.length === 1);
    client.subscribe(['trades'], { from: 'earliest' });
    await until(() => seqs('trades').length === 2);
    client.unsubscribe(['trades']);
    await until(() => connectionAt(0).messages.some((m) => m['type'] === 'unsubscribe'));
    expect(connectionAt(0).messages.map((m) => [m['type'], m['streams']])).toEqual([
      ['subscribe', ['sensors']],
      ['subscribe', ['trades']],
      ['unsubscribe', ['trades']],
    ]);
    expect(client.streams).toEqual(['sensors']);
    expect(client.positions()).toEqual({});
  });

  it('async iterator: yields events in order, breaking out closes the client', async () => {
    edge.store('sensors', 1, 3);
    const client = createClient({ url: edge.url, streams: ['sensors'], from: 'earliest' });
    const seen: number[] = [];
    for await (const event of client) {
      if (event.type !== 'frame') continue;
      seen.push(event.seq);
      if (event.seq === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(client.state).toBe('closed');
  });

  it('async iterator: throws the fatal error after the events before it', async () => {
    edge.onSubscribe = (connection) => {
      connection.close(4403, 'not yours');
      return true;
    };
    const client = createClient({ url: edge.url, streams: ['sensors'] });
    const types: string[] = [];
    await expect(
      (async () => {
        for await (const event of client) types.push(event.type);
      })(),
    ).rejects.toThrow(DeltastreamError);
    expect(types).toEqual(['open', 'disconnected', 'error', 'closed']);
  });

  it('pauses decoding while an iterator is behind, and delivers everything once it catches up', async () => {
    edge.store('sensors', 1, 50);
    const client = createClient({ url: edge.url, streams: ['sensors'], from: 'earliest', highWaterMark: 5 });
    clients.push(client);
    const iterator = client.events();
    const first = await iterator.next();
    expect(first.value?.type).toBe('open');
    await until(() => client.stats().framesDelivered >= 4);
    const paused = client.stats().framesDelivered;
    expect(paused).toBeLessThan(10);
    const seqs: number[] = [];
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      if (result.value.type === 'frame') seqs.push(result.value.seq);
      if (seqs.length === 50) break;
    }
    expect(seqs).toEqual(range(1, 50));
  });

  it('close() stops reconnecting and resolves; an aborted signal closes too', async () => {
    edge.refuse = () => 'drop';
    const controller = new AbortController();
    const { client, of } = start({ signal: controller.signal, transport: 'websocket' });
    await until(() => of('disconnected').length >= 2);
    controller.abort();
    await until(() => client.state === 'closed');
    const count = of('disconnected').length;
    expect(of('closed')).toEqual([{ type: 'closed' }]);
    await client.close();
    expect(of('disconnected').length).toBe(count);
  });
});

describe('client credentials (auth contract of issue #8, fake edge)', () => {
  const jwt = (exp: number) => `${btoa('{"alg":"none"}')}.${btoa(JSON.stringify({ sub: 'u', exp })).replace(/=+$/, '')}.x`;

  it('puts credentials in the query for the global WebSocket and in headers for the ws package (exactly one credential)', async () => {
    start({ token: 'abc' });
    start({ apiKey: 'k1' });
    await until(() => edge.connections.length === 2);
    start({ token: () => 'def', WebSocket: wsPackage });
    await until(() => edge.connections.length === 3);
    start({ apiKey: 'k2', WebSocket: wsPackage });
    await until(() => edge.connections.length === 4);
    const seen = edge.connections.map((c) => [c.url.searchParams.get('access_token'), c.url.searchParams.get('api_key'), c.headers['authorization'], c.headers['x-api-key']]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['abc', null, undefined, undefined],
        [null, 'k1', undefined, undefined],
        [null, null, 'Bearer def', undefined],
        [null, null, undefined, 'k2'],
      ]),
    );
    // The edge refuses two credentials at once, so the client never sends both.
    expect(() => createClient({ url: edge.url, streams: ['s'], token: 't', apiKey: 'k' })).toThrow('either a token or an API key');
  });

  it('on 4401 gets a fresh token and resumes; a second 4401 in a row with a fresh token is fatal', async () => {
    edge.store('sensors', 1, 2);
    let issued = 0;
    const { client, of, seqs } = start({ token: () => `t${++issued}`, from: 'earliest' });
    await until(() => seqs().length === 2);
    edge.onSubscribe = (connection) => {
      connection.close(4401, 'token expired');
      return true;
    };
    connectionAt(0).close(4401, 'token expired');
    await until(() => client.state === 'closed');
    expect(edge.connections.map((c) => c.url.searchParams.get('access_token'))).toEqual(['t1', 't2']);
    expect(of('disconnected').map((d) => [d.code, d.reconnectInMs])).toEqual([
      [4401, 0],
      [4401, undefined],
    ]);
    expect(of('error')[0]).toMatchObject({ fatal: true, code: 4401, message: expect.stringContaining('fresh token') });
  });

  it('4401 with a fresh token that works resets the count; a static token cannot be renewed', async () => {
    edge.store('sensors', 1, 1);
    let issued = 0;
    const { client, seqs } = start({ token: () => `t${++issued}`, from: 'earliest' });
    await until(() => seqs().length === 1);
    for (let i = 0; i < 3; i++) {
      const next = edge.nextConnection();
      connectionAt(-1).close(4401, 'token expired');
      const connection = await next;
      await until(() => connection.messages.length > 0);
    }
    expect(client.state).not.toBe('closed');
    const fixed = start({ token: 'static' });
    await until(() => edge.connections.length === 5);
    connectionAt(4).close(4401, 'nope');
    await until(() => fixed.client.state === 'closed');
    expect(fixed.of('error')[0]?.message).toContain('not a function');
  });

  it('refreshes a JWT shortly before it expires with an auth message on the open connection', async () => {
    const tokens = [jwt(Math.floor(Date.now() / 1000) + 3), jwt(Math.floor(Date.now() / 1000) + 3600)];
    let calls = 0;
    start({ token: () => tokens[Math.min(calls++, 1)] ?? '', tokenRefreshLeadMs: 2500 });
    await until(() => edge.connections[0]?.messages.some((m) => m['type'] === 'auth') ?? false, 5000);
    expect(connectionAt(0).messages.find((m) => m['type'] === 'auth')).toEqual({ type: 'auth', token: tokens[1] });
    expect(edge.connections).toHaveLength(1);
  });

  it('a failing token function is reported and retried with backoff', async () => {
    let calls = 0;
    const { of } = start({
      token: () => {
        if (++calls < 3) throw new Error('auth server down');
        return 'ok';
      },
    });
    await until(() => edge.connections.length === 1);
    expect(of('error').map((e) => [e.kind, e.fatal, e.message])).toEqual([
      ['token', false, 'token: auth server down'],
      ['token', false, 'token: auth server down'],
    ]);
  });
});

describe('client over SSE (fake edge)', () => {
  it('falls back to SSE when WebSocket never connects, and resumes there with Last-Event-ID', async () => {
    edge.refuse = (kind) => (kind === 'ws' ? 'drop' : undefined);
    edge.store('sensors', 1, 3);
    const { of, seqs } = start({ from: 'earliest', token: 'tok' });
    await until(() => seqs().length === 3);
    const sse = connectionAt(0);
    expect(sse.kind).toBe('sse');
    expect(sse.url.searchParams.get('format')).toBe('frames');
    expect(sse.url.searchParams.get('from')).toBe('earliest');
    expect(sse.headers['authorization']).toBe('Bearer tok'); // Node: headers are possible with fetch
    expect(of('open')[0]).toMatchObject({ transport: 'sse', attempt: 2 });
    edge.store('sensors', 4, 6);
    const next = edge.nextConnection();
    sse.close(1001, 'shutting down');
    const again = await next;
    expect(again.headers['last-event-id']).toBe('sensors:3');
    await until(() => seqs().length === 6);
    expect(seqs()).toEqual(range(1, 6));
    again.heartbeat();
    await until(() => of('resumed').length === 1);
    expect(of('resumed')[0]).toMatchObject({ transport: 'sse', recovered: true });
  });

  it('SSE: gap and snapshot events, duplicate frames dropped, an undecodable frame reported', async () => {
    edge.onSubscribe = (connection) => {
      edge.store('sensors', 1, 6);
      edge.store('sensors', 5, 5, { badChecksum: true });
      connection.sendJson({ type: 'snapshot', stream: 'sensors', asOfSeq: 1, records: [] });
      connection.sendFrame(edge.frame('sensors', 2));
      connection.sendFrame(edge.frame('sensors', 2));
      connection.sendJson({ type: 'gap', stream: 'sensors', firstMissingSeq: 3, lastMissingSeq: 4, reason: 'slow_consumer' });
      connection.sendFrame(edge.frame('sensors', 5));
      connection.sendFrame(edge.frame('sensors', 6));
      return true;
    };
    const { of, seqs } = start({ transport: 'sse' });
    await until(() => seqs().length === 2);
    expect(seqs()).toEqual([2, 6]);
    expect(of('snapshot')).toHaveLength(1);
    expect(of('gap').map((g: GapEvent) => [g.firstMissingSeq, g.lastMissingSeq, g.reason])).toEqual([
      [3, 4, 'slow_consumer'],
      [5, 5, 'undecodable'],
    ]);
  });

  it('SSE: HTTP 401 and `event: error` 4401 renew the token; 4008 with retry waits as long as the edge asks', async () => {
    let issued = 0;
    let refusals = 0;
    edge.refuse = (kind) => (kind === 'sse' && ++refusals === 1 ? { status: 401, body: JSON.stringify({ code: 4401, reason: 'token expired' }) } : undefined);
    const { of } = start({ transport: 'sse', token: () => `t${++issued}` });
    await until(() => edge.connections.length === 1);
    expect(connectionAt(0).headers['authorization']).toBe('Bearer t2');
    const next = edge.nextConnection();
    connectionAt(0).sendJson({ type: 'error', code: 4401, reason: 'token expired' });
    await next;
    expect(connectionAt(1).headers['authorization']).toBe('Bearer t3');
    connectionAt(1).close(4008, 'slow consumer', 10_000);
    await until(() => of('disconnected').length === 3);
    expect(of('disconnected').map((d) => [d.code, (d.reconnectInMs ?? 0) >= 10_000 || d.reconnectInMs === 0])).toEqual([
      [4401, true],
      [4401, true],
      [4008, true],
    ]);
    expect(of('disconnected')[2]?.reconnectInMs).toBeGreaterThanOrEqual(10_000);
  });

  it('SSE: HTTP 429 honours Retry-After; 404 is fatal', async () => {
    let refusals = 0;
    edge.refuse = () => (++refusals === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 404, body: JSON.stringify({ code: 4404, reason: 'unknown stream "sensors"' }) });
    const { client, of } = start({ transport: 'sse', reconnect: { initialDelayMs: 1 } });
    await until(() => of('disconnected').length === 1);
    expect(of('disconnected')[0]).toMatchObject({ code: 4009, reconnectInMs: 2000 });
    await until(() => client.state === 'closed', 5000);
    expect(of('error')[0]).toMatchObject({ fatal: true, code: 4404, message: expect.stringContaining('unknown stream') });
  });

  it('SSE: subscribe() replaces the connection with one carrying every stream and position', async () => {
    edge.store('sensors', 1, 2);
    edge.store('trades', 1, 1);
    const { client, seqs } = start({ transport: 'sse', from: 'earliest' });
    await until(() => seqs().length === 2);
    const next = edge.nextConnection();
    client.subscribe(['trades']);
    const connection = await next;
    expect(connection.url.searchParams.get('streams')).toBe('sensors,trades');
    expect(connection.headers['last-event-id']).toBe('sensors:2');
    await until(() => seqs('trades').length === 1);
    expect(seqs()).toEqual([1, 2]);
  });
});

describe('endpointsOf', () => {
  it('derives both endpoints from any edge URL, keeping its query', () => {
    expect(endpointsOf('http://h:8080')).toEqual({ ws: 'ws://h:8080/v1/ws', sse: 'http://h:8080/v1/sse' });
    expect(endpointsOf('wss://h/edge/v1/ws?tenant=a')).toEqual({ ws: 'wss://h/edge/v1/ws?tenant=a', sse: 'https://h/edge/v1/sse?tenant=a' });
    expect(endpointsOf('https://h/v1/sse/')).toEqual({ ws: 'wss://h/v1/ws', sse: 'https://h/v1/sse' });
    expect(() => endpointsOf('ftp://h')).toThrow(TypeError);
  });

  it('createClient refuses bad options at once', () => {
    expect(() => createClient({ url: 'http://h', streams: [] })).toThrow('at least one stream');
    expect(() => createClient({ url: 'http://h', streams: ['Bad'] })).toThrow('invalid stream name');
    expect(() => createClient({ url: 'http://h', streams: ['s'], from: { seq: -1 } })).toThrow(TypeError);
  });
});

// Keeps FrameEvent in the public surface these tests use.
export type { FrameEvent };
