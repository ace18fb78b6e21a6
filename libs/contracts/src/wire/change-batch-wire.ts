import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ChangeEventBatchSchema, ChangeEventSchema } from '../gen/deltastream/v1/event_pb';
import { OffFastPath, WireReader } from './wire-reader';
import { entrySize, frameEntries, Wire } from './wire-writer';

// ChangeEventBatch (proto/deltastream/v1/event.proto) is a run of encoded ChangeEvents. The ingestor
// encodes each change once and packs the bytes; the windower takes each change's bytes out as they are
// and forwards them into window batches, so a batch is framed and unframed without re-encoding anything.

/** `ChangeEventBatch.events` is field 1. */
const EVENTS_TAG = (1 << 3) | Wire.LengthDelimited;

/** The ChangeEventBatch of these encoded ChangeEvents — the bytes protobuf-es writes for the same events. */
export function encodeChangeEventBatch(events: readonly Uint8Array[]): Uint8Array {
  return frameEntries(NOTHING, EVENTS_TAG, events);
}

const NOTHING = new Uint8Array(0);

/** The encoded size of a ChangeEventBatch entry holding `eventBytes` bytes. */
export function changeBatchEntrySize(eventBytes: number): number {
  return entrySize(eventBytes);
}

export class ChangeBatchError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ChangeBatchError';
  }
}

/**
 * The encoded ChangeEvents of a ChangeEventBatch, in order, as views into `bytes` (nothing copied, none
 * of them decoded: each is judged on its own later, so one bad change does not cost the good ones).
 * Fields this build does not know are skipped. Off the canonical framing, protobuf-es decides: it
 * either reads the batch (its events re-encoded) or gives the reason to refuse it (ChangeBatchError).
 */
export function changeBatchEntries(bytes: Uint8Array): Uint8Array[] {
  try {
    return readEntries(bytes);
  } catch (error) {
    if (!(error instanceof OffFastPath)) throw error;
  }
  try {
    return fromBinary(ChangeEventBatchSchema, bytes).events.map((event) => toBinary(ChangeEventSchema, event));
  } catch (error) {
    throw new ChangeBatchError(`not a deltastream.v1.ChangeEventBatch: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readEntries(bytes: Uint8Array): Uint8Array[] {
  const reader = new WireReader(bytes);
  const entries: Uint8Array[] = [];
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    const wire = tag & 7;
    if (tag === EVENTS_TAG) {
      const end = reader.delimitedEnd();
      entries.push(bytes.subarray(reader.pos, end));
      reader.pos = end;
    } else if (tag >>> 3 === 1) throw new OffFastPath(`events with wire type ${wire}`);
    else if (wire === Wire.Varint) reader.uint32();
    else if (wire === Wire.LengthDelimited) reader.pos = reader.delimitedEnd();
    else if (wire === Wire.Bit64 || wire === Wire.Bit32) {
      reader.pos += wire === Wire.Bit64 ? 8 : 4;
      if (reader.pos > reader.end) throw new OffFastPath('truncated fixed-width field');
    } else throw new OffFastPath(`wire type ${wire}`);
  }
  return entries;
}
