import { metrics } from '@opentelemetry/api';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '@deltastream/observability';
import { chunkByBytes } from './proto-producer';
import { retryConcurrentTransaction, subscribeWithRetry } from './broker-retry';

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
  /**
   * Group session timeout (default 30 s): how long the group waits for a member that died without leaving
   * (kill -9) before its partitions move. The broker's group.min.session.timeout.ms (6 s) bounds it below.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Most bytes fetched per partition at once (default 4 MiB). Every fetched batch costs one transaction
   * (several broker round trips), so a bigger batch spreads that cost over more records; kafkajs' own
   * default (1 MiB) made the transactions, not the CPU, the windower's limit at ~17k change events/s.
   */
  readonly maxBytesPerPartition?: number;
}

const LAG_SAMPLE_MS = 5_000;

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
  /** Committed offset behind the high watermark, per owned partition, sampled every LAG_SAMPLE_MS. */
  private readonly lag = new Map<number, number>();
  private lagAdmin: Admin | undefined;
  private lagSampledAt = 0;
  private hasJoined = false;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  /** The tick under way, if any (stop() waits for it). */
  private ticking: Promise<unknown> | undefined;
  private running = false;

  constructor(private readonly options: TransactionalProcessorOptions) {
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 4 * (options.maxBytesPerPartition ?? 4 * 1024 * 1024),
      sessionTimeout,
      // A third of the session at most, so two missed heartbeats do not yet cost the membership.
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    });
    // Consumer lag per owned partition (high watermark − committed offset): sampled from the broker, so a
    // stalled consumer shows a growing lag instead of its last good value.
    metrics
      .getMeter('deltastream-kafka')
      .createObservableGauge('deltastream.consumer.lag', { description: 'Records behind the high watermark, per consumed partition' })
      .addCallback((result) => {
        for (const partition of this.assigned) result.observe(this.lag.get(partition) ?? 0, { group: options.groupId, topic: options.inputTopic, partition });
      });
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const next = new Set<number>(payload.memberAssignment[options.inputTopic] ?? []);
      this.onAssignment(next).catch((error: unknown) => options.logger.error({ err: (error as Error).message }, 'handling the new assignment failed'));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => options.logger.error({ err: payload.error?.message, restart: payload.restart }, 'consumer crashed'));
    await consumer.connect();
    await subscribeWithRetry(consumer, options.inputTopic, options.logger);
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const handled = await this.serialised(batch.partition, async () => {
          // Checked again once it is this batch's turn: a failed batch or tick of the same partition queued
          // ahead of it may have reset the state and sought back to the committed offset. Handling this
          // batch on the fresh state would skip the records in between (loss).
          if (isStale()) return false;
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
          return true;
        }).catch((error: unknown) => {
          // kafkajs retries the fetch after a backoff but logs nothing for its own error types.
          options.logger.warn({ partition: batch.partition, err: (error as Error).message }, 'batch failed; the partition will be re-read');
          throw error;
        });
        if (!handled) return;
        // Advances kafkajs' fetch position only; the group offset moves inside the transaction above.
        resolveOffset(batch.lastOffset());
        await heartbeat();
        this.applyBackpressure();
      },
    });
    const tickMs = options.tickMs ?? 250;
    const tick = () => {
      this.ticking = Promise.all([this.tickAll(), this.sampleLag()]).finally(() => {
        if (this.running) this.timer = setTimeout(tick, tickMs);
      });
    };
    this.timer = setTimeout(tick, tickMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    // A tick under way (window flushes, a lag sample) finishes first: it must not use, or create, clients
    // after they were disconnected (that left a lag admin retrying against the broker after stop).
    await this.ticking?.catch(() => undefined);
    await this.consumer.disconnect();
    await Promise.all([...this.queues.values()].map((q) => q.catch(() => undefined)));
    await Promise.all([...this.producers.values()].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
    await this.lagAdmin?.disconnect().catch(() => undefined);
  }

  private async sampleLag(): Promise<void> {
    if (!this.running || Date.now() - this.lagSampledAt < LAG_SAMPLE_MS || this.assigned.size === 0) return;
    this.lagSampledAt = Date.now();
    try {
      if (!this.lagAdmin) {
        this.lagAdmin = this.options.kafka.admin();
        await this.lagAdmin.connect();
      }
      const { inputTopic, groupId } = this.options;
      const [watermarks, [committed]] = await Promise.all([this.lagAdmin.fetchTopicOffsets(inputTopic), this.lagAdmin.fetchOffsets({ groupId, topics: [inputTopic] })]);
      for (const { partition, high } of watermarks) {
        const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        // Nothing committed yet: everything from the low watermark on is still to do.
        const from = offset === '-1' ? BigInt(watermarks.find((w) => w.partition === partition)?.low ?? '0') : BigInt(offset);
        this.lag.set(partition, Math.max(0, Number(BigInt(high) - from)));
      }
    } catch (error) {
      this.options.logger.debug({ err: (error as Error).message }, 'consumer lag not sampled');
    }
  }

  /** True once the consumer joined its group (a member with no partitions is still a ready standby). */
  joined(): boolean {
    return this.hasJoined;
  }

  /** Partitions of the input topic this instance owns. */
  assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  /** True while fetching is paused because the handler is over its budget. */
  isPaused(): boolean {
    return this.paused;
  }

  private async onAssignment(next: Set<number>): Promise<void> {
    this.hasJoined = true;
    const previous = this.assigned;
    this.assigned = next;
    // kafkajs forgets pauses when it restarts its consumer group after a crash.
    if (this.paused) this.pauseFetching();
    // Every reset is queued now, synchronously: this event fires inside kafkajs' join, before it fetches for
    // the new generation, so no batch of the new generation can be handled with the previous state (which
    // would be ahead of the committed offset kafkajs resumes from). Queuing them one after another would
    // let a batch of a later partition slip in ahead of its reset.
    await Promise.all(
      [...new Set([...previous, ...next])].map((partition) =>
        this.serialised(partition, async () => {
          this.options.handler.reset(partition);
          if (!next.has(partition)) await this.dropProducer(partition);
        }),
      ),
    );
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
    if (over) {
      this.pauseFetching();
      this.options.logger.warn('buffer over budget: pausing fetches');
    } else {
      this.consumer.resume([{ topic: this.options.inputTopic }]);
      this.options.logger.info('buffer below the low-water mark: resuming fetches');
    }
  }

  private pauseFetching(): void {
    try {
      this.consumer.pause([{ topic: this.options.inputTopic }]);
    } catch (error) {
      // Only before run() / after stop(): nothing is fetched then anyway.
      this.options.logger.debug({ err: (error as Error).message }, 'pause not applied');
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
        // In requests of bounded size: one partition's batch must stay under the broker's message size limit.
        for (const chunk of chunkByBytes(records, (r) => r.value.byteLength + r.key.length + 64)) {
          await transaction.send({
            topic,
            acks: -1,
            messages: chunk.map((r) => ({ key: r.key, value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength), headers: { ...r.headers } })),
          });
        }
      }
      if (work.commitOffset !== undefined) {
        const offsets = {
          consumerGroupId: this.options.groupId,
          topics: [{ topic: this.options.inputTopic, partitions: [{ partition, offset: work.commitOffset, ...(work.commitMetadata === undefined ? {} : { metadata: work.commitMetadata }) }] }],
        };
        // In a transaction without outputs this is the first call, which may meet the previous one still completing.
        await retryConcurrentTransaction(() => transaction.sendOffsets(offsets));
      }
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      // The partition's state no longer matches what is committed: forget it and read again.
      this.options.handler.reset(partition);
      await this.dropProducer(partition);
      await this.seekToCommitted(partition);
      throw error;
    }
  }

  private async seekToCommitted(partition: number): Promise<void> {
    const committed = await this.committed(partition);
    if (committed && committed.offset !== '-1') this.consumer.seek({ topic: this.options.inputTopic, partition, offset: committed.offset });
  }

  /**
   * The metadata committed with a partition's offset (see PartitionWork.commitMetadata), if any — read as
   * the partition's owner, from the handler, before it rebuilds its state.
   *
   * It first fences every other writer of the partition: a fresh transactional producer runs
   * InitProducerId, which bumps the epoch, completes or aborts a transaction the previous owner still has
   * open, and refuses that owner's later commits. Without it, a previous owner that has not noticed the
   * rebalance yet (its tick timer keeps committing until it rejoins) could commit after this read, and this
   * owner would build on stale state: outputs produced twice, a window id with two contents, a reused seq.
   */
  async committedMetadata(partition: number): Promise<string | undefined> {
    await this.fence(partition);
    return (await this.committed(partition))?.metadata ?? undefined;
  }

  private async fence(partition: number): Promise<void> {
    await this.dropProducer(partition);
    const producer = await this.producerFor(partition);
    // kafkajs sends the transactional InitProducerId when the first transaction begins, not on connect;
    // aborting a transaction that added nothing sends nothing more.
    const transaction = await producer.transaction();
    await transaction.abort();
  }

  private async dropProducer(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    await producer?.disconnect().catch(() => undefined);
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
        // Starts short: the retry it meets all the time is CONCURRENT_TRANSACTIONS on the first send of a
        // transaction (the previous one's markers still being written, a few ms). At 200 ms every such retry
        // stalled this partition's batch — and with it kafkajs' fetch loop, which waits for every batch of a
        // fetch — for a fifth of a second. Real outages back off to 5 s within nine retries.
        retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20, maxRetryTime: 5_000 },
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
