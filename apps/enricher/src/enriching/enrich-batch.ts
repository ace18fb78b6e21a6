import type { JsonObject } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { WindowBatch } from '@deltastream/contracts';
import { encodeRecords } from '@deltastream/delta-codec';
import type { CompiledTransforms, DeriveState, ResolvedReferences, TransformFailure, TransformInput } from '@deltastream/transforms';
import { jsonByteLength } from './json-size';

/** How one stream is enriched: its compiled transforms and the field that names an entity in a record. */
export interface StreamEnrichment {
  readonly stream: string;
  readonly transforms: CompiledTransforms;
  readonly entityKey: string;
}

/** An event of the batch as the transforms see it, with its position for dead letters. */
export interface BatchRecord extends TransformInput {
  readonly index: number;
}

export interface EnrichedBatch {
  /** The delta-encoded payload of the surviving records. */
  readonly payload: Uint8Array;
  readonly eventCount: number;
  /** Size of the same records as JSON lines (what naive delivery would send), for the bytes-saved metric. */
  readonly jsonBytes: number;
  readonly dropped: number;
  readonly droppedBy: Readonly<Record<string, number>>;
  readonly failures: readonly TransformFailure<BatchRecord>[];
  /** Earliest observed_at of the records that survived (ms); 0 when none did. */
  readonly minObservedAtMs: number;
}

/** The records of a window batch, in window order, ready for the transforms. */
export function batchRecords(batch: WindowBatch): BatchRecord[] {
  return batch.events.map((event, index) => ({
    index,
    record: (event.record ?? {}) as JsonObject,
    entityId: event.entityId,
    occurredAtMs: event.occurredAt ? timestampMs(event.occurredAt) : undefined,
    observedAtMs: event.observedAt ? timestampMs(event.observedAt) : 0,
  }));
}

/**
 * Transforms the records of one window batch and delta-encodes the survivors into one self-contained
 * payload. Pure but for `derive` (which advances the caller's DeriveState). A record that fails a step is
 * returned in `failures` and left out; the others are encoded.
 */
export function enrichBatch(records: readonly BatchRecord[], enrichment: StreamEnrichment, context: { derive?: DeriveState; references?: ResolvedReferences }): EnrichedBatch {
  const result = enrichment.transforms.apply(records, context);
  const out = result.records.map((r) => r.record);
  let jsonBytes = 0;
  for (const record of out) jsonBytes += jsonByteLength(record) + 1;
  let minObservedAtMs = 0;
  for (const r of result.records) if (r.input.observedAtMs > 0 && (minObservedAtMs === 0 || r.input.observedAtMs < minObservedAtMs)) minObservedAtMs = r.input.observedAtMs;
  return {
    payload: encodeRecords(out, { entityKey: enrichment.entityKey }),
    eventCount: out.length,
    jsonBytes,
    dropped: result.dropped,
    droppedBy: result.droppedBy,
    failures: result.errors,
    minObservedAtMs,
  };
}
