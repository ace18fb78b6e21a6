import { create, toBinary } from '@bufbuild/protobuf';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, EncodedBatchSchema, KafkaHeader, PayloadEncoding, WindowBatchSchema, type TopicName, type TopicSpec, type WindowBatch } from '@deltastream/contracts';
import { deadLetterRecord, decodeRecord, recordHeaders, type OutputRecord, type PartitionHandler, type PartitionWork } from '@deltastream/kafka';
import { contextWithSpan, extractTraceContext, headerString, SpanKind, startSpan, traceIdOf, type Logger } from '@deltastream/observability';
import { compileTransforms, DeriveState, resolveReferences, type ReferenceLookup } from '@deltastream/transforms';
import { batchRecords, enrichBatch, type StreamEnrichment } from './enrich-batch';

export interface BatchStats {
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly encodedBytes: number;
  readonly jsonBytes: number;
  readonly durationMs: number;
  readonly droppedBy: Readonly<Record<string, number>>;
}

export interface EnrichingMetrics {
  batch(stream: string, stats: BatchStats): void;
  transformError(stream: string, stepType: string): void;
  deadLettered(kind: string): void;
  invalidReferenceRow(hash: string): void;
}

/** Streams not in the suite file still get encoded (unknown shapes pass through untouched). */
const passThrough = (stream: string): StreamEnrichment => ({ stream, transforms: compileTransforms([]), entityKey: 'id' });

/**
 * Window batches in, encoded batches out, in the TransactionalProcessor's transaction (so a crash never
 * shows a batch twice or loses one). Per record: transforms, then one delta-encoded payload per window.
 * A record failing a transform is dead-lettered and the rest of its window continues; an undecodable
 * record is dead-lettered whole. Redis being unreachable fails the batch, which is then read again.
 */
export class EnrichingHandler implements PartitionHandler {
  /** DeriveState per partition and stream: previous values for `derive` steps, in memory (see docs/stages/enricher.md). */
  private readonly deriveStates = new Map<number, Map<string, DeriveState>>();

  constructor(
    private readonly enrichments: ReadonlyMap<string, StreamEnrichment>,
    private readonly topics: Record<TopicName, TopicSpec>,
    private readonly references: ReferenceLookup,
    private readonly metrics: EnrichingMetrics,
    private readonly logger: Logger,
    private readonly deriveMaxEntities = 100_000,
  ) {}

  async handle(partition: number, messages: readonly KafkaMessage[]): Promise<PartitionWork> {
    const outputs: OutputRecord[] = [];
    for (const message of messages) {
      const decoded = decodeRecord(WindowBatchSchema, message.value);
      if (!decoded.ok) {
        outputs.push(this.deadLetter(message, partition, { original: message.value ?? new Uint8Array(), reason: decoded.reason, errorKind: 'decode_error', key: message.key }));
        continue;
      }
      outputs.push(...(await this.enrich(partition, message, decoded.message)));
    }
    const last = messages.at(-1);
    return { outputs, commitOffset: last ? (BigInt(last.offset) + 1n).toString() : undefined };
  }

  reset(partition: number): void {
    this.deriveStates.delete(partition);
  }

  private async enrich(partition: number, message: KafkaMessage, batch: WindowBatch): Promise<OutputRecord[]> {
    const started = performance.now();
    const enrichment = this.enrichments.get(batch.stream) ?? passThrough(batch.stream);
    const parent = extractTraceContext(message.headers);
    const span = startSpan(`enrich ${batch.stream}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'deltastream.stream': batch.stream, 'deltastream.window_id': batch.windowId, 'deltastream.event_count': batch.events.length } });
    try {
      const records = batchRecords(batch);
      const references = await resolveReferences(enrichment.transforms, records, this.references);
      const derive = enrichment.transforms.needsDeriveState ? this.deriveState(partition, batch.stream) : undefined;
      const enriched = enrichBatch(records, enrichment, { derive, references });
      const outputs: OutputRecord[] = enriched.failures.map((failure) => {
        this.metrics.transformError(batch.stream, failure.stepType ?? 'record');
        const event = batch.events[failure.index];
        return this.deadLetter(message, partition, {
          original: event ? toBinary(ChangeEventSchema, event) : new Uint8Array(),
          reason: `window ${batch.windowId}, entity ${failure.entityId}: ${failure.reason}`,
          errorKind: 'transform_error',
          key: failure.entityId,
        });
      });
      const durationMs = performance.now() - started;
      this.metrics.batch(batch.stream, { recordsIn: records.length, recordsOut: enriched.eventCount, encodedBytes: enriched.payload.byteLength, jsonBytes: enriched.jsonBytes, durationMs, droppedBy: enriched.droppedBy });
      span.setAttributes({ 'deltastream.records_out': enriched.eventCount, 'deltastream.encoded_bytes': enriched.payload.byteLength });
      // Nothing left to deliver (all filtered or failed): no frame. Window ids only need to increase downstream.
      if (enriched.eventCount === 0) return outputs;
      const encoded = create(EncodedBatchSchema, {
        windowId: batch.windowId,
        stream: batch.stream,
        windowStartMs: batch.windowStartMs,
        windowEndMs: batch.windowEndMs,
        eventCount: enriched.eventCount,
        encoding: PayloadEncoding.DELTA_V1,
        payload: enriched.payload,
        minObservedAtMs: BigInt(enriched.minObservedAtMs),
        coalescedCount: batch.coalescedCount,
        lateCount: batch.lateCount,
      });
      outputs.push({
        topic: this.topics.encoded.name,
        key: batch.stream,
        value: toBinary(EncodedBatchSchema, encoded),
        headers: recordHeaders(EncodedBatchSchema, { headers: message.headers, traceContext: contextWithSpan(span, parent) }),
      });
      return outputs;
    } finally {
      span.end();
    }
  }

  private deriveState(partition: number, stream: string): DeriveState {
    let streams = this.deriveStates.get(partition);
    if (!streams) {
      streams = new Map();
      this.deriveStates.set(partition, streams);
    }
    let state = streams.get(stream);
    if (!state) {
      state = new DeriveState({ maxEntities: this.deriveMaxEntities });
      streams.set(stream, state);
    }
    return state;
  }

  private deadLetter(message: KafkaMessage, partition: number, letter: { original: Uint8Array; reason: string; errorKind: string; key: Uint8Array | string | null }): OutputRecord {
    this.metrics.deadLettered(letter.errorKind);
    this.logger.warn({ partition, offset: message.offset, correlation_id: headerString(message.headers, KafkaHeader.correlationId), trace_id: traceIdOf(message.headers), reason: letter.reason, kind: letter.errorKind }, 'record dead-lettered');
    const { key, message: dead } = deadLetterRecord({ ...letter, topic: this.topics.windows.name, partition, offset: message.offset }, 'enricher');
    return { topic: this.topics.deadLetter.name, key, value: toBinary(DeadLetterSchema, dead), headers: recordHeaders(DeadLetterSchema, { headers: message.headers, traceContext: extractTraceContext(message.headers) }) };
  }
}
