import { eventually } from '@deltastream/testing';
import { EdgeScenario, WsClient } from './edge-fixture';

const STREAM = 'sensors';
let scenario: EdgeScenario;

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
});

afterEach(async () => {
  await scenario.tearDown();
});

/** A metric's value from the edge's /metrics (summed over its label sets), NaN when absent. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0);
}

describe('replay readers (real broker)', () => {
  it('after subscribers churn through replays, the live replay consumers gauge and the broker replay groups return to 0', async () => {
    await scenario.produce(STREAM, 1, 50);
    const service = await scenario.startEdge();
    // The client's own behaviour under test: subscribe from earliest and leave 30–300 ms later, while the replay
    // reader connects or joins — by unsubscribing on one connection, and by dropping connections.
    const churner = new WsClient(scenario.wsUrl());
    await churner.opened;
    for (let i = 0; i < 20; i++) {
      churner.send({ type: 'subscribe', id: `s${i}`, streams: [STREAM], from: 'earliest' });
      await new Promise((resolve) => setTimeout(resolve, 30 + ((i * 53) % 270)));
      churner.send({ type: 'unsubscribe', id: `u${i}`, streams: [STREAM] });
    }
    for (let i = 0; i < 8; i++) {
      const client = new WsClient(scenario.wsUrl());
      await client.opened;
      client.send({ type: 'subscribe', id: `s${i}`, streams: [STREAM], from: 'earliest' });
      await new Promise((resolve) => setTimeout(resolve, 30 + ((i * 71) % 270)));
      client.socket.terminate();
    }
    churner.socket.terminate();
    expect(await metric(service.url, 'deltastream_edge_replays_total')).toBeGreaterThanOrEqual(20);
    await eventually(async () => (await metric(service.url, 'deltastream_edge_replay_consumers')) === 0, 60_000, () => 'every replay consumer stopped');
    // What the broker sees: no replay consumer group of this edge keeps a member (kafkajs restarted a consumer
    // that crashed while leaving mid-join, and nobody owned it any more).
    const admin = scenario.kafka.admin();
    await admin.connect();
    try {
      const membersLeft = async () => {
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${scenario.namespace}-delivery-edge-replay-`));
        if (groups.length === 0) return 0;
        return (await admin.describeGroups(groups)).groups.reduce((sum, g) => sum + g.members.length, 0);
      };
      await eventually(async () => (await membersLeft()) === 0, 60_000, () => 'no replay group with a member left');
      // And it stays so: a consumer restarted after a crash would rejoin within its retry backoff.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect(await membersLeft()).toBe(0);
    } finally {
      await admin.disconnect();
    }
    expect(service.child.exitCode).toBeNull();
  });
});
