/**
 * Frames a subscriber will never get, named so it is never a silent gap: the Protobuf GapNotice
 * (`deltastream.v1.GapNotice`) with seqs as numbers. Seqs stay far below 2^53, so numbers are exact.
 */
export interface GapNoticeInfo {
  readonly stream: string;
  readonly firstMissingSeq: number;
  readonly lastMissingSeq: number;
  readonly reason: GapReason;
  /** The earliest seq still retained, when the reason is retention. */
  readonly earliestAvailableSeq?: number;
}

/** `slow_consumer`: dropped from this subscriber's queue. `retention`: no longer kept in Kafka. */
export type GapReason = 'slow_consumer' | 'retention';
