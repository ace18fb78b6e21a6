import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, EncodedBatchSchema, topicCatalog, WindowBatchSchema } from '@deltastream/contracts';
import { decodeRecords } from '@deltastream/delta-codec';
import { createLogger } from '@deltastream/observability';
import { compileTransforms } from '@deltastream/transforms';
import type { StreamEnrichment } from './enrich-batch';
import { EnrichingHandler, type EnrichingMetrics } from './enriching.handler';

const T0 = Date.UTC(2026, 0, 1);
const topics = topicCatalog({ namespace: 'unit' });
const logger = createLogger('enricher-unit', 'silent');
const metrics: EnrichingMetrics = { batch: () => undefined, transformError: () => undefined, deadLettered: () => undefined, invalidReferenceRow: () => undefined, deriveCheckpoint: () => undefined };
const noReferences = { lookup: async () => new Map() };

const enrichments = new Map<string, StreamEnrichment>([
  ['sensors', { stream: 'sensors', entityKey: 'id', transforms: compileTransforms([{ type: 'derive', field: 't', difference: 'dt', rate: { as: 't_per_s', per: 'second' } }]) }],
]);

function message(offset: number, temperatures: Record<string, number>): KafkaMessage {
  const start = T0 + offset * 1000;
  const batch = create(WindowBatchSchema, {
    windowId: `sensors/${start}/0/0`,
    stream: 'sensors',
    events: Object.entries(temperatures).map(([id, t]) => create(ChangeEventSchema, { stream: 'sensors', entityId: id, occurredAt: timestampFromMs(start), observedAt: timestampFromMs(start), record: { id, t } })),
  });
  return { key: Buffer.from('sensors'), value: Buffer.from(toBinary(WindowBatchSchema, batch)), offset: String(offset), timestamp: String(start), attributes: 0, headers: {} } as KafkaMessage;
}

function handler(committed: () => string | undefined, checkpointMaxBytes = 4000) {
  return new EnrichingHandler(enrichments, topics, noReferences, metrics, logger, { maxEntities: 1000, checkpointMaxBytes, loadCommitted: async () => committed() });
}

const encodedRecords = (work: { outputs: readonly { topic: string; value: Uint8Array }[] }) =>
  work.outputs.filter((o) => o.topic === topics.encoded.name).flatMap((o) => decodeRecords(fromBinary(EncodedBatchSchema, o.value).payload));

describe('EnrichingHandler derive state', () => {
  it('commits the derive state with the offset and resumes from it after a restart or rebalance', async () => {
    const committed: { metadata?: string } = {};
    const first = handler(() => committed.metadata);
    const w1 = await first.handle(0, [message(0, { a: 20, b: 10 })]);
    expect(encodedRecords(w1)).toEqual([{ id: 'a', t: 20 }, { id: 'b', t: 10 }]);
    committed.metadata = w1.commitMetadata;
    expect(w1.commitOffset).toBe('1');

    // A new instance (restart) and a reset one (rebalance) both pick up where the commit left off.
    const restarted = handler(() => committed.metadata);
    expect(encodedRecords(await restarted.handle(0, [message(2, { a: 21, b: 9 })]))).toEqual([
      { id: 'a', t: 21, dt: 1, t_per_s: 0.5 },
      { id: 'b', t: 9, dt: -1, t_per_s: -0.5 },
    ]);
    first.reset(0);
    expect(encodedRecords(await first.handle(0, [message(2, { a: 21 })]))).toEqual([{ id: 'a', t: 21, dt: 1, t_per_s: 0.5 }]);
  });

  it('without a checkpoint (disabled, or nothing committed) the first record per entity has no derived fields', async () => {
    const work = await handler(() => undefined, 0).handle(0, [message(0, { a: 20 })]);
    expect(work.commitMetadata).toBeUndefined();
    expect(encodedRecords(await handler(() => work.commitMetadata, 0).handle(0, [message(1, { a: 25 })]))).toEqual([{ id: 'a', t: 25 }]);
  });

  it('dead-letters an undecodable window and still encodes (and checkpoints) the rest of the batch', async () => {
    const poison = { ...message(1, {}), value: Buffer.from('not protobuf \u0000\u0001') } as KafkaMessage;
    const work = await handler(() => undefined).handle(0, [message(0, { a: 1 }), poison, message(2, { a: 3 })]);
    expect(encodedRecords(work)).toEqual([{ id: 'a', t: 1 }, { id: 'a', t: 3, dt: 2, t_per_s: 1 }]);
    const letters = work.outputs.filter((o) => o.topic === topics.deadLetter.name).map((o) => fromBinary(DeadLetterSchema, o.value));
    expect(letters.map((l) => [l.errorKind, l.offset])).toEqual([['decode_error', 1n]]);
    expect(work.commitOffset).toBe('3');
    expect(work.commitMetadata).toMatch(/^d1:/);
  });

  it('dead-letters an event whose record_json is not a JSON object alone; the window goes on', async () => {
    const batch = create(WindowBatchSchema, {
      windowId: `sensors/${T0}/0/0`,
      stream: 'sensors',
      events: [
        create(ChangeEventSchema, { stream: 'sensors', entityId: 'a', observedAt: timestampFromMs(T0), recordJson: '{"id":"a","t":1}' }),
        create(ChangeEventSchema, { stream: 'sensors', entityId: 'b', observedAt: timestampFromMs(T0), recordJson: '{"id":"b","t":' }),
        create(ChangeEventSchema, { stream: 'sensors', entityId: 'c', observedAt: timestampFromMs(T0), recordJson: '{"id":"c","t":3}' }),
      ],
    });
    const value = Buffer.from(toBinary(WindowBatchSchema, batch));
    const work = await handler(() => undefined).handle(0, [{ key: Buffer.from('sensors'), value, offset: '0', timestamp: String(T0), attributes: 0, headers: {} } as KafkaMessage]);
    expect(encodedRecords(work)).toEqual([{ id: 'a', t: 1 }, { id: 'c', t: 3 }]);
    const letters = work.outputs.filter((o) => o.topic === topics.deadLetter.name).map((o) => fromBinary(DeadLetterSchema, o.value));
    expect(letters.map((l) => [l.errorKind, l.reason.replace(/: .*$/s, '')])).toEqual([['invalid_event', `window sensors/${T0}/0/0, entity b`]]);
    expect(fromBinary(ChangeEventSchema, letters[0]?.original ?? new Uint8Array()).recordJson).toBe('{"id":"b","t":');
  });
});
