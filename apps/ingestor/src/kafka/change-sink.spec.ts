import { create, fromBinary, toBinary, type DescMessage, type JsonObject } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { changeBatchEntries, ChangeEventBatchSchema, ChangeEventSchema, IngestKind, topicCatalog } from '@deltastream/contracts';
import type { IngestedChange } from '@deltastream/ingest';
import { recordValue, type ProtoRecord, type RecordProducer } from '@deltastream/kafka';
import { KafkaChangeSink, MAX_BATCH_RECORD_BYTES, timestamp, type SourceRecords } from './change-sink';

const topic = topicCatalog({ namespace: 'unit' }).events;

/** Keeps what was sent, as (content type, key, entity ids) per record. */
class SentRecords implements RecordProducer {
  readonly records: { type: string; key: string; entities: string[]; bytes: number }[] = [];
  connect(): Promise<void> {
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    return Promise.resolve();
  }
  async send<Desc extends DescMessage>(_topic: string, schema: Desc, records: readonly ProtoRecord<Desc>[]): Promise<void> {
    for (const record of records) {
      if (record.encoded === undefined) {
        const message = record.message as unknown as { entityId: string };
        this.records.push({ type: schema.typeName, key: record.key, entities: [message.entityId], bytes: 0 });
      } else {
        const entities = changeBatchEntries(record.encoded).map((entry) => fromBinary(ChangeEventSchema, entry).entityId);
        this.records.push({ type: schema.typeName, key: record.key, entities, bytes: record.encoded.byteLength });
      }
    }
  }
}

const change = (sourceId: string, stream: string, entityId: string, padding = 0): IngestedChange => ({
  sourceId,
  stream,
  entityId,
  version: '1',
  cursor: 'c',
  observedAtMs: 1_795_000_000_000,
  record: { id: entityId, padding: 'x'.repeat(padding) },
  recovery: false,
});

function sink(sources: Record<string, SourceRecords>) {
  const producer = new SentRecords();
  return { producer, sink: new KafkaChangeSink(producer, topic, IngestKind.POLL, new Map(Object.entries(sources))) };
}

describe('KafkaChangeSink', () => {
  it('writes a ChangeEvent record per change by default, keyed by entity or stream', async () => {
    const { producer, sink: changes } = sink({ byStream: { partitionKey: 'stream', changesPerRecord: 1, recordFormat: 'struct' } });
    await changes.publish([change('unlisted', 's', 'a'), change('byStream', 't', 'b')]);
    expect(producer.records).toEqual([
      { type: ChangeEventSchema.typeName, key: 'a', entities: ['a'], bytes: 0 },
      { type: ChangeEventSchema.typeName, key: 't', entities: ['b'], bytes: 0 },
    ]);
  });

  it('packs runs of consecutive changes sharing a key into ChangeEventBatch records, in order, up to changesPerRecord', async () => {
    const { producer, sink: changes } = sink({ packed: { partitionKey: 'stream', changesPerRecord: 3, recordFormat: 'struct' }, entities: { partitionKey: 'entity', changesPerRecord: 3, recordFormat: 'json' } });
    await changes.publish([...['a', 'b', 'c', 'd'].map((id) => change('packed', 's', id)), change('packed', 't', 'e'), change('entities', 'u', 'f'), change('entities', 'u', 'f'), change('entities', 'u', 'g')]);
    expect(producer.records.map(({ type, key, entities }) => ({ type, key, entities }))).toEqual([
      { type: ChangeEventBatchSchema.typeName, key: 's', entities: ['a', 'b', 'c'] },
      { type: ChangeEventBatchSchema.typeName, key: 's', entities: ['d'] },
      { type: ChangeEventBatchSchema.typeName, key: 't', entities: ['e'] },
      { type: ChangeEventBatchSchema.typeName, key: 'f', entities: ['f', 'f'] },
      { type: ChangeEventBatchSchema.typeName, key: 'g', entities: ['g'] },
    ]);
  });

  it('keeps every batch record under the byte cap', async () => {
    const { producer, sink: changes } = sink({ packed: { partitionKey: 'stream', changesPerRecord: 10_000, recordFormat: 'struct' } });
    const many = Array.from({ length: 300 }, (_, i) => change('packed', 's', `e${i}`, 3_000));
    await changes.publish(many);
    expect(producer.records.length).toBeGreaterThan(1);
    for (const record of producer.records) expect(record.bytes).toBeLessThanOrEqual(MAX_BATCH_RECORD_BYTES);
    expect(producer.records.flatMap((r) => r.entities)).toEqual(many.map((c) => c.entityId));
  });

  it('builds the message protobuf-es create() builds: the same bytes, with the record as a Struct or as JSON text', async () => {
    const sent: Uint8Array[] = [];
    const producer: RecordProducer = {
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      send: <Desc extends DescMessage>(_topic: string, schema: Desc, records: readonly ProtoRecord<Desc>[]) => {
        for (const record of records) sent.push(recordValue(schema, record));
        return Promise.resolve();
      },
    };
    const formats = new Map<string, SourceRecords>([['json', { partitionKey: 'entity', changesPerRecord: 1, recordFormat: 'json' }]]);
    const changes = new KafkaChangeSink(producer, topic, IngestKind.POLL, formats);
    const ms = fc.integer({ min: -8.64e15, max: 8.64e15 });
    await fc.assert(
      fc.asyncProperty(fc.record({ entityId: fc.string(), version: fc.string(), cursor: fc.string(), occurredAtMs: fc.option(ms, { nil: undefined }), observedAtMs: ms, recovery: fc.boolean(), record: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), sourceId: fc.constantFrom('struct', 'json') }), async (init) => {
        const change: IngestedChange = { stream: 's', ...init, record: init.record as IngestedChange['record'] };
        sent.length = 0;
        await changes.publish([change]);
        const expected = create(ChangeEventSchema, {
          source: init.sourceId,
          stream: 's',
          entityId: init.entityId,
          version: init.version,
          cursor: init.cursor,
          occurredAt: init.occurredAtMs === undefined ? undefined : timestampFromMs(init.occurredAtMs),
          observedAt: timestampFromMs(init.observedAtMs),
          ...(init.sourceId === 'json' ? { recordJson: JSON.stringify(init.record) } : { record: init.record as JsonObject }),
          ingestKind: init.recovery ? IngestKind.RECOVERY : IngestKind.POLL,
        });
        expect(sent).toEqual([toBinary(ChangeEventSchema, expected)]);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps whole nanoseconds for an event time with a fraction of a millisecond', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 1e13, noNaN: true }), (ms) => {
        const { seconds, nanos } = timestamp(ms);
        expect(Number.isInteger(nanos) && nanos >= 0 && nanos <= 999_999_999).toBe(true);
        expect(Math.abs(Number(seconds) * 1000 + nanos / 1e6 - ms)).toBeLessThanOrEqual(1e-3 + Math.abs(ms) * 1e-15);
      }),
    );
  });
});
