import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '@deltastream/observability';

/** One record to produce. */
export interface OutputRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What processing one partition's input produced, and up to which input offset it is finished. */
export interface PartitionWork {
  readonly outputs: readonly OutputRecord[];
  /** The next offset to consume (everything before it is reflected in outputs so far); undefined: no change. */
  readonly commitOffset?: string;
  /**
   * Committed with the offset, in the same transaction: durable per-partition state that must move in
   * lock-step with the outputs (e.g. the compressor's per-stream seq). Read back with `committedMetadata`.
   * Brokers cap it with offset.metadata.max.bytes (4096 by default).
   */
  readonly commitMetadata?: string;
}

/** The domain side of a read-process-write stage. All calls for one partition are serialised. */
export interface PartitionHandler {
  handle(partition: number, messages: readonly KafkaMessage[]): Promise<PartitionWork> | PartitionWork;
  /** Processing-time work, e.g. flushing idle windows; called every `tickMs` for each owned partition. */
  tick?(partition: number, nowMs: number): Promise<PartitionWork> | PartitionWork;
  /** Forgets a partition's in-memory state: its uncommitted input will be read again (by whoever owns it). */
  reset(partition: number): void;
  /** True while the instance buffers too much: fetching pauses until it turns false. */
  overBudget?(): boolean;
}

export interface TransactionalProcessorOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly inputTopic: string;
  /** Prefix of the per-partition transactional ids; the same on every replica of the service. */
  readonly transactionalIdPrefix: string;
  readonly handler: PartitionHandler;
  readonly logger: Logger;
  readonly tickMs?: number;
}

/**
 * Exactly-once read-process-write with kafkajs. Each input partition has its own transactional producer
 * (`<prefix>-<partition>`), so whoever owns the partition next fences any zombie of the previous owner
 * (initTransactions bumps the epoch). Outputs and the consumer offset commit in one transaction;
 * downstream consumers read committed data only, so a crash mid-batch leaves nothing visible and the
 * input is processed again from the committed offset — never lost, never visible twice.
 *
 * On every rebalance all partition state is reset: kafkajs resumes from the committed offsets, and
 * anything buffered but uncommitted is simply read again.
 */
export class TransactionalProcessor {
  private readonly consumer: Consumer;
  private readonly producers = new Map<number, Producer>();
  private readonly queues = new Map<number, Promise<unknown>>();
  private assigned = new Set<number>();
  private hasJoined = false;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: TransactionalProcessorOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const next = new Set<number>(payload.memberAssignment[options.inputTopic] ?? []);
      void this.onAssignment(next);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => options.logger.error({ err: payload.error?.message, restart: payload.restart }, 'consumer crashed'));
    await consumer.connect();
    await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await this.serialised(batch.partition, async () => {
          let work: PartitionWork;
          try {
            work = await options.handler.handle(batch.partition, batch.messages);
          } catch (error) {
            // Half-applied state must not survive: forget it and read again from the committed offset.
            options.handler.reset(batch.partition);
            await this.seekToCommitted(batch.partition);
            throw error;
          }
          await this.commit(batch.partition, work);
        });
        // Advances kafkajs' fetch position only; the group offset moves inside the transaction above.
        resolveOffset(batch.lastOffset());
        await heartbeat();
        this.applyBackpressure();
      },
    });
    const tickMs = options.tickMs ?? 250;
    const tick = () => {
      void this.tickAll().finally(() => {
        if (this.running) this.timer = setTimeout(tick, tickMs);
      });
    };
    this.timer = setTimeout(tick, tickMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.consumer.disconnect();
    await Promise.all([...this.queues.values()].map((q) => q.catch(() => undefined)));
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
  }

  /** True once the consumer joined its group (a member with no partitions is still a ready standby). */
  joined(): boolean {
    return this.hasJoined;
  }

  /** Partitions of the input topic this instance owns. */
  assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  private async onAssignment(next: Set<number>): Promise<void> {
    this.hasJoined = true;
    const previous = this.assigned;
    this.assigned = next;
    for (const partition of new Set([...previous, ...next])) {
      await this.serialised(partition, async () => this.options.handler.reset(partition));
    }
    for (const partition of previous) {
      if (next.has(partition)) continue;
      const producer = this.producers.get(partition);
      this.producers.delete(partition);
      await producer?.disconnect().catch(() => undefined);
    }
    this.options.logger.info({ partitions: [...next].sort((a, b) => a - b), topic: this.options.inputTopic }, 'partitions assigned');
  }

  private async tickAll(): Promise<void> {
    const { handler } = this.options;
    if (!handler.tick) return;
    const now = Date.now();
    await Promise.all(
      [...this.assigned].map((partition) =>
        this.serialised(partition, async () => {
          let work: PartitionWork | undefined;
          try {
            work = await handler.tick?.(partition, now);
          } catch (error) {
            handler.reset(partition);
            await this.seekToCommitted(partition);
            throw error;
          }
          if (work && (work.outputs.length > 0 || work.commitOffset !== undefined)) await this.commit(partition, work);
        }).catch((error: unknown) => this.options.logger.warn({ partition, err: (error as Error).message }, 'tick failed; the partition will be re-read')),
      ),
    );
    this.applyBackpressure();
  }

  private applyBackpressure(): void {
    const over = this.options.handler.overBudget?.() ?? false;
    if (over === this.paused) return;
    this.paused = over;
    const topics = [{ topic: this.options.inputTopic }];
    if (over) {
      this.consumer.pause(topics);
      this.options.logger.warn('buffer over budget: pausing fetches');
    } else {
      this.consumer.resume(topics);
      this.options.logger.info('buffer below the low-water mark: resuming fetches');
    }
  }

  private async commit(partition: number, work: PartitionWork): Promise<void> {
    if (work.outputs.length === 0 && work.commitOffset === undefined) return;
    const producer = await this.producerFor(partition);
    const transaction = await producer.transaction();
    try {
      const byTopic = new Map<string, OutputRecord[]>();
      for (const output of work.outputs) byTopic.set(output.topic, [...(byTopic.get(output.topic) ?? []), output]);
      for (const [topic, records] of byTopic) {
        await transaction.send({
          topic,
          acks: -1,
          messages: records.map((r) => ({ key: r.key, value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength), headers: { ...r.headers } })),
        });
      }
      if (work.commitOffset !== undefined) {
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic: this.options.inputTopic, partitions: [{ partition, offset: work.commitOffset, ...(work.commitMetadata === undefined ? {} : { metadata: work.commitMetadata }) }] }],
        });
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      // The partition's state no longer matches what is committed: forget it and read again.
      this.options.handler.reset(partition);
      const producer = this.producers.get(partition);
      this.producers.delete(partition);
      await producer?.disconnect().catch(() => undefined);
      await this.seekToCommitted(partition);
      throw error;
    }
  }

  private async seekToCommitted(partition: number): Promise<void> {
    const committed = await this.committed(partition);
    if (committed && committed.offset !== '-1') this.consumer.seek({ topic: this.options.inputTopic, partition, offset: committed.offset });
  }

  /** The metadata committed with a partition's offset (see PartitionWork.commitMetadata), if any. */
  async committedMetadata(partition: number): Promise<string | undefined> {
    return (await this.committed(partition))?.metadata ?? undefined;
  }

  private async committed(partition: number): Promise<{ offset: string; metadata: string | null } | undefined> {
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      const [offsets] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.inputTopic] });
      return offsets?.partitions.find((p) => p.partition === partition);
    } finally {
      await admin.disconnect();
    }
  }

  private async producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      producer = this.options.kafka.producer({
        transactionalId: `${this.options.transactionalIdPrefix}-${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
      });
      await producer.connect();
      this.producers.set(partition, producer);
    }
    return producer;
  }

  private serialised<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(partition) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(partition, next);
    return next;
  }
}
