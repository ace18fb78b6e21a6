import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { createLogger } from '@deltastream/observability';
import { createKafkaClient, TransactionalProcessor, type PartitionHandler, type PartitionWork } from '../src';

const logger = createLogger('tx-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

async function eventually(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Upper-cases each input value; optionally fails the first time it sees `poison`. */
class EchoHandler implements PartitionHandler {
  failOnce: string | undefined;
  resets = 0;
  constructor(private readonly outputTopic: string) {}
  handle(_partition: number, messages: readonly KafkaMessage[]): PartitionWork {
    const values = messages.map((m) => m.value?.toString() ?? '');
    if (this.failOnce !== undefined && values.includes(this.failOnce)) {
      this.failOnce = undefined;
      throw new Error('injected failure');
    }
    const last = messages.at(-1);
    return {
      outputs: values.map((v) => ({ topic: this.outputTopic, key: v, value: Buffer.from(v.toUpperCase()) })),
      commitOffset: last ? (BigInt(last.offset) + 1n).toString() : undefined,
      commitMetadata: JSON.stringify({ last: values.at(-1) }),
    };
  }
  reset(): void {
    this.resets += 1;
  }
}

describe('TransactionalProcessor against the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafkaClient({ clientId: 'tx-it', brokers, logger });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(() => admin.disconnect());

  async function readCommitted(topic: string): Promise<{ values: string[]; stop: () => Promise<void> }> {
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
    return { values, stop: () => consumer.disconnect() };
  }

  it('produces each output exactly once across a failed batch and a restart of the stage', async () => {
    const id = randomUUID().slice(0, 8);
    const input = `it.tx-in.${id}`;
    const output = `it.tx-out.${id}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: 2 }, { topic: output, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    const send = (values: string[]) => producer.send({ topic: input, messages: values.map((v) => ({ key: v, value: v })) });

    const handler = new EchoHandler(output);
    handler.failOnce = 'm3';
    const options = { kafka, groupId: `g-${id}`, inputTopic: input, transactionalIdPrefix: `tx-${id}`, handler, logger, tickMs: 100 };
    const first = new TransactionalProcessor(options);
    await first.start();
    const reader = await readCommitted(output);
    await send(['m1', 'm2', 'm3', 'm4']);
    await eventually(() => reader.values.length >= 4, 30_000, () => `4 outputs (have ${reader.values.join(',')})`);
    await first.stop();

    const second = new TransactionalProcessor({ ...options, handler: new EchoHandler(output) });
    await second.start();
    await send(['m5']);
    await eventually(() => reader.values.includes('M5'), 30_000, () => 'M5');
    const metadata = await Promise.all([0, 1].map((p) => second.committedMetadata(p)));
    expect(metadata.map((m) => (m ? (JSON.parse(m) as { last: string }).last : undefined)).sort()).toEqual(expect.arrayContaining(['m5']));
    await second.stop();
    await producer.disconnect();
    await reader.stop();

    expect([...reader.values].sort()).toEqual(['M1', 'M2', 'M3', 'M4', 'M5']);
    expect(handler.failOnce).toBeUndefined();
    expect(handler.resets).toBeGreaterThan(0);
  });
});
