import { create, toBinary } from '@bufbuild/protobuf';
import { FrameSchema, PayloadEncoding, type Frame } from '@deltastream/contracts';
import { decodeFramePayload, fromProtoCodec } from '@deltastream/compression';
import { decodeRecords, recordsFromJson } from '@deltastream/delta-codec';
import type { PayloadChoice, RecordFilter } from '@deltastream/delivery';
import { extractTraceContext, SpanKind, startSpan, type RecordHeaders } from '@deltastream/observability';

/**
 * One frame read from the frames topic, shared by every subscriber it reaches. Each wire encoding is
 * made at most once per frame (lazily, by the first subscriber that needs it) and the same buffer or
 * string is written to every connection that chose it; decoding the payload also happens once.
 */
export class FrameEvent {
  readonly seq: number;
  private primaryBytes: Uint8Array | undefined;
  private fallbackBytes: Uint8Array | undefined;
  private decoded: readonly unknown[] | null | undefined;
  private readonly wire = new Map<string, Uint8Array | string>();
  private deliverySpanRecorded = false;

  constructor(
    readonly frame: Frame,
    /** The record value exactly as stored in Kafka (the Frame's Protobuf bytes). */
    readonly stored: Uint8Array,
    readonly partition: number,
    readonly offset: number,
    /** The Kafka record timestamp (ms). */
    readonly timestampMs: number,
    private readonly maxRawBytes: number,
    /** The record's Kafka headers: the frame's trace context. */
    private readonly headers?: RecordHeaders,
  ) {
    this.seq = Number(frame.seq);
  }

  /**
   * Called on every write of this frame to a client. The first one records a `deliver` span under the
   * frame's trace (one span per frame, not per connection: a frame may reach thousands of clients).
   */
  recordDelivery(protocol: string): void {
    if (this.deliverySpanRecorded) return;
    this.deliverySpanRecorded = true;
    const span = startSpan(`deliver ${this.stream}`, {
      kind: SpanKind.PRODUCER,
      parent: extractTraceContext(this.headers),
      attributes: { 'deltastream.stream': this.stream, 'deltastream.seq': this.seq, 'deltastream.protocol': protocol },
    });
    span.end();
  }

  get stream(): string {
    return this.frame.stream;
  }

  get minObservedAtMs(): number {
    return Number(this.frame.minObservedAtMs);
  }

  /**
   * The Frame bytes a client gets: exactly one payload copy. A stored frame without a fallback goes out as
   * it is; one with a fallback is re-encoded once per copy — the primary codec with the fallback dropped
   * (a client that decodes zstd has no use for the gzip copy, which would double its bytes), or the gzip
   * fallback as the payload. Kafka readers of the frames topic still get both copies.
   */
  binary(choice: PayloadChoice): Uint8Array {
    const { fallback } = this.frame;
    if (!fallback) return this.stored;
    if (choice === 'primary') {
      this.primaryBytes ??= toBinary(FrameSchema, create(FrameSchema, { ...this.frame, fallback: undefined }));
      return this.primaryBytes;
    }
    this.fallbackBytes ??= toBinary(FrameSchema, create(FrameSchema, { ...this.frame, codec: fallback.codec, payload: fallback.payload, fallback: undefined }));
    return this.fallbackBytes;
  }

  /** Memoises one encoding of this frame under `key`. */
  encoded<T extends Uint8Array | string>(key: string, make: () => T): T {
    let value = this.wire.get(key);
    if (value === undefined) {
      value = make();
      this.wire.set(key, value);
    }
    return value as T;
  }

  /** The decoded records, or undefined when the payload does not decode (counted by the caller). */
  records(): readonly unknown[] | undefined {
    if (this.decoded === undefined) {
      try {
        const raw = decodeFramePayload(
          { codec: fromProtoCodec(this.frame.codec), payload: this.frame.payload, rawSize: this.frame.rawSize, checksum: this.frame.checksum?.value },
          { maxBytes: this.maxRawBytes },
        );
        this.decoded = this.frame.encoding === PayloadEncoding.JSON ? recordsFromJson(raw) : decodeRecords(raw);
      } catch {
        this.decoded = null;
      }
    }
    return this.decoded ?? undefined;
  }

  /** The JSON form of the frame for SSE / WebSocket JSON readers, with the subscriber's filter applied. */
  json(filter: RecordFilter): { stream: string; seq: number; windowStartMs: number; windowEndMs: number; eventCount: number; records: readonly unknown[] } | undefined {
    const records = this.records();
    if (records === undefined) return undefined;
    return {
      stream: this.stream,
      seq: this.seq,
      windowStartMs: Number(this.frame.windowStartMs),
      windowEndMs: Number(this.frame.windowEndMs),
      eventCount: this.frame.eventCount,
      records: filter(records),
    };
  }
}
