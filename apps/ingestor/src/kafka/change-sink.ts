import { create, type JsonObject as ProtoJsonObject } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ChangeEventSchema, IngestKind, type TopicSpec } from '@deltastream/contracts';
import type { ChangeSink, IngestedChange } from '@deltastream/ingest';
import type { RecordProducer } from '@deltastream/kafka';

/** Publishes changes as ChangeEvents on the events topic, keyed by stream or entity id per source (acks=all). */
export class KafkaChangeSink implements ChangeSink {
  constructor(
    private readonly producer: RecordProducer,
    private readonly topic: TopicSpec,
    private readonly kind: IngestKind = IngestKind.POLL,
    /** The record key per source (see the source's `partitionKey`); the entity id when not listed. */
    private readonly keyBySource: ReadonlyMap<string, 'stream' | 'entity'> = new Map(),
  ) {}

  async publish(changes: readonly IngestedChange[]): Promise<void> {
    await this.producer.send(
      this.topic.name,
      ChangeEventSchema,
      changes.map((change) => ({
        key: this.keyBySource.get(change.sourceId) === 'stream' ? change.stream : change.entityId,
        message: create(ChangeEventSchema, {
          source: change.sourceId,
          stream: change.stream,
          entityId: change.entityId,
          version: change.version,
          cursor: change.cursor,
          occurredAt: change.occurredAtMs === undefined ? undefined : timestampFromMs(change.occurredAtMs),
          observedAt: timestampFromMs(change.observedAtMs),
          record: change.record as ProtoJsonObject,
          ingestKind: change.recovery && this.kind === IngestKind.POLL ? IngestKind.RECOVERY : this.kind,
        }),
      })),
    );
  }
}
