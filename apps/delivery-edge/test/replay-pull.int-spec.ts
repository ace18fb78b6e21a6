import { eventually } from '@deltastream/testing';
import { EdgeScenario, GrpcClient, range, Received, SseClient, WsClient } from './edge-fixture';

const STREAM = 'sensors';
const FRAMES = 300;
let scenario: EdgeScenario;
const cleanups: Array<() => void> = [];

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await scenario.tearDown();
});

describe('replay is pulled, not pushed (real broker)', () => {
  it('a client reading as fast as it can gets every frame of a history many times its queue, on WebSocket, SSE and gRPC — no snapshot, no gap', async () => {
    // ~12 KB per frame (three records with 3,000 random bytes each, codec none): ~3.6 MB of history for a 256 KiB queue.
    await scenario.produce(STREAM, 1, FRAMES, { padding: 3000 });
    await scenario.startEdge({ EDGE_QUEUE_BYTES: String(256 * 1024) });

    const ws = new WsClient(scenario.wsUrl(), new Received());
    cleanups.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ type: 'subscribe', id: 'r', streams: [STREAM], from: 'earliest' });
    const sse = new SseClient();
    cleanups.push(() => sse.close());
    expect(await sse.open(scenario.sseUrl(`streams=${STREAM}&from=earliest`))).toBe(200);
    const grpcClient = new GrpcClient(scenario.grpcPort);
    cleanups.push(() => grpcClient.close());
    grpcClient.subscribe({ streams: [STREAM], from: { position: { case: 'earliest', value: true } } });

    for (const [name, received] of [['WebSocket', ws.received], ['SSE', sse.received], ['gRPC', grpcClient.received]] as const) {
      await eventually(() => received.last(STREAM) >= FRAMES, 60_000, () => `${name} to reach seq ${FRAMES} (at ${received.last(STREAM)})`);
      expect(received.of(STREAM)).toEqual(range(1, FRAMES));
      expect(received.notices.filter((n) => n['type'] === 'snapshot' || n['type'] === 'gap')).toEqual([]);
    }
  });

  it('with one replay per client at a time, a client replaying two streams still gets all of each (the others wait their turn)', async () => {
    for (const stream of ['sensors', 'trades']) await scenario.produce(stream, 1, 40);
    await scenario.startEdge({ EDGE_MAX_REPLAYS_PER_CLIENT: '1' });
    const ws = new WsClient(scenario.wsUrl(), new Received());
    cleanups.push(() => ws.socket.terminate());
    await ws.opened;
    ws.send({ type: 'subscribe', id: 'r', streams: ['sensors', 'trades'], from: 'earliest' });
    for (const stream of ['sensors', 'trades']) {
      await eventually(() => ws.received.last(stream) >= 40, 60_000, () => `${stream} to reach seq 40 (at ${ws.received.last(stream)})`);
      expect(ws.received.of(stream)).toEqual(range(1, 40));
    }
  });
});
