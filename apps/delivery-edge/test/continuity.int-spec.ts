import { eventually } from '@deltastream/testing';
import { EdgeScenario, GrpcClient, Received, SseClient, WsClient, range } from './edge-fixture';

const STREAM = 'sensors';
let scenario: EdgeScenario;
const cleanups: Array<() => void> = [];

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await scenario.tearDown();
});

const upTo = (received: Received, seq: number, what: string) =>
  eventually(() => received.last(STREAM) >= seq, 30_000, () => `${what} to reach seq ${seq} (at ${received.last(STREAM)})`);

describe('delivery edge: every frame in order with continuous seq (real broker)', () => {
  it('WebSocket, SSE and gRPC clients replay from earliest into live, resume after their own reconnect and after kill -9 of the edge', async () => {
    // Stored before the edge exists: only a replay from Kafka can deliver these.
    await scenario.produce(STREAM, 1, 30);
    await scenario.produce('trades', 1, 5);
    await scenario.startEdge();

    const ws = { received: new Received(), client: undefined as WsClient | undefined };
    const connectWs = async (from: unknown) => {
      const client = new WsClient(scenario.wsUrl(), ws.received);
      ws.client = client;
      cleanups.push(() => client.socket.terminate());
      await client.opened;
      client.send({ type: 'subscribe', id: 's1', streams: [STREAM], from });
    };
    const sse = new SseClient();
    cleanups.push(() => sse.close());
    const grpcClient = new GrpcClient(scenario.grpcPort);
    cleanups.push(() => grpcClient.close());

    // (c) replay from earliest, then live.
    await connectWs('earliest');
    expect(await sse.open(scenario.sseUrl(`streams=${STREAM}&from=earliest`))).toBe(200);
    grpcClient.subscribe({ streams: [STREAM], from: { position: { case: 'earliest', value: true } } });
    await upTo(ws.received, 30, 'ws replay');
    await upTo(sse.received, 30, 'sse replay');
    await upTo(grpcClient.received, 30, 'grpc replay');
    await scenario.produce(STREAM, 31, 50);
    await upTo(ws.received, 50, 'ws live');
    await upTo(sse.received, 50, 'sse live');
    await upTo(grpcClient.received, 50, 'grpc live');

    // (a) each client drops its connection; frames keep coming meanwhile; each resumes by seq.
    await ws.client?.close();
    sse.close();
    grpcClient.cancel();
    await scenario.produce(STREAM, 51, 70);
    await connectWs({ seq: ws.received.last(STREAM) });
    expect(sse.lastEventId).toBe(`${STREAM}:50`);
    expect(await sse.open(scenario.sseUrl(`streams=${STREAM}`))).toBe(200); // resumes by Last-Event-ID
    grpcClient.subscribe({ streams: [STREAM], resumeAfterSeq: { [STREAM]: BigInt(grpcClient.received.last(STREAM)) } });
    await upTo(ws.received, 70, 'ws resume');
    await upTo(sse.received, 70, 'sse resume');
    await upTo(grpcClient.received, 70, 'grpc resume');

    // (b) kill -9 the edge; frames produced while it is down; a fresh edge on the same ports.
    await scenario.kill('SIGKILL');
    await eventually(() => sse.ended && grpcClient.ended && ws.client?.closeCode !== undefined, 10_000, () => 'clients to notice the dead edge');
    await scenario.produce(STREAM, 71, 90);
    await scenario.startEdge();
    await connectWs({ seq: ws.received.last(STREAM) });
    expect(await sse.open(scenario.sseUrl(`streams=${STREAM}`))).toBe(200);
    grpcClient.subscribe({ streams: [STREAM], resumeAfterSeq: { [STREAM]: BigInt(grpcClient.received.last(STREAM)) } });
    await scenario.produce(STREAM, 91, 100);

    await upTo(ws.received, 100, 'ws after restart');
    await upTo(sse.received, 100, 'sse after restart');
    await upTo(grpcClient.received, 100, 'grpc after restart');
    for (const received of [ws.received, sse.received, grpcClient.received]) {
      expect(received.of(STREAM)).toEqual(range(1, 100));
      expect(received.of('trades')).toEqual([]);
      expect(received.notices.filter((n) => n['type'] === 'gap')).toEqual([]);
    }
    expect(ws.received.notices.filter((n) => n['type'] === 'subscribed')).toHaveLength(3);
  });

  it('latest starts after the newest frame; a resume point before retention or beyond the latest seq is named, never silent', async () => {
    await scenario.produce(STREAM, 1, 10);
    // Retention removes seqs 1..4 (the stream is alone in its partition: offsets 0..9 are seqs 1..10).
    const admin = scenario.kafka.admin();
    await admin.connect();
    const partition = (await admin.fetchTopicOffsets(scenario.topics.frames.name)).find((p) => Number(p.high) === 10)?.partition ?? -1;
    await admin.deleteTopicRecords({ topic: scenario.topics.frames.name, partitions: [{ partition, offset: '4' }] });
    await admin.disconnect();
    await scenario.startEdge();

    const behind = new WsClient(scenario.wsUrl());
    cleanups.push(() => behind.socket.terminate());
    await behind.opened;
    behind.send({ type: 'subscribe', streams: [STREAM], from: { seq: 2 } });
    await eventually(() => behind.received.last(STREAM) === 10, 20_000, () => 'frames after the retention gap');
    expect(behind.received.of(STREAM)).toEqual(range(5, 10));
    expect(behind.received.notices.filter((n) => n['type'] === 'gap')).toEqual([
      { type: 'gap', stream: STREAM, firstMissingSeq: 3, lastMissingSeq: 4, reason: 'retention', earliestAvailableSeq: 5 },
    ]);

    const live = new WsClient(scenario.wsUrl());
    cleanups.push(() => live.socket.terminate());
    await live.opened;
    live.send({ type: 'subscribe', streams: [STREAM] });
    await eventually(() => live.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => 'subscribed');
    await scenario.produce(STREAM, 11, 12);
    await eventually(() => live.received.last(STREAM) === 12, 10_000, () => 'live frames');
    expect(live.received.of(STREAM)).toEqual([11, 12]);

    // Beyond the latest seq: the stream was reset or the client is confused; refused with 4400.
    const ahead = new WsClient(scenario.wsUrl());
    cleanups.push(() => ahead.socket.terminate());
    await ahead.opened;
    ahead.send({ type: 'subscribe', streams: [STREAM], from: { seq: 99 } });
    expect(await ahead.closed).toBe(4400);
    expect(ahead.closeReason).toContain('latest seq is 12');

    // Unknown and malformed requests over SSE answer with the mapped HTTP status before streaming.
    const unknown = new SseClient();
    expect(await unknown.open(scenario.sseUrl('streams=nope'))).toBe(404);
    const bad = new SseClient();
    expect(await bad.open(scenario.sseUrl('streams=sensors&from=yesterday'))).toBe(400);
  });
});
