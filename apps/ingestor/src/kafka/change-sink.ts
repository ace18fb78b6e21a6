import type { JsonObject as ProtoJsonObject } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { changeBatchEntrySize, ChangeEventBatchSchema, ChangeEventSchema, encodeChangeEvent, encodeChangeEventBatch, IngestKind, type ChangeEvent, type TopicSpec } from '@deltastream/contracts';
import type { ChangeSink, IngestedChange } from '@deltastream/ingest';
import type { RecordProducer } from '@deltastream/kafka';

/** How a source's changes become records (the source's `partitionKey`, `changesPerRecord` and `recordFormat`). */
export interface SourceRecords {
  readonly partitionKey: 'stream' | 'entity';
  readonly changesPerRecord: number;
  readonly recordFormat: 'struct' | 'json';
}

/** A ChangeEventBatch record stays well under the broker's 1 MiB message limit and the producer's 512 KiB requests. */
export const MAX_BATCH_RECORD_BYTES = 256 * 1024;

const ONE_PER_RECORD: SourceRecords = { partitionKey: 'entity', changesPerRecord: 1, recordFormat: 'struct' };

/**
 * Publishes changes on the events topic (acks=all), keyed by stream or entity id per source: a ChangeEvent
 * record per change, or — for a source with changesPerRecord > 1 — ChangeEventBatch records, each a run of
 * consecutive changes sharing a key (so per-key order is the record order, as before).
 */
export class KafkaChangeSink implements ChangeSink {
  constructor(
    private readonly producer: RecordProducer,
    private readonly topic: TopicSpec,
    private readonly kind: IngestKind = IngestKind.POLL,
    /** Per source id; a source not listed gets a record per change, keyed by entity id. */
    private readonly sources: ReadonlyMap<string, SourceRecords> = new Map(),
  ) {}

  async publish(changes: readonly IngestedChange[]): Promise<void> {
    const single: { key: string; message: ChangeEvent }[] = [];
    const runs = new RunPacker();
    for (const change of changes) {
      const shape = this.sources.get(change.sourceId) ?? ONE_PER_RECORD;
      const key = shape.partitionKey === 'stream' ? change.stream : change.entityId;
      const event = this.changeEvent(change, shape.recordFormat);
      if (shape.changesPerRecord === 1) single.push({ key, message: event });
      else runs.add(key, encodeChangeEvent(event), shape.changesPerRecord);
    }
    // A source's changes all take one of the two paths, so sending the two lists apart keeps every key's order.
    if (single.length > 0) await this.producer.send(this.topic.name, ChangeEventSchema, single);
    const batches = runs.finish();
    if (batches.length > 0) await this.producer.send(this.topic.name, ChangeEventBatchSchema, batches);
  }

  /**
   * The ChangeEvent of a change, built as a plain message object: protobuf-es' create() walks the schema
   * for every field of every change (~5% of the ingestor's CPU); the shape is the same (spec-checked).
   * The record goes as a Struct or as its JSON text (native JSON.stringify: several times cheaper to
   * write, and for the windower and the enricher to read, than a Struct).
   */
  private changeEvent(change: IngestedChange, format: SourceRecords['recordFormat']): ChangeEvent {
    return {
      $typeName: ChangeEventSchema.typeName,
      source: change.sourceId,
      stream: change.stream,
      entityId: change.entityId,
      version: change.version,
      cursor: change.cursor,
      occurredAt: change.occurredAtMs === undefined ? undefined : timestamp(change.occurredAtMs),
      observedAt: timestamp(change.observedAtMs),
      record: format === 'struct' ? (change.record as ProtoJsonObject) : undefined,
      ingestKind: change.recovery && this.kind === IngestKind.POLL ? IngestKind.RECOVERY : this.kind,
      recordJson: format === 'json' ? JSON.stringify(change.record) : '',
      deleted: change.deleted === true,
    };
  }
}

/**
 * protobuf-es' timestampFromMs without create(), and with whole nanos: an upstream epoch-ms field may carry
 * a fraction (1700000000000.5), which timestampFromMs turns into fractional nanos no encoder accepts.
 */
export function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { $typeName: TimestampSchema.typeName, seconds: BigInt(seconds), nanos: Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1_000_000)) };
}

/** Packs encoded changes into ChangeEventBatch records: a run ends at another key, at the count cap or at the byte cap. */
class RunPacker {
  private readonly records: { key: string; encoded: Uint8Array }[] = [];
  private key = '';
  private run: Uint8Array[] = [];
  private runBytes = 0;

  add(key: string, event: Uint8Array, maxChanges: number): void {
    const size = changeBatchEntrySize(event.byteLength);
    if (this.run.length > 0 && (key !== this.key || this.run.length >= maxChanges || this.runBytes + size > MAX_BATCH_RECORD_BYTES)) this.close();
    this.key = key;
    this.run.push(event);
    this.runBytes += size;
  }

  finish(): { key: string; encoded: Uint8Array }[] {
    if (this.run.length > 0) this.close();
    return this.records;
  }

  private close(): void {
    this.records.push({ key: this.key, encoded: encodeChangeEventBatch(this.run) });
    this.run = [];
    this.runBytes = 0;
  }
}
