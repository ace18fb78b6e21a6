import { eventually } from '@deltastream/testing';
import { EdgeScenario, WsClient, range } from './edge-fixture';

const STREAM = 'sensors';
const FRAMES = 1500;
const PADDING = 12_000; // ~16 KiB per frame, ~24 MiB in all: far beyond socket buffers and queue caps
let scenario: EdgeScenario;
const sockets: WsClient[] = [];

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  for (const client of sockets.splice(0)) client.socket.terminate();
  await scenario.tearDown();
});

async function subscriber(policy: string, slow: boolean): Promise<WsClient> {
  const client = new WsClient(scenario.wsUrl());
  sockets.push(client);
  await client.opened;
  client.send({ type: 'subscribe', streams: [STREAM], from: 'latest', policy });
  await eventually(() => client.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => `${policy} subscribed`);
  // Stop reading: the edge's socket buffer fills, then its queue for this client.
  if (slow) client.socket.pause();
  return client;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? NaN;

describe('delivery edge: slow consumers (real broker)', () => {
  it('coalesces, drops with a gap notice or disconnects slow clients by policy while a fast client keeps up; memory stays bounded', async () => {
    // A long heartbeat: a client that reads nothing for two intervals counts as dead and is terminated (1006)
    // before it could read its 4008; here the slow clients resume reading well within it.
    await scenario.startEdge({ EDGE_QUEUE_BYTES: String(4 * 1024 * 1024), EDGE_SOCKET_HIGH_WATER_BYTES: String(128 * 1024), EDGE_HEARTBEAT_MS: '60000', LOG_LEVEL: 'warn' });
    const fast = await subscriber('coalesce', false);
    const coalesce = await subscriber('coalesce', true);
    const dropOldest = await subscriber('drop-oldest', true);
    const disconnect = await subscriber('disconnect', true);
    const rssBefore = scenario.rssKiB();

    let peakRss = rssBefore;
    let peakQueued = 0;
    const queuedBytes = async () => {
      const text = await (await fetch(`${scenario.service?.url}/metrics`)).text();
      return Number(/^deltastream_edge_queued_bytes\{[^}]*protocol="ws"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    // Bursts of 40 frames (~640 KiB) stay well inside a reading client's 4 MiB queue.
    for (let from = 1; from <= FRAMES; from += 40) {
      await scenario.produce(STREAM, from, Math.min(FRAMES, from + 39), { padding: PADDING, perFrame: 1 });
      peakRss = Math.max(peakRss, scenario.rssKiB());
      peakQueued = Math.max(peakQueued, await queuedBytes());
    }
    await eventually(() => fast.received.last(STREAM) === FRAMES, 60_000, () => `the fast client to get every frame (at ${fast.received.last(STREAM)})`);
    const rssAfter = scenario.rssKiB();
    // The fast client got every frame, in order, while three clients on the same process were stuck.
    expect(fast.received.of(STREAM)).toEqual(range(1, FRAMES));
    const latency = { p50: percentile(fast.received.latencies, 50), p99: percentile(fast.received.latencies, 99), max: Math.max(...fast.received.latencies) };

    for (const client of [coalesce, dropOldest, disconnect]) client.socket.resume();
    expect(await disconnect.closed).toBe(4008);

    // coalesce: every seq arrives either as a frame or inside a snapshot; seqs only move forward; no gap.
    await eventually(() => coalesce.received.last(STREAM) === FRAMES || coalesce.received.notices.some((n) => n['type'] === 'snapshot' && n['asOfSeq'] === FRAMES), 60_000, () => 'coalesce client to catch up');
    const snapshots = coalesce.received.notices.filter((n) => n['type'] === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    expect(coalesce.received.notices.filter((n) => n['type'] === 'gap')).toEqual([]);
    const coalesceSeqs = coalesce.received.of(STREAM);
    expect(coalesceSeqs).toEqual([...coalesceSeqs].sort((a, b) => a - b));
    for (const snapshot of snapshots) {
      expect(coalesceSeqs.includes(snapshot['asOfSeq'] as number)).toBe(false);
      expect((snapshot['records'] as unknown[]).length).toBeGreaterThan(0);
    }
    expect(coalesceSeqs.length).toBeLessThan(FRAMES);

    // drop-oldest: frames + gap notices account for every seq exactly once, in order.
    await eventually(() => dropOldest.received.last(STREAM) === FRAMES, 60_000, () => 'drop-oldest client to catch up');
    const gaps = dropOldest.received.notices.filter((n) => n['type'] === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    const covered = [...dropOldest.received.of(STREAM)];
    for (const gap of gaps) {
      expect(gap['reason']).toBe('slow_consumer');
      covered.push(...range(gap['firstMissingSeq'] as number, gap['lastMissingSeq'] as number));
    }
    expect(covered.sort((a, b) => a - b)).toEqual(range(1, FRAMES));

    const metrics = await (await fetch(`${scenario.service?.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_edge_slow_disconnects_total\{[^}]*protocol="ws"[^}]*\} 1/);
    expect(metrics).toMatch(/deltastream_edge_dropped_frames_total\{[^}]*protocol="ws"/);
    expect(metrics).toMatch(/deltastream_edge_coalesced_frames_total\{[^}]*protocol="ws"/);
    // Bounded: ~24 MiB went through while three clients read nothing; growth stays far below that times three.
    const growthMiB = (peakRss - rssBefore) / 1024;
    process.stdout.write(
      `slow-consumer run: ${FRAMES} frames × ~16 KiB; edge RSS before ${(rssBefore / 1024).toFixed(1)} MiB, peak ${(peakRss / 1024).toFixed(1)} MiB, after ${(rssAfter / 1024).toFixed(1)} MiB; ` +
        `fast client latency p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; coalesce got ${coalesceSeqs.length} frames + ${snapshots.length} snapshots; drop-oldest ${gaps.length} gap notices; peak queued ${(peakQueued / 1048576).toFixed(1)} MiB\n`,
    );
    expect(growthMiB).toBeLessThan(150);
    // The queues themselves (the edge's own gauge, sampled after every burst): at most the three slow clients'
    // 4 MiB caps, while unbounded queues would have held everything sent to them (~24 MiB each, ~72 MiB).
    const unboundedBytes = 3 * FRAMES * (PADDING * (4 / 3));
    expect(peakQueued).toBeGreaterThan(0);
    expect(peakQueued).toBeLessThanOrEqual(3 * 4 * 1024 * 1024);
    expect(peakQueued).toBeLessThan(unboundedBytes / 5);
  });
});
