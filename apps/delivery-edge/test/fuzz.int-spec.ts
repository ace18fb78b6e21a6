import fc from 'fast-check';
import { eventually } from '@deltastream/testing';
import { EdgeScenario, WsClient } from './edge-fixture';

let scenario: EdgeScenario;
const sockets: WsClient[] = [];

beforeAll(async () => {
  scenario = await new EdgeScenario().setUp();
  await scenario.produce('sensors', 1, 5);
  await scenario.startEdge({ LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  for (const client of sockets.splice(0)) client.socket.terminate();
  await scenario.tearDown();
});

const streamName = fc.oneof(fc.constantFrom('sensors', 'trades', 'nope', ''), fc.string({ maxLength: 80 }));
const from = fc.oneof(
  fc.constantFrom('latest', 'earliest', 'soon'),
  fc.record({ seq: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double(), fc.string()) }),
  fc.record({ time: fc.oneof(fc.integer(), fc.string(), fc.constant('2026-01-01T00:00:00Z')) }),
  fc.anything(),
);
const subscribeLike = fc.record(
  {
    type: fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'SUBSCRIBE', 'other'),
    id: fc.oneof(fc.string({ maxLength: 200 }), fc.integer()),
    streams: fc.oneof(fc.array(streamName, { maxLength: 5 }), fc.anything()),
    from,
    resume: fc.dictionary(streamName, fc.oneof(fc.integer({ min: -1, max: 10 }), fc.anything()), { maxKeys: 3 }),
    entities: fc.array(fc.string({ maxLength: 300 }), { maxLength: 5 }),
    fields: fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('__proto__')), { maxLength: 5 }),
    codecs: fc.array(fc.oneof(fc.constantFrom('zstd', 'gzip', 'br'), fc.string()), { maxLength: 5 }),
    policy: fc.oneof(fc.constantFrom('coalesce', 'drop-oldest', 'disconnect'), fc.string()),
    snapshot: fc.anything(),
    fileds: fc.anything(),
  },
  { requiredKeys: ['type'] },
);
const controlMessage = fc.oneof(
  fc.constantFrom(
    { text: JSON.stringify({ type: 'subscribe', streams: ['sensors'], from: 'earliest', policy: 'drop-oldest' }) },
    { text: JSON.stringify({ type: 'unsubscribe', streams: ['trades'] }) },
    { text: JSON.stringify({ type: 'ping', id: 'p' }) },
  ),
  subscribeLike.map((value) => ({ text: JSON.stringify(value) })),
  fc.json().map((text) => ({ text })),
  fc.string({ maxLength: 500 }).map((text) => ({ text })),
  fc.uint8Array({ maxLength: 500 }).map((bytes) => ({ bytes })),
);

describe('delivery edge: hostile control messages over a real WebSocket', () => {
  it('never crash the process: each is answered or closed with a delivery close code', async () => {
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(controlMessage, async (message) => {
        const client = new WsClient(scenario.wsUrl());
        sockets.push(client);
        await client.opened;
        if ('bytes' in message) client.socket.send(message.bytes, { binary: true });
        else client.socket.send(message.text);
        client.send({ type: 'ping', id: 'after' });
        await eventually(() => client.closeCode !== undefined || client.received.notices.some((n) => n['type'] === 'pong'), 10_000, () => `an answer to ${JSON.stringify(message).slice(0, 200)}`);
        if (client.closeCode !== undefined) {
          codes.set(client.closeCode, (codes.get(client.closeCode) ?? 0) + 1);
          expect([1007, 4400, 4403, 4404]).toContain(client.closeCode);
        }
        client.socket.terminate();
      }),
      { numRuns: 300 },
    );
    expect(scenario.service?.child.exitCode).toBeNull();
    expect((await fetch(`${scenario.service?.url}/healthz`)).status).toBe(200);
    // The process still delivers.
    const after = new WsClient(scenario.wsUrl());
    sockets.push(after);
    await after.opened;
    after.send({ type: 'subscribe', streams: ['sensors'], from: 'earliest' });
    await eventually(() => after.received.last('sensors') === 5, 15_000, () => 'frames after the fuzzing');
    process.stdout.write(`fuzz close codes: ${JSON.stringify([...codes])}\n`);
  });

  it('closes an oversized control message with 1009', async () => {
    const client = new WsClient(scenario.wsUrl());
    sockets.push(client);
    await client.opened;
    client.send({ type: 'subscribe', streams: ['sensors'], entities: Array.from({ length: 900 }, (_, i) => `${i}`.padStart(80, 'x')) });
    expect(await client.closed).toBe(1009);
    expect(scenario.service?.child.exitCode).toBeNull();
  });
});
