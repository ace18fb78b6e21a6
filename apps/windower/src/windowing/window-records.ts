import { create } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import {
  ChangeBatchError,
  changeBatchEntries,
  ChangeEventBatchSchema,
  ChangeEventSchema,
  encodeWindowBatch as encodeWindowBatchOf,
  KafkaHeader,
  protobufContentType,
  readChangeHead,
  WindowBatchSchema,
  WindowMode as ProtoWindowMode,
  type ChangeHead,
} from '@deltastream/contracts';
import { decodeRecord } from '@deltastream/kafka';
import { headerString, type RecordHeaders } from '@deltastream/observability';
import { MAX_CHANGES_PER_RECORD, type EmittedWindow, type RecordSlot, type WindowEvent, type WindowMode } from '@deltastream/windowing';

/**
 * What the windower buffers per change: the record's value bytes as received (copied out of the fetch
 * response, so a buffered event never pins a whole fetch buffer, and `sizeBytes` is what it really
 * holds), plus the headers that carry it across the hop.
 */
export interface BufferedChange {
  readonly value: Uint8Array;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly correlationId?: string;
}

/** A change to window, or why a record (or one change of a batch record) is to be dead-lettered. */
export type DecodedChange =
  | { ok: true; event: WindowEvent<BufferedChange> }
  | { ok: false; kind: 'decode_error' | 'invalid_event'; reason: string; original: Uint8Array; record?: RecordSlot };

const BATCH_CONTENT_TYPE = protobufContentType(ChangeEventBatchSchema.typeName);

/**
 * The changes of one record of the events topic: a ChangeEvent, or — when the content-type header names
 * a ChangeEventBatch — each change of the batch, with its place in the record. Never throws: a bad
 * change comes back as a reason to dead-letter it (its neighbours in the batch are kept), a batch whose
 * framing is broken as one reason for the whole record. An empty batch gives nothing.
 */
export function decodeChanges(message: KafkaMessage): DecodedChange[] {
  const headers = message.headers as RecordHeaders | undefined;
  const value = message.value;
  if (value === null) return [{ ok: false, kind: 'decode_error', reason: 'record without a value (a tombstone?)', original: EMPTY }];
  // The same carried headers for every change of the record, read once.
  const carried: CarriedHeaders = { traceparent: headerString(headers, KafkaHeader.traceparent), tracestate: headerString(headers, KafkaHeader.tracestate), correlationId: headerString(headers, KafkaHeader.correlationId) };
  if (headerString(headers, KafkaHeader.contentType) !== BATCH_CONTENT_TYPE) return [decodeChange(copyOut(value), message.offset, carried, undefined)];
  let entries: Uint8Array[];
  try {
    // One copy of the record for all its changes (views into it), instead of one copy per change.
    entries = changeBatchEntries(copyOut(value));
  } catch (error) {
    if (!(error instanceof ChangeBatchError)) throw error;
    return [{ ok: false, kind: 'decode_error', reason: error.message, original: value }];
  }
  if (entries.length > MAX_CHANGES_PER_RECORD) return [{ ok: false, kind: 'invalid_event', reason: `a batch of ${entries.length} changes; at most ${MAX_CHANGES_PER_RECORD} fit one record`, original: value }];
  return entries.map((entry, index) => decodeChange(entry, message.offset, carried, { index, changes: entries.length }));
}

type CarriedHeaders = Omit<BufferedChange, 'value'>;

/**
 * One encoded ChangeEvent as a window event: event time from `occurred_at`, else `observed_at`. `bytes`
 * must be the windower's own (copied out of the fetch response): they are buffered as they are.
 */
function decodeChange(bytes: Uint8Array, offset: string, carried: CarriedHeaders, record: RecordSlot | undefined): DecodedChange {
  const refuse = (kind: 'decode_error' | 'invalid_event', reason: string): DecodedChange => ({ ok: false, kind, reason: record ? `change ${record.index} of ${record.changes} in the record: ${reason}` : reason, original: bytes, ...(record ? { record } : {}) });
  // The fast reader builds only these fields (the rest is forwarded as bytes); protobuf-es decides the rest.
  let change: ChangeHead | undefined = readChangeHead(bytes);
  if (change === undefined) {
    const decoded = decodeRecord(ChangeEventSchema, bytes);
    if (!decoded.ok) return refuse('decode_error', decoded.reason);
    change = decoded.message;
  }
  if (change.stream === '' || change.entityId === '' || change.version === '') {
    const missing = [change.stream === '' && 'stream', change.entityId === '' && 'entity_id', change.version === '' && 'version'].filter(Boolean);
    return refuse('invalid_event', `change event without ${missing.join(', ')}`);
  }
  const time = change.occurredAt ?? change.observedAt;
  if (time === undefined) return refuse('invalid_event', 'change event with neither occurred_at nor observed_at: no event time to window it by');
  const eventTimeMs = timestampMs(time);
  if (!Number.isSafeInteger(Math.trunc(eventTimeMs))) return refuse('invalid_event', `event time ${time.seconds}s is out of range`);
  return {
    ok: true,
    event: {
      stream: change.stream,
      entityId: change.entityId,
      version: change.version,
      eventTimeMs,
      sizeBytes: bytes.byteLength,
      offset,
      ...(record ? { record } : {}),
      payload: { value: bytes, ...carried },
    },
  };
}

const EMPTY = new Uint8Array(0);

const protoMode: Record<WindowMode, ProtoWindowMode> = { all: ProtoWindowMode.ALL, latest: ProtoWindowMode.LATEST };

/**
 * The WindowBatch bytes of an emitted window. The events go in as the exact ChangeEvent bytes that were
 * consumed (a repeated message field is a sequence of length-delimited entries, in any position), so
 * nothing is re-encoded and fields this build does not know survive the hop.
 */
export function encodeWindowBatch(window: EmittedWindow<BufferedChange>): Uint8Array {
  const head = create(WindowBatchSchema, {
    windowId: window.windowId,
    stream: window.stream,
    windowStartMs: BigInt(window.windowStartMs),
    windowEndMs: BigInt(window.windowEndMs),
    partition: window.partition,
    part: window.part,
    mode: protoMode[window.mode],
    coalescedCount: window.coalescedCount,
    lateCount: window.lateCount,
  });
  return encodeWindowBatchOf(head, window.events.map((change) => change.value));
}

/** The carried headers of a buffered change, in the shape the trace helpers read. */
export function changeHeaders(change: BufferedChange): RecordHeaders {
  return { [KafkaHeader.traceparent]: change.traceparent, [KafkaHeader.tracestate]: change.tracestate };
}

/**
 * A record's bytes copied out of the fetch response, so a buffered event never pins a whole fetch buffer
 * (up to 4 MiB); a batch record's changes pin only their record (≤ 256 KiB from our ingestor).
 * Buffer.allocUnsafe serves small copies from Node's 8 KiB pool — ~0.1 µs instead of ~1 µs for an
 * ArrayBuffer of their own, at the price of pinning at most that slab.
 */
function copyOut(source: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(source.byteLength);
  copy.set(source);
  return copy;
}
