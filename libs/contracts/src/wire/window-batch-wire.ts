import { toBinary } from '@bufbuild/protobuf';
import { WindowBatchSchema, type WindowBatch } from '../gen/deltastream/v1/window_pb';
import type { ChangeEvent } from '../gen/deltastream/v1/event_pb';
import { readChangeEvent } from './change-event-wire';
import { OffFastPath, WireReader } from './wire-reader';
import { frameEntries, Wire } from './wire-writer';

/** `WindowBatch.events` is field 8. */
const EVENTS_TAG = (8 << 3) | Wire.LengthDelimited;

/**
 * The WindowBatch of `head` (its events left empty) with these encoded ChangeEvents as its events, in
 * order: the windower forwards each change's bytes as consumed, so nothing is re-encoded and fields this
 * build does not know survive the hop. The same message protobuf-es reads back (property-tested).
 */
export function encodeWindowBatch(head: WindowBatch, events: readonly Uint8Array[]): Uint8Array {
  return frameEntries(toBinary(WindowBatchSchema, head), EVENTS_TAG, events);
}

/**
 * `fromBinary(WindowBatchSchema, bytes)` without reflection, for the enricher's per-event cost: the same
 * message (property-tested against protobuf-es), or undefined when the bytes leave the canonical shape
 * (unknown fields, repeated message fields, …) — decode those with protobuf-es, which also reports errors.
 */
export function readWindowBatch(bytes: Uint8Array): WindowBatch | undefined {
  try {
    return readBatch(new WireReader(bytes));
  } catch (error) {
    if (error instanceof OffFastPath) return undefined;
    throw error;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type FieldReader = readonly [Wire, (batch: Mutable<WindowBatch>, reader: WireReader) => void];

/** WindowBatch fields by number: the wire type each must have and how it is read. */
const FIELDS: Readonly<Record<number, FieldReader>> = {
  1: [Wire.LengthDelimited, (batch, reader) => (batch.windowId = reader.string())],
  2: [Wire.LengthDelimited, (batch, reader) => (batch.stream = reader.string())],
  3: [Wire.Varint, (batch, reader) => (batch.windowStartMs = reader.int64())],
  4: [Wire.Varint, (batch, reader) => (batch.windowEndMs = reader.int64())],
  5: [Wire.Varint, (batch, reader) => (batch.partition = reader.int32())],
  6: [Wire.Varint, (batch, reader) => (batch.part = reader.int32())],
  7: [Wire.Varint, (batch, reader) => (batch.mode = reader.int32())],
  8: [Wire.LengthDelimited, (batch, reader) => void batch.events.push(readChangeEvent(reader, reader.delimitedEnd()))],
  9: [Wire.Varint, (batch, reader) => (batch.coalescedCount = reader.uint32())],
  10: [Wire.Varint, (batch, reader) => (batch.lateCount = reader.uint32())],
};

function readBatch(reader: WireReader): WindowBatch {
  const events: ChangeEvent[] = [];
  const batch = {
    $typeName: WindowBatchSchema.typeName,
    windowId: '',
    stream: '',
    windowStartMs: 0n,
    windowEndMs: 0n,
    partition: 0,
    part: 0,
    mode: 0,
    events,
    coalescedCount: 0,
    lateCount: 0,
  } as Mutable<WindowBatch>;
  const end = reader.end;
  while (reader.pos < end) {
    const tag = reader.tag();
    const field = FIELDS[tag >>> 3];
    if (field === undefined) throw new OffFastPath(`unknown field ${tag >>> 3}`);
    reader.expect(tag, field[0]);
    field[1](batch, reader);
  }
  return batch;
}
