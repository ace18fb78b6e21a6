import { toBinary } from '@bufbuild/protobuf';
import type { KafkaMessage } from 'kafkajs';
import { DeadLetterSchema, WindowBatchSchema, type TopicName, type TopicSpec } from '@deltastream/contracts';
import { deadLetterRecord, recordHeaders, type OutputRecord, type PartitionHandler, type PartitionWork } from '@deltastream/kafka';
import { contextWithSpan, extractTraceContext, linksTo, MAX_SPAN_LINKS, SpanKind, startSpan, type Logger } from '@deltastream/observability';
import type { EmittedWindow, FlushReason, WindowEvent, Windower } from '@deltastream/windowing';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { changeHeaders, decodeChanges, encodeWindowBatch, type BufferedChange, type DecodedChange } from './window-records';

export interface WindowingMetrics {
  eventsIn(stream: string, count: number): void;
  /** Events of a stream the suite file does not configure (consumed, not windowed). */
  unknownStream(stream: string): void;
  windowOut(stream: string, reason: FlushReason, events: number, bytes: number, late: number, coalesced: number): void;
  deadLettered(kind: string): void;
}

/**
 * Change events in, window batches out. One `Windower` holds the windows of every partition this
 * instance owns; each partition is restored from the state committed with its offset before its first
 * batch, and every output is committed together with the partition's new checkpoint (one Kafka
 * transaction, see TransactionalProcessor) — so a crash or rebalance neither loses an event nor emits a
 * window id twice with different contents.
 */
export class WindowingHandler implements PartitionHandler {
  /** Last checkpoint handed out per partition (offset + metadata), to skip committing an unchanged one. */
  private readonly handedOut = new Map<number, string>();

  constructor(
    private readonly windower: Windower<BufferedChange>,
    private readonly topics: Record<TopicName, TopicSpec>,
    /** The metadata committed with a partition's offset, read as its owner (fences previous owners). */
    private readonly loadCommittedState: (partition: number) => Promise<string | undefined>,
    private readonly metrics: WindowingMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async handle(partition: number, messages: readonly KafkaMessage[]): Promise<PartitionWork> {
    if (!this.windower.partitions().includes(partition)) {
      this.windower.restorePartition(partition, await this.loadCommittedState(partition));
      this.logger.info({ partition }, 'partition restored from its committed windowing state');
    }
    const now = this.clock();
    const outputs: OutputRecord[] = [];
    const windows: EmittedWindow<BufferedChange>[] = [];
    let pending: WindowEvent<BufferedChange>[] = [];
    // Offsets must reach the windower in order: the good events before a bad one are added first.
    const addPending = () => {
      if (pending.length > 0) windows.push(...this.windower.add(partition, pending, now));
      pending = [];
    };
    const inByStream = new Map<string, number>();
    for (const message of messages) {
      const changes = decodeChanges(message);
      // An empty batch record carries nothing, but its offset must be passed.
      if (changes.length === 0) {
        addPending();
        this.windower.skipOffset(partition, message.offset);
      }
      for (const decoded of changes) {
        if (!decoded.ok) {
          addPending();
          outputs.push(this.deadLetter(message, decoded, partition));
          this.windower.skipOffset(partition, message.offset, decoded.record);
          continue;
        }
        const { stream } = decoded.event;
        if (this.windower.hasStream(stream)) inByStream.set(stream, (inByStream.get(stream) ?? 0) + 1);
        else this.metrics.unknownStream(stream);
        pending.push(decoded.event);
      }
    }
    addPending();
    for (const [stream, count] of inByStream) this.metrics.eventsIn(stream, count);
    outputs.push(...windows.map((window) => this.windowRecord(window)));
    return { outputs, ...this.checkpoint(partition, true) };
  }

  tick(partition: number, nowMs: number): PartitionWork {
    // A partition not restored yet has consumed nothing, so it has nothing to flush.
    if (!this.windower.partitions().includes(partition)) return { outputs: [] };
    const outputs = this.windower.tick(partition, nowMs).map((window) => this.windowRecord(window));
    return { outputs, ...this.checkpoint(partition, outputs.length > 0) };
  }

  reset(partition: number): void {
    this.windower.revokePartition(partition);
    this.handedOut.delete(partition);
  }

  /**
   * Pause fetching at the budget — except while a restored partition is still re-reading what it had
   * buffered before: its idle flushes wait for the re-read, so pausing it then could never drain.
   */
  overBudget(): boolean {
    const over = this.windower.overBudget();
    return over && !this.windower.replaying();
  }

  bufferedBytes(): number {
    return this.windower.bufferedBytes();
  }

  /** The partition's checkpoint when it changed since the last one handed out (or when `always`). */
  private checkpoint(partition: number, always: boolean): { commitOffset?: string; commitMetadata?: string } {
    const checkpoint = this.windower.checkpoint(partition);
    if (checkpoint === undefined) return {};
    const identity = `${checkpoint.offset} ${checkpoint.metadata}`;
    if (!always && this.handedOut.get(partition) === identity) return {};
    this.handedOut.set(partition, identity);
    return { commitOffset: checkpoint.offset, commitMetadata: checkpoint.metadata };
  }

  private windowRecord(window: EmittedWindow<BufferedChange>): OutputRecord {
    this.metrics.windowOut(window.stream, window.reason, window.events.length, window.sizeBytes, window.lateCount, window.coalescedCount);
    const [first, ...others] = window.events;
    // The batch continues the first event's trace and links (a capped number of) the others.
    const parent = first ? extractTraceContext(changeHeaders(first), ROOT_CONTEXT) : ROOT_CONTEXT;
    const span = startSpan(`window ${window.stream}`, {
      kind: SpanKind.PRODUCER,
      parent,
      links: linksTo(others.slice(0, MAX_SPAN_LINKS).map((change) => extractTraceContext(changeHeaders(change), ROOT_CONTEXT))),
      attributes: {
        'deltastream.stream': window.stream,
        'deltastream.window_id': window.windowId,
        'deltastream.event_count': window.events.length,
        'deltastream.late_count': window.lateCount,
        'deltastream.coalesced_count': window.coalescedCount,
        'deltastream.flush_reason': window.reason,
      },
    });
    span.end();
    return {
      topic: this.topics.windows.name,
      // Keyed by stream: one partition of the windows topic (and so one compressor partition) owns a stream.
      key: window.stream,
      value: encodeWindowBatch(window),
      headers: recordHeaders(WindowBatchSchema, { traceContext: contextWithSpan(span, parent), correlationId: first?.correlationId }),
    };
  }

  /** A refused record, or one refused change of a batch record (the original is then that change's bytes). */
  private deadLetter(message: KafkaMessage, refused: Extract<DecodedChange, { ok: false }>, partition: number): OutputRecord {
    const { reason, kind, original } = refused;
    this.metrics.deadLettered(kind);
    this.logger.warn({ partition, offset: message.offset, index: refused.record?.index, reason, kind }, 'change event dead-lettered');
    const { key, message: letter } = deadLetterRecord(
      { original, topic: this.topics.events.name, partition, offset: message.offset, key: message.key, reason, errorKind: kind },
      'windower',
    );
    return { topic: this.topics.deadLetter.name, key, value: toBinary(DeadLetterSchema, letter), headers: recordHeaders(DeadLetterSchema, { headers: message.headers, traceContext: extractTraceContext(message.headers, ROOT_CONTEXT) }) };
  }
}
