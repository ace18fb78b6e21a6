import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ChangeEventSchema, Codec, FrameSchema, topicCatalog } from '@deltastream/contracts';
import { createLogger } from '@deltastream/observability';
import { createKafkaClient, ensureTopics, ProtoProducer } from '../src';

/**
 * docs/topics.md promises that kcat + protoc + proto/ are all an internal team needs. This runs the
 * documented commands verbatim (only the topic name differs) against records the pipeline's producer wrote.
 */
const root = path.resolve(__dirname, '../../..');
const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';

function shell(command: string): string {
  return execFileSync('bash', ['-o', 'pipefail', '-c', command], { cwd: root, encoding: 'utf8', timeout: 30_000 });
}

describe('the kcat + protoc recipe in docs/topics.md', () => {
  beforeAll(() => {
    for (const tool of ['kcat', 'protoc']) {
      try {
        execFileSync('bash', ['-c', `command -v ${tool}`]);
      } catch {
        throw new Error(`${tool} is not installed (Debian: apt-get install kcat protobuf-compiler; .ci/run installs them)`);
      }
    }
  });

  it('decodes a frame and a change event with nothing but the .proto files', async () => {
    const namespace = `it-kcat-${randomUUID().slice(0, 8)}`;
    const topics = topicCatalog({ namespace, partitions: 1 });
    const logger = createLogger('kcat-it', 'warn');
    const kafka = createKafkaClient({ clientId: 'kcat-it', brokers: brokers.split(','), logger });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topics.frames, topics.events], logger);
    const producer = new ProtoProducer(kafka);
    await producer.connect();
    await producer.send(topics.frames.name, FrameSchema, [
      { key: 'sensors', message: create(FrameSchema, { stream: 'sensors', seq: 42n, codec: Codec.ZSTD, rawSize: 6, payload: new Uint8Array([1, 2, 3, 0, 10, 13]), windowId: 'sensors/0/0/0' }) },
    ]);
    await producer.send(topics.events.name, ChangeEventSchema, [
      { key: 'sensor-007', message: create(ChangeEventSchema, { source: 'demo-sensors', stream: 'sensors', entityId: 'sensor-007', version: '12', observedAt: timestampFromMs(0), record: { temperature: 21.5 } }) },
    ]);
    await producer.disconnect();
    await admin.disconnect();

    const frame = shell(
      `kcat -b ${brokers} -C -t ${topics.frames.name} -o -5 -e -D '' -f '%s' -c 1 | protoc --proto_path=proto --decode=deltastream.v1.Frame deltastream/v1/frame.proto`,
    );
    expect(frame).toContain('stream: "sensors"');
    expect(frame).toContain('seq: 42');
    expect(frame).toContain('codec: CODEC_ZSTD');
    expect(frame).toContain('window_id: "sensors/0/0/0"');

    const headers = shell(`kcat -b ${brokers} -C -t ${topics.events.name} -o -3 -e -f 'key=%k headers=%h\\n'`);
    expect(headers).toMatch(/key=sensor-007 headers=.*traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]/);
    expect(headers).toContain('content-type=application/x-protobuf; messageType=deltastream.v1.ChangeEvent');

    const event = shell(
      `kcat -b ${brokers} -C -t ${topics.events.name} -o -1 -e -c 1 -f '%s' | protoc --proto_path=proto --decode=deltastream.v1.ChangeEvent deltastream/v1/event.proto`,
    );
    expect(event).toContain('entity_id: "sensor-007"');
    expect(event).toMatch(/string_value: "temperature"|key: "temperature"/);
  });
});
