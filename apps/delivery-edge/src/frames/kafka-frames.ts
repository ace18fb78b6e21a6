import { randomUUID } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { FrameSchema } from '@deltastream/contracts';
import { retryRetriable, subscribeWithRetry } from '@deltastream/kafka';
import type { Logger, RecordHeaders } from '@deltastream/observability';
import { FrameEvent } from './frame-event';

export interface FramesReaderOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topic: string;
  /** Prefix of the throw-away consumer group ids (never committed: positions are not kept between runs). */
  readonly groupPrefix: string;
  readonly maxRawBytes: number;
  readonly logger: Logger;
  readonly onUndecodable: (reason: string) => void;
}

/** Turns one Kafka record of the frames topic into a FrameEvent; undefined when it is not a Frame. */
function toEvent(value: Buffer | null, partition: number, offset: string, timestamp: string, maxRawBytes: number, headers?: RecordHeaders): FrameEvent | string {
  if (!value) return 'empty record';
  try {
    const frame = fromBinary(FrameSchema, value);
    if (!frame.stream || frame.seq < 1n) return 'frame without stream or seq';
    return new FrameEvent(frame, value, partition, Number(offset), Number(timestamp), maxRawBytes, headers);
  } catch (error) {
    return `not a Frame: ${(error as Error).message}`;
  }
}

/**
 * The edge's live reader: every partition of the frames topic, from the beginning, in a consumer group
 * of its own (random id, offsets never committed) so each replica sees every frame. Reading the whole
 * retained topic at start warms the per-stream extent, seq index and latest state; `caughtUp()` is true
 * once every partition has been read up to where it ended when the reader started.
 */
export class LiveFramesReader {
  private consumer: Consumer | undefined;
  private readonly startEnds = new Map<number, number>();
  private readonly positions = new Map<number, number>();
  private readonly lastActivity = new Map<number, number>();
  private joinedAt: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  private ready = false;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly options: FramesReaderOptions,
    private readonly publish: (event: FrameEvent) => void,
  ) {}

  async start(): Promise<void> {
    const { kafka, admin, topic } = this.options;
    const offsets = await retryRetriable(`reading the offsets of ${topic}`, () => admin.fetchTopicOffsets(topic), this.options.logger);
    for (const { partition, high, low } of offsets) {
      // A partition with nothing retained is caught up from the start.
      if (Number(high) > Number(low)) this.startEnds.set(partition, Number(high));
    }
    const consumer = kafka.consumer({ groupId: `${this.options.groupPrefix}-live-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joinedAt = Date.now();
    });
    await consumer.connect();
    await subscribeWithRetry(consumer, topic, this.options.logger);
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.eachBatch(payload) });
    // Idle partitions produce no batches: poll until caught up.
    this.poll = setInterval(() => {
      if (this.caughtUp()) clearInterval(this.poll);
    }, 100);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.poll);
    await this.consumer?.disconnect();
  }

  /** True once the reader has read what the topic held when it started (see class comment). */
  caughtUp(): boolean {
    if (this.ready) return true;
    if (this.joinedAt === undefined) return false;
    const now = Date.now();
    for (const [partition, end] of this.startEnds) {
      const position = this.positions.get(partition) ?? -1;
      // A transactional producer leaves one commit marker after its last record; a partition whose
      // reader has been idle for a second after joining is at its end whatever markers follow.
      const idle = now - Math.max(this.lastActivity.get(partition) ?? 0, this.joinedAt) > 1_000;
      if (position < end - 1 && !idle) return false;
    }
    this.ready = true;
    for (const wake of this.waiters.splice(0)) wake();
    return true;
  }

  /** Resolves true once caught up, false after `timeoutMs`. */
  async whenCaughtUp(timeoutMs: number): Promise<boolean> {
    if (this.caughtUp()) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.caughtUp()), timeoutMs);
      this.onCaughtUp(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Calls `callback` once the reader has caught up (at once if it has). */
  onCaughtUp(callback: () => void): void {
    if (this.ready) callback();
    else this.waiters.push(callback);
  }

  private async eachBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      const event = toEvent(message.value, batch.partition, message.offset, message.timestamp, this.options.maxRawBytes, message.headers);
      if (typeof event === 'string') this.options.onUndecodable(event);
      else this.publish(event);
      this.positions.set(batch.partition, Number(message.offset) + 1);
    }
    this.lastActivity.set(batch.partition, Date.now());
    if (!this.ready) this.caughtUp();
    await heartbeat();
  }
}

export interface ReplayTarget {
  readonly stream: string;
  readonly partition: number;
  readonly startOffset: number;
  /** The replay ends (`onEnd`) once it read past this offset: the latest frame known when it started. */
  readonly lastOffset: number;
  readonly onFrame: (event: FrameEvent) => void;
  readonly onEnd: () => void;
  /**
   * Pull, not push: true while the subscriber's queue holds as much as a replay may put in it. The reader then
   * stops at that frame and reads on from it when `whenDrained` calls back — so a client that keeps reading gets
   * the whole history however long, and the slow-consumer policy never mistakes Kafka's speed for its own.
   */
  readonly full?: () => boolean;
  readonly whenDrained?: (resume: () => void) => void;
}

/**
 * Reads one stream's frames from one offset of its partition (a consumer of its own, other partitions
 * paused), handing them to the subscription's ReplayLiveHandoff until stopped.
 *
 * Start and stop cannot race: `stop()` waits for a start under way (connect, join) to finish before it
 * disconnects, and the consumer is never restarted by kafkajs after a crash (`restartOnFailure: false`) — a
 * subscriber that leaves 30 ms after asking for a replay left kafkajs consumers running with no owner.
 */
export class ReplayReader {
  /** Replay consumers created and not yet disconnected, in this process (a gauge; returns to 0 when idle). */
  static live = 0;
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private ended = false;

  constructor(
    private readonly options: FramesReaderOptions,
    private readonly target: ReplayTarget,
    private readonly onRead: () => void,
  ) {}

  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const { kafka, admin, topic } = this.options;
    const target = this.target;
    const offsets = await admin.fetchTopicOffsets(topic);
    const bounds = offsets.find((o) => o.partition === target.partition);
    const low = Number(bounds?.low ?? 0);
    const startOffset = Math.max(target.startOffset, low);
    if (this.stopped) return;
    if (startOffset > target.lastOffset) {
      // Retention removed everything up to the latest frame known: nothing to read.
      this.end();
      return;
    }
    const consumer = kafka.consumer({
      groupId: `${this.options.groupPrefix}-replay-${randomUUID()}`,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // An owned consumer: if it crashes the replay ends (the subscriber is told), it is not run again unowned.
      retry: { restartOnFailure: async () => false },
    });
    ReplayReader.live += 1;
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, () => {
      if (!this.stopped) this.end();
    });
    const others = offsets.map((o) => o.partition).filter((p) => p !== target.partition);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
    });
    try {
      await this.runConsumer(consumer);
    } catch (error) {
      // Never left behind: a consumer that failed to start is disconnected here, not by its owner.
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      ReplayReader.live -= 1;
      throw error;
    }
    if (!this.stopped) consumer.seek({ topic, partition: target.partition, offset: String(startOffset) });
  }

  private async runConsumer(consumer: Consumer): Promise<void> {
    const { topic } = this.options;
    const target = this.target;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        if (batch.partition !== target.partition) return;
        for (const message of batch.messages) {
          if (this.stopped || !isRunning()) return;
          if (target.full?.() && target.whenDrained) {
            // Stop at this frame; read on from it once the client drained its queue.
            const at = { topic, partition: target.partition };
            consumer.pause([{ topic, partitions: [target.partition] }]);
            target.whenDrained(() => {
              if (this.stopped) return;
              consumer.seek({ ...at, offset: message.offset });
              consumer.resume([{ topic, partitions: [target.partition] }]);
            });
            return;
          }
          const event = toEvent(message.value, batch.partition, message.offset, message.timestamp, this.options.maxRawBytes, message.headers);
          if (typeof event !== 'string' && event.stream === target.stream) {
            this.onRead();
            target.onFrame(event);
          }
          if (Number(message.offset) >= target.lastOffset) this.end();
        }
        await heartbeat();
      },
    });
  }

  /**
   * Idempotent; safe to call from inside the handoff's callbacks (the disconnect runs after them). Waits for a
   * start under way, so the consumer it created is the one disconnected.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await new Promise<void>((resolve) => setImmediate(() => void consumer.disconnect().catch(() => undefined).then(() => resolve())));
    ReplayReader.live -= 1;
  }

  private end(): void {
    if (this.ended || this.stopped) return;
    this.ended = true;
    this.target.onEnd();
  }
}
