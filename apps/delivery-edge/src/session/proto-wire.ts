import { create, toBinary } from '@bufbuild/protobuf';
import { GapNoticeSchema, SnapshotSchema, SubscribeResponseSchema } from '@deltastream/contracts';
import type { GapNoticeInfo } from '@deltastream/delivery';
import type { FrameEvent } from '../frames/frame-event';
import type { StreamView, WireFormat } from './session';

/**
 * `SubscribeResponse { frame = 1 }` around Frame bytes, without decoding and re-encoding the frame:
 * a length-delimited field is its tag, the varint length, then the bytes as stored.
 */
export function responseWithFrame(frame: Uint8Array): Uint8Array {
  const length: number[] = [];
  let n = frame.length;
  while (n > 0x7f) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  const out = new Uint8Array(1 + length.length + frame.length);
  out[0] = 0x0a;
  out.set(length, 1);
  out.set(frame, 1 + length.length);
  return out;
}

export function gapNoticeMessage(info: GapNoticeInfo) {
  return create(GapNoticeSchema, {
    stream: info.stream,
    firstMissingSeq: BigInt(info.firstMissingSeq),
    lastMissingSeq: BigInt(info.lastMissingSeq),
    reason: info.reason,
    earliestAvailableSeq: BigInt(info.earliestAvailableSeq ?? 0),
  });
}

/** gRPC and the WebSocket Protobuf subprotocol: every server message is a SubscribeResponse. */
export const protoWire: WireFormat<Uint8Array> = {
  frame: (event: FrameEvent, view: StreamView) => {
    const choice = view.choice(event);
    return event.encoded(`response:${choice}`, () => responseWithFrame(event.binary(choice)));
  },
  gap: (info) => toBinary(SubscribeResponseSchema, create(SubscribeResponseSchema, { message: { case: 'gap', value: gapNoticeMessage(info) } })),
  snapshot: (stream, asOfSeq, records) =>
    toBinary(
      SubscribeResponseSchema,
      create(SubscribeResponseSchema, {
        message: { case: 'snapshot', value: create(SnapshotSchema, { stream, asOfSeq: BigInt(asOfSeq), recordsJson: new TextEncoder().encode(JSON.stringify(records)) }) },
      }),
    ),
  size: (payload) => payload.byteLength,
};
