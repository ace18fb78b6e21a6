import { fromBinary } from '@bufbuild/protobuf';
import { SlowConsumerPolicy, SubscribeRequestSchema, type StartPosition, type SubscribeRequest } from '@deltastream/contracts';
import { CloseCode, reject } from './close-codes';
import { codecName, type SlowConsumerPolicyName } from './subscription';
import { ControlLimits, subscriptionFrom, type SubscriptionResult } from './subscription-schema';

const policyNames: ReadonlyMap<SlowConsumerPolicy, SlowConsumerPolicyName> = new Map([
  [SlowConsumerPolicy.COALESCE, 'coalesce'],
  [SlowConsumerPolicy.DROP_OLDEST, 'drop-oldest'],
  [SlowConsumerPolicy.DISCONNECT, 'disconnect'],
]);

/**
 * Maps a Protobuf SubscribeRequest (gRPC, or a binary WebSocket message) onto the same Subscription as
 * JSON, through the same validation, so every transport enforces identical limits. Unknown or
 * unspecified enum values mean "not said" (codec skipped, default policy), as proto3 intends.
 */
export function fromSubscribeRequest(request: SubscribeRequest): SubscriptionResult {
  const resume: Record<string, number> = {};
  for (const [stream, afterSeq] of Object.entries(request.resumeAfterSeq)) {
    const value = safeSeq(afterSeq);
    if (value === undefined) return reject(CloseCode.BadRequest, `resume_after_seq["${stream}"] is too large`);
    resume[stream] = value;
  }
  const from = startPositionCandidate(request.from);
  if (from === 'too-large') return reject(CloseCode.BadRequest, 'from.after_seq is too large');
  const policy = policyNames.get(request.slowConsumerPolicy);
  return subscriptionFrom({
    type: 'subscribe',
    streams: request.streams,
    ...(from === undefined ? {} : { from }),
    ...(Object.keys(resume).length > 0 ? { resume } : {}),
    entities: request.entityIds,
    fields: request.fields,
    codecs: request.acceptCodecs.map(codecName).filter((name): name is string => name !== undefined),
    ...(policy === undefined ? {} : { policy }),
    snapshot: request.snapshot,
  });
}

/** Decodes a binary SubscribeRequest, refusing oversized or undecodable bytes with a close code. */
export function parseSubscribeRequestBytes(bytes: Uint8Array): SubscriptionResult {
  if (bytes.byteLength > ControlLimits.maxMessageBytes) {
    return reject(CloseCode.MessageTooBig, `control messages are at most ${ControlLimits.maxMessageBytes} bytes`);
  }
  let request: SubscribeRequest;
  try {
    request = fromBinary(SubscribeRequestSchema, bytes);
  } catch {
    return reject(CloseCode.BadRequest, 'binary control messages are Protobuf deltastream.v1.SubscribeRequest');
  }
  return fromSubscribeRequest(request);
}

type FromCandidate = 'latest' | 'earliest' | { seq: number } | { time: number } | 'too-large' | undefined;

function startPositionCandidate(from: StartPosition | undefined): FromCandidate {
  const position = from?.position;
  switch (position?.case) {
    case 'afterSeq': {
      const afterSeq = safeSeq(position.value);
      return afterSeq === undefined ? 'too-large' : { seq: afterSeq };
    }
    case 'timeMs':
      // Out-of-range times become numbers the shared validation refuses with its own message.
      return { time: Number(position.value) };
    case 'latest':
      return 'latest';
    case 'earliest':
      return 'earliest';
    default:
      return undefined;
  }
}

function safeSeq(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
