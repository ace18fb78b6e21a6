import net from 'node:net';
import http from 'node:http';
import zlib from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FrameSchema, SubscribeRequestSchema, SubscribeResponseSchema } from '@deltastream/contracts';
import { eventually } from '@deltastream/testing';
import { EdgeScenario, frameFor, WsClient } from './edge-fixture';

// Delivery options beyond plain frames: snapshot on subscribe, the Protobuf WebSocket subprotocol, SSE with
// HTTP compression negotiated per response, SSE `format=frames`, time-based starts and unsubscribe.

const STREAM = 'sensors';
let scenario: EdgeScenario;
const sockets: WsClient[] = [];

const cleanups: Array<() => void> = [];

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const client of sockets.splice(0)) client.socket.terminate();
  await scenario.tearDown();
});

/** Reads an SSE response until `until` holds, decompressing whatever the server chose. */
function readSse(url: string, headers: Record<string, string>, until: (text: string) => boolean): Promise<{ encoding: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      const encoding = response.headers['content-encoding'];
      const body = encoding === 'br' ? response.pipe(zlib.createBrotliDecompress()) : encoding === 'gzip' ? response.pipe(zlib.createGunzip()) : response;
      let text = '';
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        text += chunk;
        if (until(text)) {
          request.destroy();
          resolve({ encoding, text });
        }
      });
      body.on('error', () => undefined);
    });
    request.on('error', (error) => (error.message.includes('aborted') || error.message.includes('socket hang up') ? undefined : reject(error)));
  });
}

describe('delivery edge options (real broker)', () => {
  it('closes a client address\'s sockets beyond EDGE_MAX_SOCKETS_PER_IP on arrival, idle ones included, and counts them', async () => {
    await scenario.startEdge({ EDGE_MAX_SOCKETS_PER_IP: '3' });
    const connect = () =>
      new Promise<{ socket: net.Socket; closedEarly: Promise<boolean> }>((resolve, reject) => {
        const socket = net.connect(scenario.httpPort, '127.0.0.1', () => {
          // Closed by the edge at once (nothing was sent), or still open after a moment.
          const closedEarly = new Promise<boolean>((done) => {
            const timer = setTimeout(() => done(false), 500);
            socket.once('close', () => {
              clearTimeout(timer);
              done(true);
            });
          });
          resolve({ socket, closedEarly });
        });
        socket.once('error', reject);
        cleanups.push(() => socket.destroy());
      });
    // Five idle sockets from one address (this process's HTTP client may hold a keep-alive one already).
    const sockets = [];
    for (let i = 0; i < 5; i++) sockets.push(await connect());
    const closed = await Promise.all(sockets.map((s) => s.closedEarly));
    expect(closed.filter((early) => !early).length).toBeLessThanOrEqual(3);
    expect(closed.slice(3)).toEqual([true, true]);
    for (const { socket } of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the edge sees the closes
    const metrics = await (await fetch(`http://127.0.0.1:${scenario.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_edge_sockets_refused_total(?:\{[^}]*\})? [1-9]/);
  });

  it('compresses at most EDGE_MAX_COMPRESSED_SSE SSE responses at once; the next ones go uncompressed, never refused', async () => {
    await scenario.produce(STREAM, 1, 3);
    await scenario.startEdge({ EDGE_MAX_COMPRESSED_SSE: '1' });
    // The first response stays open (it waits for a 4th frame that never comes) and holds the one compressed slot.
    const held = new Promise<string | undefined>((resolve) => {
      const request = http.get(scenario.sseUrl(`streams=${STREAM}&from=earliest`), { headers: { 'accept-encoding': 'br' } }, (response) => {
        resolve(response.headers['content-encoding']);
        response.resume();
      });
      cleanups.push(() => request.destroy());
    });
    expect(await held).toBe('br');
    const done = (text: string) => (text.match(/^id: /gm) ?? []).length >= 3;
    const second = await readSse(scenario.sseUrl(`streams=${STREAM}&from=earliest`), { 'accept-encoding': 'gzip, br' }, done);
    expect(second.encoding).toBeUndefined();
    expect(second.text).toContain(`id: ${STREAM}:3`);
  });

  it('survives a compression bomb arriving through Kafka: readers of decoded records get one undecodable notice, the next frames arrive, memory stays bounded', async () => {
    const service = await scenario.startEdge();
    await scenario.produce(STREAM, 1, 2);
    // Frame 3: 64 MiB of zeros, gzip-compressed to ~64 KiB, claiming to be 100 bytes raw.
    const bomb = frameFor(STREAM, 3);
    bomb.payload = zlib.gzipSync(Buffer.alloc(64 << 20));
    bomb.rawSize = 100;
    const rssBefore = scenario.rssKiB();
    await scenario.produceFrame(bomb);
    await scenario.produce(STREAM, 4, 5);
    const { text } = await readSse(scenario.sseUrl(`streams=${STREAM}&from=earliest`), {}, (body) => body.includes('"seq":5'));
    expect([...text.matchAll(/data: \{"stream":"sensors","seq":(\d+)/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5]);
    expect(text).toMatch(/event: undecodable\ndata: \{"stream":"sensors","seq":3\}/);
    // A new subscriber with the latest state: built from the decodable frames only.
    const client = new WsClient(scenario.wsUrl());
    sockets.push(client);
    await client.opened;
    client.send({ type: 'subscribe', streams: [STREAM], snapshot: true });
    await eventually(() => client.received.notices.some((n) => n['type'] === 'snapshot'), 10_000, () => 'a snapshot');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(Number(/deltastream_edge_undecodable_frames_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(scenario.rssKiB() - rssBefore).toBeLessThan(32 * 1024);
  });

  it('sends the latest state of every entity on subscribe, then only newer frames', async () => {
    await scenario.produce(STREAM, 1, 10);
    await scenario.startEdge();
    const client = new WsClient(scenario.wsUrl());
    sockets.push(client);
    await client.opened;
    client.send({ type: 'subscribe', streams: [STREAM], snapshot: true });
    await eventually(() => client.received.notices.some((n) => n['type'] === 'snapshot'), 20_000, () => 'a snapshot');
    const snapshot = client.received.notices.find((n) => n['type'] === 'snapshot') as { stream: string; asOfSeq: number; records: Array<{ id: string; seq: number }> };
    expect(snapshot.stream).toBe(STREAM);
    expect(snapshot.asOfSeq).toBe(10);
    // Frames carry entities e0..e4 (3 records per frame); the latest of each comes from frames 8..10.
    expect(snapshot.records.map((r) => r.id).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(Math.min(...snapshot.records.map((r) => r.seq))).toBeGreaterThanOrEqual(8);
    await scenario.produce(STREAM, 11, 12);
    await eventually(() => client.received.last(STREAM) === 12, 20_000, () => 'live frames after the snapshot');
    expect(client.received.of(STREAM)).toEqual([11, 12]);
  });

  it('speaks Protobuf control and data messages on the deltastream.v1.proto subprotocol', async () => {
    await scenario.produce(STREAM, 1, 5);
    await scenario.startEdge();
    const responses: ReturnType<typeof fromBinary<typeof SubscribeResponseSchema>>[] = [];
    const client = new WsClient(scenario.wsUrl(), undefined, { protocol: 'deltastream.v1.proto' });
    sockets.push(client);
    client.socket.removeAllListeners('message');
    client.socket.on('message', (data: Buffer) => responses.push(fromBinary(SubscribeResponseSchema, data)));
    await client.opened;
    client.socket.send(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { streams: [STREAM], from: { position: { case: 'earliest', value: true } } })));
    await eventually(() => responses.filter((r) => r.message.case === 'frame').length === 5, 20_000, () => `5 frames (have ${responses.map((r) => r.message.case).join(',')})`);
    const seqs = responses.flatMap((r) => (r.message.case === 'frame' ? [Number(r.message.value.seq)] : []));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(client.socket.protocol).toBe('deltastream.v1.proto');
  });

  it('negotiates br or gzip per SSE response for decoded records, and sends stored frames as base64 with format=frames', async () => {
    await scenario.produce(STREAM, 1, 3);
    await scenario.startEdge();
    const done = (text: string) => (text.match(/^id: /gm) ?? []).length >= 3;
    const br = await readSse(scenario.sseUrl(`streams=${STREAM}&from=earliest`), { 'accept-encoding': 'gzip, br' }, done);
    expect(br.encoding).toBe('br');
    const gzip = await readSse(scenario.sseUrl(`streams=${STREAM}&from=earliest`), { 'accept-encoding': 'gzip' }, done);
    expect(gzip.encoding).toBe('gzip');
    for (const { text } of [br, gzip]) {
      expect(text).toContain(`id: ${STREAM}:3`);
      const data = text.split('\n').filter((l) => l.startsWith('data: {') && l.includes('"records"'));
      expect((JSON.parse(data[0]?.slice(6) ?? '{}') as { records: unknown[] }).records).toHaveLength(3);
    }
    const frames = await readSse(scenario.sseUrl(`streams=${STREAM}&from=earliest&format=frames`), { 'accept-encoding': 'gzip, br' }, done);
    expect(frames.encoding).toBeUndefined();
    const payloads = frames.text.split('\n').filter((l) => l.startsWith('data: ') && !l.startsWith('data: {'));
    const decoded = payloads.map((l) => fromBinary(FrameSchema, Buffer.from(l.slice(6), 'base64')));
    expect(decoded.map((f) => Number(f.seq))).toEqual([1, 2, 3]);
  });

  it('starts from a point in time, and stops a stream on unsubscribe while another client keeps it', async () => {
    await scenario.produce(STREAM, 1, 5);
    // Frames 6..10 are stored after `since` (Kafka record timestamps are what a time start looks up).
    const since = Date.now() + 50;
    await eventually(() => Date.now() > since + 50, 1_000, () => 'the clock to pass the cut');
    await scenario.produce(STREAM, 6, 10);
    await scenario.startEdge();

    const timed = new WsClient(scenario.wsUrl());
    const witness = new WsClient(scenario.wsUrl());
    sockets.push(timed, witness);
    await Promise.all([timed.opened, witness.opened]);
    timed.send({ type: 'subscribe', streams: [STREAM], from: { time: since } });
    witness.send({ type: 'subscribe', streams: [STREAM] });
    await eventually(() => timed.received.last(STREAM) === 10, 20_000, () => `frames from the time start (have ${timed.received.of(STREAM).join(',')})`);
    expect(timed.received.of(STREAM)).toEqual([6, 7, 8, 9, 10]);

    await eventually(() => witness.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => 'witness subscribed');
    timed.send({ type: 'unsubscribe', streams: [STREAM] });
    await eventually(() => timed.received.notices.some((n) => n['type'] === 'unsubscribed'), 10_000, () => 'unsubscribed reply');
    await scenario.produce(STREAM, 11, 12);
    // The same frames reach every subscriber in one fan-out: once the witness has 12, the other would have too.
    await eventually(() => witness.received.last(STREAM) === 12, 20_000, () => 'the witness to get 11..12');
    expect(witness.received.of(STREAM)).toEqual([11, 12]);
    expect(timed.received.last(STREAM)).toBe(10);
  });
});
