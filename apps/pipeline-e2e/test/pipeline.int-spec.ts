import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import { FrameSchema, PayloadEncoding, type Frame } from '@deltastream/contracts';
import { decodeFramePayload, fromProtoCodec } from '@deltastream/compression';
import { decodeRecords, recordsFromJson } from '@deltastream/delta-codec';
import { signBody } from '@deltastream/ingest';
import { eventually, freePort, GrpcClient, OtlpReceiver, range, Received, SseClient, startService, waitForStatus, WsClient, type RunningService } from '@deltastream/testing';

// One record pushed into the ingestor's webhook travels through all five real services (real Kafka, real
// Redis) to a WebSocket client; every service exports its spans over OTLP to an in-test collector.

const SERVICES = ['ingestor', 'windower', 'enricher', 'compressor', 'delivery-edge'] as const;
const SECRET = 'e2e-webhook-secret';
const root = path.resolve(__dirname, '../../..');

const running: RunningService[] = [];
const collector = new OtlpReceiver();
let sockets: WebSocket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  sockets = [];
  for (const service of running.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }
  await collector.stop();
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

function suiteFile(stream: string, sourceId: string, identity = 'occurredAtField: timestamp'): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-e2e-')), 'deltastream.yaml');
  writeFileSync(
    file,
    `version: 1
sources:
  - id: ${sourceId}
    stream: ${stream}
    url: http://127.0.0.1:9/unused
    cursor: { mode: token, param: cursor, from: body, path: next }
    poll: false
    ${identity}
    # ChangeEventBatch records of JSON-text records on the events topic (the bench's and a busy source's setting).
    partitionKey: stream
    changesPerRecord: 50
    recordFormat: json
    push:
      secret: { value: ${SECRET} }
streams:
  - name: ${stream}
    window: { ms: 200, allowedLatenessMs: 0, idleFlushMs: 100, mode: all }
    access: { anonymous: true }
`,
  );
  return file;
}

async function startPipeline(namespace: string, suite: string, extra: Record<string, string> = {}): Promise<Record<(typeof SERVICES)[number], RunningService>> {
  const env = { TOPIC_NAMESPACE: namespace, DELTASTREAM_CONFIG: suite, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100', GRPC_PORT: String(await freePort()), ...extra };
  const started = await Promise.all(SERVICES.map((name) => startService(name, env)));
  running.push(...started);
  await Promise.all(started.map((service) => waitForStatus(service, '/readyz', 200, 90_000)));
  return Object.fromEntries(SERVICES.map((name, i) => [name, started[i]])) as Record<(typeof SERVICES)[number], RunningService>;
}

function subscribe(edge: RunningService, stream: string): { frames: Frame[]; texts: string[] } {
  const received = { frames: [] as Frame[], texts: [] as string[] };
  const socket = new WebSocket(`ws://127.0.0.1:${edge.port}/v1/ws`);
  sockets.push(socket);
  socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', streams: [stream], from: 'earliest' })));
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) received.frames.push(fromBinary(FrameSchema, new Uint8Array(data)));
    else received.texts.push(data.toString());
  });
  return received;
}

async function push(ingestor: RunningService, sourceId: string, record: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(record);
  const ts = Math.floor(Date.now() / 1000);
  const response = await fetch(`${ingestor.url}/v1/sources/${sourceId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-deltastream-timestamp': String(ts), 'x-deltastream-signature': signBody(SECRET, ts, body) },
    body,
  });
  expect(response.status).toBe(202);
}

describe('the whole pipeline', () => {
  it('carries one webhook record through all five services to a WebSocket client, in one trace, with its latency recorded', async () => {
    await collector.start();
    const namespace = `it-e2e-${randomUUID().slice(0, 8)}`;
    const stream = 'e2e';
    const sourceId = `e2e-${randomUUID().slice(0, 6)}`;
    const services = await startPipeline(namespace, suiteFile(stream, sourceId));
    const client = subscribe(services['delivery-edge'], stream);

    const record = { id: 'sensor-1', version: 7, timestamp: new Date().toISOString(), temperature: 21.5, status: 'ok' };
    await push(services.ingestor, sourceId, record);

    await eventually(() => client.frames.length >= 1, 60_000, () => `a frame at the WebSocket client (texts: ${client.texts.join(' | ')})`);
    const frame = client.frames[0] as Frame;
    expect(frame).toMatchObject({ stream, seq: 1n, eventCount: 1 });
    const raw = decodeFramePayload({ codec: fromProtoCodec(frame.codec), payload: frame.payload, rawSize: frame.rawSize, checksum: frame.checksum?.value }, { maxBytes: 1 << 20 });
    expect(decodeRecords(raw)).toEqual([record]);

    // One trace from the webhook to the delivery: a span of every service.
    const webhookSpan = () => collector.spans.find((s) => s.service === 'ingestor' && s.name === `webhook ${sourceId}`);
    await eventually(() => webhookSpan() !== undefined, 30_000, () => 'the ingestor webhook span');
    const traceId = webhookSpan()?.traceId ?? '';
    const servicesInTrace = () => new Set(collector.trace(traceId).map((s) => s.service));
    await eventually(() => SERVICES.every((s) => servicesInTrace().has(s)), 30_000, () => `spans of all five services in trace ${traceId} (have ${[...servicesInTrace()].join(', ')})`);

    const metrics = await (await fetch(`${services['delivery-edge'].url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_edge_e2e_latency[a-z_]*_count\{[^}]*\} [1-9]/);
  });

  it('carries records whose identity is nested and composite through all five services: the edge filters by the same id', async () => {
    const namespace = `it-e2e-${randomUUID().slice(0, 8)}`;
    const stream = 'quakes';
    const sourceId = `e2e-nested-${randomUUID().slice(0, 6)}`;
    const identity = `entityIdField: [properties.net, /properties/code]
    versionField: properties.updated`;
    const services = await startPipeline(namespace, suiteFile(stream, sourceId, identity));
    const feature = (code: string, updated: number) => ({ type: 'Feature', properties: { net: 'us', code, updated, mag: updated / 1000 }, geometry: { type: 'Point', coordinates: [1.5, -2.25] } });
    const records = [feature('c1', 1000), feature('c2', 1000), feature('c1', 2000)];
    const client = subscribe(services['delivery-edge'], stream);
    const sse = new SseClient();
    try {
      expect(await sse.open(`http://127.0.0.1:${services['delivery-edge'].port}/v1/sse?streams=${stream}&from=earliest&entities=us:c1`)).toBe(200);
      for (const record of records) await push(services.ingestor, sourceId, record);

      const delivered = () =>
        client.frames.flatMap((frame) => {
          const raw = decodeFramePayload({ codec: fromProtoCodec(frame.codec), payload: frame.payload, rawSize: frame.rawSize, checksum: frame.checksum?.value }, { maxBytes: 1 << 20 });
          return frame.encoding === PayloadEncoding.JSON ? recordsFromJson(raw) : decodeRecords(raw);
        });
      await eventually(() => delivered().length >= 3, 60_000, () => `3 records at the WebSocket client (have ${delivered().length})`);
      expect(delivered()).toEqual(records);
      // SSE JSON is filtered by the edge with the composite id the ingestor gave the changes ("us:c1").
      const sseRecords = () => sse.frames.flatMap((body) => (body['records'] as unknown[] | undefined) ?? []);
      await eventually(() => sseRecords().length >= 2, 30_000, () => `2 filtered records over SSE (have ${JSON.stringify(sseRecords())})`);
      expect(sseRecords()).toEqual([records[0], records[2]]);
    } finally {
      sse.close();
    }
  });

  it('exposes the metrics the dashboard and the alert rules use: each one defined by a service, the core ones on /metrics now', async () => {
    const referenced = new Set<string>();
    const dashboard = readFileSync(path.join(root, 'deploy/grafana/deltastream.json'), 'utf8');
    const alerts = readFileSync(path.join(root, 'deploy/prometheus/alerts.yml'), 'utf8');
    for (const text of [dashboard, alerts]) for (const match of text.matchAll(/\b(deltastream_[a-z0-9_]+?)(?:_bucket|_sum|_count)?\b/g)) referenced.add(match[1] as string);

    // Every referenced metric is created somewhere (counters appear on /metrics once they first count).
    const defined = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'apps')).concat(sourceFiles(path.join(root, 'libs')))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/create(Counter|UpDownCounter|Histogram|ObservableGauge|Gauge)\(\s*'(deltastream\.[a-z0-9_.]+)'/g)) {
        const name = (m[2] as string).replaceAll('.', '_');
        defined.add(m[1] === 'Counter' ? `${name}_total` : name);
      }
    }
    expect([...referenced].filter((name) => !defined.has(name))).toEqual([]);

    // What one record through the pipeline must already have produced, scraped from the running services.
    const exposed = new Set<string>();
    for (const service of running.filter((s) => s.child.exitCode === null)) {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      for (const match of text.matchAll(/^(deltastream_[a-z0-9_]+?)(?:_bucket|_sum|_count)?\{/gm)) exposed.add(match[1] as string);
    }
    const core = [
      'deltastream_ingest_events_produced_total',
      'deltastream_windower_events_in_total',
      'deltastream_windower_window_events',
      'deltastream_enricher_encoded_bytes_total',
      'deltastream_compressor_frames_total',
      'deltastream_compressor_raw_bytes_total',
      'deltastream_consumer_lag',
      'deltastream_edge_connections',
      'deltastream_edge_frames_delivered_total',
      'deltastream_edge_bytes_delivered_total',
      'deltastream_edge_e2e_latency',
      'deltastream_edge_queued_bytes',
    ];
    expect(core.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('WebSocket, SSE and gRPC clients get every frame of the pipeline in order: replay into live, own reconnects, and a kill -9 of the edge', async () => {
    const namespace = `it-e2e-${randomUUID().slice(0, 8)}`;
    const stream = 'e2e';
    const sourceId = `e2e-${randomUUID().slice(0, 6)}`;
    const suite = suiteFile(stream, sourceId);
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const services = await startPipeline(namespace, suite, { GRPC_PORT: String(grpcPort) });
    // The edge restarts on the same ports, so it is started on fixed ones.
    const restartEdge = async () => {
      const edge = await startService('delivery-edge', { TOPIC_NAMESPACE: namespace, DELTASTREAM_CONFIG: suite, HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort) });
      running.push(edge);
      await waitForStatus(edge, '/readyz', 200, 90_000);
      return edge;
    };
    services['delivery-edge'].child.kill('SIGTERM');
    await services['delivery-edge'].exited;
    let edge = await restartEdge();

    // Records pushed one window at a time: each round becomes at least one frame.
    let version = 0;
    const pushRounds = async (rounds: number) => {
      for (let round = 0; round < rounds; round += 1) {
        const records = Array.from({ length: 5 }, (_, i) => ({ id: `e-${i}`, version: ++version, timestamp: new Date().toISOString(), value: version }));
        for (const record of records) await push(services.ingestor, sourceId, record);
        await new Promise((resolve) => setTimeout(resolve, 250)); // pacing only: a new window per round
      }
    };
    const framesSoFar = async () => {
      const text = await (await fetch(`${services.compressor.url}/metrics`)).text();
      return [...text.matchAll(/^deltastream_compressor_frames_total\{[^}]*stream="e2e"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };

    await pushRounds(4);
    await eventually(async () => (await framesSoFar()) >= 4, 60_000, () => 'the first frames');

    const wsUrl = () => `ws://127.0.0.1:${httpPort}/v1/ws`;
    const sseUrl = (query: string) => `http://127.0.0.1:${httpPort}/v1/sse?${query}`;
    const wsReceived = new Received();
    let ws: WsClient | undefined;
    const connectWs = async (from: unknown) => {
      ws = new WsClient(wsUrl(), wsReceived);
      const socket = ws.socket;
      sockets.push(socket);
      await ws.opened;
      ws.send({ type: 'subscribe', streams: [stream], from });
    };
    const sse = new SseClient();
    const grpcClient = new GrpcClient(grpcPort);
    const allCaughtUp = async (what: string) => {
      const target = await framesSoFar();
      for (const [name, received] of [['ws', wsReceived], ['sse', sse.received], ['grpc', grpcClient.received]] as const) {
        await eventually(() => received.last(stream) >= target, 60_000, () => `${name} ${what}: seq ${target} (at ${received.last(stream)})`);
      }
    };

    try {
      // (c) replay from earliest into live.
      await connectWs('earliest');
      expect(await sse.open(sseUrl(`streams=${stream}&from=earliest`))).toBe(200);
      grpcClient.subscribe({ streams: [stream], from: { position: { case: 'earliest', value: true } } });
      await allCaughtUp('replay');
      await pushRounds(3);
      await allCaughtUp('live');

      // (a) each client drops and resumes by seq while records keep flowing.
      await ws?.close();
      sse.close();
      grpcClient.cancel();
      await pushRounds(3);
      await connectWs({ seq: wsReceived.last(stream) });
      expect(await sse.open(sseUrl(`streams=${stream}`))).toBe(200);
      grpcClient.subscribe({ streams: [stream], resumeAfterSeq: { [stream]: BigInt(grpcClient.received.last(stream)) } });
      await allCaughtUp('resume');

      // (b) kill -9 the edge; the pipeline keeps producing frames; a new edge; everyone resumes.
      edge.child.kill('SIGKILL');
      await edge.exited;
      await pushRounds(3);
      edge = await restartEdge();
      await connectWs({ seq: wsReceived.last(stream) });
      expect(await sse.open(sseUrl(`streams=${stream}`))).toBe(200);
      grpcClient.subscribe({ streams: [stream], resumeAfterSeq: { [stream]: BigInt(grpcClient.received.last(stream)) } });
      await pushRounds(2);
      await allCaughtUp('after the edge restart');

      const total = await framesSoFar();
      for (const received of [wsReceived, sse.received, grpcClient.received]) {
        // Every frame from seq 1, each once, in order (frames may still be arriving: at least `total`).
        expect(received.last(stream)).toBeGreaterThanOrEqual(total);
        expect(received.of(stream)).toEqual(range(1, received.last(stream)));
        expect(received.notices.filter((n) => n['type'] === 'gap')).toEqual([]);
      }
    } finally {
      sse.close();
      grpcClient.close();
    }
  });
});
