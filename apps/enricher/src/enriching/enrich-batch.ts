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
  /**
   * The top-level field naming an entity, which the delta encoding groups records by; undefined when the id
   * is nested or composite (records are then encoded in arrival order, still losslessly).
   */
  readonly entityKey: string | undefined;
}

/** An event of the batch as the transforms see it, with its position for dead letters. */
export interface BatchRecord extends TransformInput {
  readonly index: number;
  /** UTF-8 size of the record's JSON text, when it came as text (`record_json`). */
  readonly jsonBytes?: number;
}

/** An event whose record cannot be read (bad `record_json`): dead-lettered alone, the rest go on. */
export interface UnreadableRecord {
  readonly index: number;
  readonly entityId: string;
  readonly reason: string;
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

/**
 * The records of a window batch, in window order, ready for the transforms: each from its Struct or from
 * its JSON text. Text that is not one JSON object, or an event carrying both forms, is unreadable.
 */
export function batchRecords(batch: WindowBatch): { records: BatchRecord[]; unreadable: UnreadableRecord[] } {
  const records: BatchRecord[] = [];
  const unreadable: UnreadableRecord[] = [];
  batch.events.forEach((event, index) => {
    const record = event.recordJson === '' ? ((event.record ?? {}) as JsonObject) : parseRecordJson(event.recordJson, event.record !== undefined);
    if (typeof record === 'string') {
      unreadable.push({ index, entityId: event.entityId, reason: record });
      return;
    }
    records.push({
      index,
      record,
      entityId: event.entityId,
      occurredAtMs: event.occurredAt ? timestampMs(event.occurredAt) : undefined,
      observedAtMs: event.observedAt ? timestampMs(event.observedAt) : 0,
      jsonBytes: event.recordJson === '' ? undefined : Buffer.byteLength(event.recordJson),
    });
  });
  return { records, unreadable };
}

/** The record of a `record_json`, or why there is none. */
function parseRecordJson(text: string, alsoStruct: boolean): JsonObject | string {
  if (alsoStruct) return 'both record and record_json are set (at most one may be)';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `record_json is not JSON: ${(error as Error).message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `record_json is not a JSON object but ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  return value as JsonObject;
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
  // A record no step changed is its input object, whose JSON text size may be known already.
  for (const r of result.records) jsonBytes += ((r.record === r.input.record ? r.input.jsonBytes : undefined) ?? jsonByteLength(r.record)) + 1;
  let minObservedAtMs = 0;
  for (const r of result.records) if (r.input.observedAtMs > 0 && (minObservedAtMs === 0 || r.input.observedAtMs < minObservedAtMs)) minObservedAtMs = r.input.observedAtMs;
  return {
    payload: encodeRecords(out, enrichment.entityKey === undefined ? {} : { entityKey: enrichment.entityKey }),
    eventCount: out.length,
    jsonBytes,
    dropped: result.dropped,
    droppedBy: result.droppedBy,
    failures: result.errors,
    minObservedAtMs,
  };
}
