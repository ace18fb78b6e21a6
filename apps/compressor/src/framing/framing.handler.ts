import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { KafkaMessage } from 'kafkajs';
import { ChecksumAlgorithm, DeadLetterSchema, EncodedBatchSchema, FrameSchema, KafkaHeader, PayloadEncoding, type TopicName, type TopicSpec } from '@deltastream/contracts';
import { fromProtoCodec } from '@deltastream/compression';
import { FrameSequencer, parseWindowId } from '@deltastream/framing';
import { deadLetterRecord, decodeRecord, recordHeaders, type OutputRecord, type PartitionHandler, type PartitionWork } from '@deltastream/kafka';
import { contextWithSpan, extractTraceContext, headerString, SpanKind, startSpan, traceIdOf, type Logger } from '@deltastream/observability';
import type { FrameCompressor } from './frame-compressor.port';

export interface FramingMetrics {
  /** `form`: the payload encoding kept (`delta`, or `json` where that compressed smaller). */
  framed(stream: string, codec: string, form: 'delta' | 'json', rawBytes: number, compressedBytes: number): void;
  duplicate(stream: string): void;
  deadLettered(kind: string): void;
}

/**
 * Encoded batches in, frames out. The per-stream seq comes from a FrameSequencer restored from the
 * metadata committed with this partition's offset, and the new state is committed in the same
 * transaction as the frames — so seq is gap-free and never reused across crashes and rebalances.
 */
export class FramingHandler implements PartitionHandler {
  private readonly sequencers = new Map<number, FrameSequencer>();

  constructor(
    private readonly topics: Record<TopicName, TopicSpec>,
    private readonly compressor: FrameCompressor,
    private readonly loadCommittedState: (partition: number) => Promise<string | undefined>,
    private readonly metrics: FramingMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async handle(partition: number, messages: readonly KafkaMessage[]): Promise<PartitionWork> {
    const sequencer = await this.sequencerFor(partition);
    const outputs: OutputRecord[] = [];
    for (const message of messages) {
      const decoded = decodeRecord(EncodedBatchSchema, message.value);
      if (!decoded.ok) {
        outputs.push(this.deadLetter(message, partition, decoded.reason, 'decode_error'));
        continue;
      }
      const batch = decoded.message;
      const position = parseWindowId(batch.windowId);
      if (!position || position.stream !== batch.stream) {
        outputs.push(this.deadLetter(message, partition, `window id "${batch.windowId}" does not name stream "${batch.stream}" as <stream>/<start>/<partition>/<part>`, 'bad_window_id'));
        continue;
      }
      const decision = sequencer.next(position);
      if (decision.kind === 'duplicate') {
        this.metrics.duplicate(batch.stream);
        this.logger.debug({ windowId: batch.windowId, lastSeq: decision.lastSeq.toString() }, 're-delivered window batch skipped');
        continue;
      }
      // A span per frame, child of the window batch's trace; the frame's headers carry it onwards.
      const parent = extractTraceContext(message.headers);
      const span = startSpan(`frame ${batch.stream}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'deltastream.stream': batch.stream, 'deltastream.seq': decision.seq.toString(), 'deltastream.window_id': batch.windowId } });
      const compressed = this.compressor.compress(batch.stream, batch.payload, batch.encoding);
      span.setAttributes({ 'deltastream.codec': fromProtoCodec(compressed.codec), 'deltastream.raw_bytes': compressed.rawSize, 'deltastream.compressed_bytes': compressed.payload.byteLength });
      span.end();
      const frame = create(FrameSchema, {
        stream: batch.stream,
        seq: decision.seq,
        windowStartMs: batch.windowStartMs,
        windowEndMs: batch.windowEndMs,
        eventCount: batch.eventCount,
        encoding: compressed.encoding,
        codec: compressed.codec,
        rawSize: compressed.rawSize,
        payload: compressed.payload,
        checksum: { algorithm: ChecksumAlgorithm.CRC32C, value: BigInt(compressed.crc32c) },
        producedAt: timestampFromMs(this.clock()),
        windowId: batch.windowId,
        minObservedAtMs: batch.minObservedAtMs,
        fallback: compressed.fallback,
      });
      this.metrics.framed(batch.stream, fromProtoCodec(compressed.codec), compressed.encoding === PayloadEncoding.JSON ? 'json' : 'delta', compressed.rawSize, compressed.payload.byteLength);
      outputs.push({ topic: this.topics.frames.name, key: batch.stream, value: toBinary(FrameSchema, frame), headers: recordHeaders(FrameSchema, { headers: message.headers, traceContext: contextWithSpan(span, parent) }) });
    }
    const last = messages.at(-1);
    return { outputs, commitOffset: last ? (BigInt(last.offset) + 1n).toString() : undefined, commitMetadata: sequencer.serialize() };
  }

  reset(partition: number): void {
    this.sequencers.delete(partition);
  }

  private async sequencerFor(partition: number): Promise<FrameSequencer> {
    let sequencer = this.sequencers.get(partition);
    if (!sequencer) {
      sequencer = FrameSequencer.restore(await this.loadCommittedState(partition));
      this.sequencers.set(partition, sequencer);
    }
    return sequencer;
  }

  private deadLetter(message: KafkaMessage, partition: number, reason: string, kind: string): OutputRecord {
    this.metrics.deadLettered(kind);
    this.logger.warn({ partition, offset: message.offset, correlation_id: headerString(message.headers, KafkaHeader.correlationId), trace_id: traceIdOf(message.headers), reason }, 'encoded batch dead-lettered');
    const { key, message: letter } = deadLetterRecord(
      { original: message.value ?? new Uint8Array(), topic: this.topics.encoded.name, partition, offset: message.offset, key: message.key, reason, errorKind: kind },
      'compressor',
    );
    return { topic: this.topics.deadLetter.name, key, value: toBinary(DeadLetterSchema, letter), headers: recordHeaders(DeadLetterSchema, { headers: message.headers, traceContext: extractTraceContext(message.headers) }) };
  }
}
