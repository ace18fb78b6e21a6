import { create, toBinary } from '@bufbuild/protobuf';
import type { KafkaMessage } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, EncodedBatchSchema, KafkaHeader, PayloadEncoding, readWindowBatch, WindowBatchSchema, type TopicName, type TopicSpec, type WindowBatch } from '@deltastream/contracts';
import { deadLetterRecord, decodeRecord, recordHeaders, type DecodeResult, type OutputRecord, type PartitionHandler, type PartitionWork } from '@deltastream/kafka';
import { contextWithSpan, extractTraceContext, headerString, SpanKind, startSpan, traceIdOf, type Logger } from '@deltastream/observability';
import { compileTransforms, DeriveState, resolveReferences, type ReferenceLookup } from '@deltastream/transforms';
import { batchRecords, enrichBatch, type StreamEnrichment } from './enrich-batch';
import { checkpointDeriveStates, deriveFingerprint, restoreDeriveStates } from './derive-checkpoint';

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
  /** Size of the derive checkpoint committed with a partition's offset, and streams left out of it. */
  deriveCheckpoint(bytes: number, skipped: readonly string[]): void;
}

export interface DeriveOptions {
  /** Entities remembered per stream and partition. */
  readonly maxEntities: number;
  /** Budget of the derive checkpoint in the offset metadata (≤ the broker's offset.metadata.max.bytes); 0: none. */
  readonly checkpointMaxBytes: number;
  /** The metadata committed with a partition's offset (read as its owner, after fencing the previous one). */
  readonly loadCommitted: (partition: number) => Promise<string | undefined>;
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
  /**
   * DeriveState per partition and stream: previous values for `derive` steps. Restored from the offset
   * metadata on the first batch after an assignment or a failure, and checkpointed with every commit
   * while it fits (see derive-checkpoint.ts and docs/stages/enricher.md).
   */
  private readonly deriveStates = new Map<number, Map<string, DeriveState>>();
  /** Streams with derive steps → fingerprint of those steps; empty: no derive state at all. */
  private readonly deriveFingerprints: ReadonlyMap<string, string>;
  /** Streams whose state was left out of the last checkpoint, per partition (to log changes, not every batch). */
  private readonly uncheckpointed = new Map<number, string>();

  constructor(
    private readonly enrichments: ReadonlyMap<string, StreamEnrichment>,
    private readonly topics: Record<TopicName, TopicSpec>,
    private readonly references: ReferenceLookup,
    private readonly metrics: EnrichingMetrics,
    private readonly logger: Logger,
    private readonly derive: DeriveOptions,
  ) {
    this.deriveFingerprints = new Map([...enrichments].filter(([, e]) => e.transforms.needsDeriveState).map(([stream, e]) => [stream, deriveFingerprint(e.transforms)]));
  }

  async handle(partition: number, messages: readonly KafkaMessage[]): Promise<PartitionWork> {
    // Before anything else: every commit of this partition carries its whole derive checkpoint, so the
    // committed one must be loaded first or the next commit would overwrite it with an empty state.
    if (this.deriveFingerprints.size > 0 && !this.deriveStates.has(partition)) await this.restoreDerive(partition);
    const outputs: OutputRecord[] = [];
    for (const message of messages) {
      const decoded = decodeWindowBatch(message.value);
      if (!decoded.ok) {
        outputs.push(this.deadLetter(message, partition, { original: message.value ?? new Uint8Array(), reason: decoded.reason, errorKind: 'decode_error', key: message.key }));
        continue;
      }
      outputs.push(...(await this.enrich(partition, message, decoded.message)));
    }
    const last = messages.at(-1);
    return { outputs, commitOffset: last ? (BigInt(last.offset) + 1n).toString() : undefined, commitMetadata: this.checkpointDerive(partition) };
  }

  reset(partition: number): void {
    this.deriveStates.delete(partition);
    this.uncheckpointed.delete(partition);
  }

  private async restoreDerive(partition: number): Promise<void> {
    const metadata = this.derive.checkpointMaxBytes > 0 ? await this.derive.loadCommitted(partition) : undefined;
    const { states, problems } = restoreDeriveStates(metadata, this.deriveFingerprints, this.derive.maxEntities);
    if (problems.length > 0) this.logger.warn({ partition, problems }, 'derive state not (fully) restored: first records per entity get no derived fields');
    this.logger.info({ partition, streams: Object.fromEntries([...states].map(([stream, state]) => [stream, state.size])) }, 'derive state restored from the committed offset');
    this.deriveStates.set(partition, states);
  }

  private checkpointDerive(partition: number): string | undefined {
    if (this.deriveFingerprints.size === 0 || this.derive.checkpointMaxBytes === 0) return undefined;
    const states = new Map([...(this.deriveStates.get(partition) ?? [])].map(([stream, state]) => [stream, { state, fingerprint: this.deriveFingerprints.get(stream) ?? '' }]));
    const { metadata, skipped } = checkpointDeriveStates(states, this.derive.checkpointMaxBytes);
    this.metrics.deriveCheckpoint(Buffer.byteLength(metadata), skipped);
    const key = skipped.join(',');
    if (key !== (this.uncheckpointed.get(partition) ?? '')) {
      if (skipped.length > 0) this.logger.warn({ partition, skipped, maxBytes: this.derive.checkpointMaxBytes }, 'derive state too large for the offset metadata: these streams restart without previous values');
      this.uncheckpointed.set(partition, key);
    }
    return metadata;
  }

  private async enrich(partition: number, message: KafkaMessage, batch: WindowBatch): Promise<OutputRecord[]> {
    const started = performance.now();
    const enrichment = this.enrichments.get(batch.stream) ?? passThrough(batch.stream);
    const parent = extractTraceContext(message.headers);
    const span = startSpan(`enrich ${batch.stream}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'deltastream.stream': batch.stream, 'deltastream.window_id': batch.windowId, 'deltastream.event_count': batch.events.length } });
    try {
      const { records, unreadable } = batchRecords(batch);
      const references = await resolveReferences(enrichment.transforms, records, this.references);
      const derive = enrichment.transforms.needsDeriveState ? this.deriveState(partition, batch.stream) : undefined;
      const enriched = enrichBatch(records, enrichment, { derive, references });
      const outputs: OutputRecord[] = unreadable.map((bad) => this.deadLetterEvent(message, partition, batch, bad, 'invalid_event'));
      for (const failure of enriched.failures) {
        this.metrics.transformError(batch.stream, failure.stepType ?? 'record');
        outputs.push(this.deadLetterEvent(message, partition, batch, failure, 'transform_error'));
      }
      const durationMs = performance.now() - started;
      this.metrics.batch(batch.stream, { recordsIn: batch.events.length, recordsOut: enriched.eventCount, encodedBytes: enriched.payload.byteLength, jsonBytes: enriched.jsonBytes, durationMs, droppedBy: enriched.droppedBy });
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
      state = new DeriveState({ maxEntities: this.derive.maxEntities });
      streams.set(stream, state);
    }
    return state;
  }

  /** One event of a window batch to the dead-letter topic, as its ChangeEvent. */
  private deadLetterEvent(message: KafkaMessage, partition: number, batch: WindowBatch, bad: { index: number; entityId: string; reason: string }, errorKind: string): OutputRecord {
    const event = batch.events[bad.index];
    return this.deadLetter(message, partition, {
      original: event ? toBinary(ChangeEventSchema, event) : new Uint8Array(),
      reason: `window ${batch.windowId}, entity ${bad.entityId}: ${bad.reason}`,
      errorKind,
      key: bad.entityId,
    });
  }

  private deadLetter(message: KafkaMessage, partition: number, letter: { original: Uint8Array; reason: string; errorKind: string; key: Uint8Array | string | null }): OutputRecord {
    this.metrics.deadLettered(letter.errorKind);
    this.logger.warn({ partition, offset: message.offset, correlation_id: headerString(message.headers, KafkaHeader.correlationId), trace_id: traceIdOf(message.headers), reason: letter.reason, kind: letter.errorKind }, 'record dead-lettered');
    const { key, message: dead } = deadLetterRecord({ ...letter, topic: this.topics.windows.name, partition, offset: message.offset }, 'enricher');
    return { topic: this.topics.deadLetter.name, key, value: toBinary(DeadLetterSchema, dead), headers: recordHeaders(DeadLetterSchema, { headers: message.headers, traceContext: extractTraceContext(message.headers) }) };
  }
}

/** A window batch through the fast reader; protobuf-es for what that leaves (and for a bad record's error). */
function decodeWindowBatch(value: Buffer | null): DecodeResult<typeof WindowBatchSchema> {
  const fast = value !== null && value.length > 0 ? readWindowBatch(value) : undefined;
  return fast === undefined ? decodeRecord(WindowBatchSchema, value) : { ok: true, message: fast };
}
