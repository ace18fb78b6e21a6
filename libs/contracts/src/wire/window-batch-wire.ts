import { WindowBatchSchema, type WindowBatch } from '../gen/deltastream/v1/window_pb';
import type { ChangeEvent } from '../gen/deltastream/v1/event_pb';
import { readChangeEvent } from './change-event-wire';
import { OffFastPath, WireReader } from './wire-reader';
import { Wire } from './wire-writer';

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
  } as WindowBatch;
  const end = reader.end;
  while (reader.pos < end) {
    const tag = reader.tag();
    const field = tag >>> 3;
    switch (field) {
      case 1:
        reader.expect(tag, Wire.LengthDelimited);
        batch.windowId = reader.string();
        break;
      case 2:
        reader.expect(tag, Wire.LengthDelimited);
        batch.stream = reader.string();
        break;
      case 3:
        reader.expect(tag, Wire.Varint);
        batch.windowStartMs = reader.int64();
        break;
      case 4:
        reader.expect(tag, Wire.Varint);
        batch.windowEndMs = reader.int64();
        break;
      case 5:
        reader.expect(tag, Wire.Varint);
        batch.partition = reader.int32();
        break;
      case 6:
        reader.expect(tag, Wire.Varint);
        batch.part = reader.int32();
        break;
      case 7:
        reader.expect(tag, Wire.Varint);
        batch.mode = reader.int32();
        break;
      case 8:
        reader.expect(tag, Wire.LengthDelimited);
        events.push(readChangeEvent(reader, reader.delimitedEnd()));
        break;
      case 9:
        reader.expect(tag, Wire.Varint);
        batch.coalescedCount = reader.uint32();
        break;
      case 10:
        reader.expect(tag, Wire.Varint);
        batch.lateCount = reader.uint32();
        break;
      default:
        throw new OffFastPath(`unknown field ${field}`);
    }
  }
  return batch;
}
