import { Codec } from '@deltastream/contracts';

/**
 * Where a subscription starts, whatever transport asked for it.
 * `seq` is a resume point: the client already has `afterSeq`, so the first frame it gets is `afterSeq + 1`
 * (0 means "from the first frame ever").
 */
export type StartFrom =
  | { readonly kind: 'seq'; readonly afterSeq: number }
  | { readonly kind: 'time'; readonly timeMs: number }
  | { readonly kind: 'latest' }
  | { readonly kind: 'earliest' };

export const SLOW_CONSUMER_POLICIES = ['coalesce', 'drop-oldest', 'disconnect'] as const;
export type SlowConsumerPolicyName = (typeof SLOW_CONSUMER_POLICIES)[number];

/**
 * A client that does not say gets its streams' state kept consistent (a snapshot replaces what it could
 * not read) rather than gaps it must repair or a disconnect loop.
 */
export const DEFAULT_SLOW_CONSUMER_POLICY: SlowConsumerPolicyName = 'coalesce';

/** A validated subscribe request, the same shape for WebSocket JSON, Protobuf and SSE query strings. */
export interface Subscription {
  /** Client-chosen correlation id, echoed in replies (WebSocket JSON only). */
  readonly id?: string;
  /** Distinct stream names in request order. */
  readonly streams: readonly string[];
  readonly from: StartFrom;
  /** Per-stream resume points (`Last-Event-ID`, Protobuf `resume_after_seq`) overriding `from`. */
  readonly resumeAfterSeq: ReadonlyMap<string, number>;
  /** Entity ids to keep; empty keeps every entity. */
  readonly entities: readonly string[];
  /** Top-level record fields to keep; empty keeps every field. */
  readonly fields: readonly string[];
  /** Codecs the client decodes, in its order of preference; empty means only the universal ones. */
  readonly codecs: readonly Codec[];
  readonly policy: SlowConsumerPolicyName;
  /** Send the latest state of every entity before the first frame. */
  readonly snapshot: boolean;
}

/** The start position of one stream of a subscription: its resume point when it has one. */
export function startFor(subscription: Subscription, stream: string): StartFrom {
  const afterSeq = subscription.resumeAfterSeq.get(stream);
  return afterSeq === undefined ? subscription.from : { kind: 'seq', afterSeq };
}

const codecsByName: ReadonlyMap<string, Codec> = new Map([
  ['none', Codec.NONE],
  ['gzip', Codec.GZIP],
  ['brotli', Codec.BROTLI],
  ['zstd', Codec.ZSTD],
  ['lz4', Codec.LZ4],
  ['snappy', Codec.SNAPPY],
]);

/** The codec a client names in JSON or a query string; undefined for names this edge does not know. */
export function codecByName(name: string): Codec | undefined {
  return codecsByName.get(name.toLowerCase());
}

export function codecName(codec: Codec): string | undefined {
  for (const [name, value] of codecsByName) if (value === codec) return name;
  return undefined;
}
