import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import { IngestKind } from '@deltastream/contracts';
import type { DeadLetterSink, RecordProducer } from '@deltastream/kafka';
import { DedupingRejectSink } from '@deltastream/ingest';
import type { Logger } from '@deltastream/observability';
import type { IngestorConfig, ResolvedSource } from './config';
import { KafkaChangeSink } from './kafka/change-sink';
import { DeadLetterRejectSink } from './kafka/reject-sink';
import { otelIngestMetrics, type IngestorMetrics } from './metrics';
import { RedisRejectMemory } from './redis/redis-reject-memory';
import { RedisReplayGuard } from './redis/redis-replay-guard';
import { IngestCoordinator } from './polling/coordinator';
import { RedisCursorStore } from './redis/redis-cursor-store';
import { RedisSnapshotStore } from './redis/redis-snapshot-store';
import { RedisLeases } from './redis/redis-leases';
import { defaultFetchPolicy, HttpPageFetcher, RequestBudget, type UpstreamAccess } from './upstream/http-page-fetcher';

/** A source's credentials and request budget for its page fetcher. */
export function upstreamAccess(source: ResolvedSource): UpstreamAccess {
  return { ...(source.auth ? { auth: source.auth } : {}), ...(source.config.requestsPerMinute ? { budget: new RequestBudget(source.config.requestsPerMinute) } : {}) };
}

/** Wires the ports to their adapters and runs the coordinator for the service's lifetime. */
export class IngestRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  readonly metrics: IngestorMetrics;
  readonly pollChanges: KafkaChangeSink;
  readonly pushChanges: KafkaChangeSink;
  /** Refused input, dead-lettered once per INGESTOR_REJECT_MEMORY_MS (polls and webhooks). */
  readonly rejects: DedupingRejectSink;
  /** Signed webhook requests already received (refused when replayed). */
  readonly replays: RedisReplayGuard;
  /** Sources stalled right now: since when, and why (readiness details, a metric). */
  readonly stalled = new Map<string, { readonly since: string; readonly reason: string }>();
  readonly sources: readonly ResolvedSource[];
  private readonly coordinator: IngestCoordinator;

  constructor(config: IngestorConfig, redis: Redis, producer: RecordProducer, topics: Record<TopicName, TopicSpec>, deadLetters: DeadLetterSink, logger: Logger) {
    this.sources = config.DELTASTREAM_CONFIG.filter((s) => !config.INGESTOR_SOURCES || config.INGESTOR_SOURCES.includes(s.config.id));
    this.metrics = otelIngestMetrics(() => this.stalled, this.sources.map((s) => s.config.id));
    const records = new Map(this.sources.map((s) => [s.config.id, { partitionKey: s.config.partitionKey, changesPerRecord: s.config.changesPerRecord, recordFormat: s.config.recordFormat }]));
    this.pollChanges = new KafkaChangeSink(producer, topics.events, IngestKind.POLL, records);
    this.pushChanges = new KafkaChangeSink(producer, topics.events, IngestKind.PUSH, records);
    this.rejects = new DedupingRejectSink(
      new DeadLetterRejectSink(deadLetters, logger),
      new RedisRejectMemory(redis, config.TOPIC_NAMESPACE, config.INGESTOR_REJECT_MEMORY_MS),
      (source, count) => this.metrics.deadLettersSuppressed(source, count),
      (error) => logger.warn({ err: (error as Error).message }, 'reject memory unavailable: dead-lettering without it'),
    );
    this.replays = new RedisReplayGuard(redis, config.TOPIC_NAMESPACE);
    const store = new RedisCursorStore(redis, config.TOPIC_NAMESPACE);
    const snapshots = new RedisSnapshotStore(redis, config.TOPIC_NAMESPACE);
    const fetchers = new Map(this.sources.map((s) => [s.config.id, new HttpPageFetcher(s.headers, defaultFetchPolicy, Date.now, upstreamAccess(s))]));
    const polled = this.sources.filter((s) => s.config.poll);
    this.coordinator = new IngestCoordinator(
      polled.map((s) => s.config),
      new RedisLeases(redis, config.TOPIC_NAMESPACE),
      (source) => ({
        store,
        snapshots,
        fetcher: fetchers.get(source.id) as HttpPageFetcher,
        changes: this.pollChanges,
        rejects: this.rejects,
        metrics: this.metrics,
        clock: Date.now,
      }),
      {
        onThrottled: (id) => this.metrics.throttled(id),
        onError: (id, kind) => this.metrics.upstreamErrors(id, kind),
        onStalled: (id, reason) => this.stalled.set(id, { since: this.stalled.get(id)?.since ?? new Date().toISOString(), reason }),
        onResumed: (id) => this.stalled.delete(id),
      },
      logger,
      { leaseTtlMs: config.INGESTOR_LEASE_TTL_MS, replicaId: config.INGESTOR_REPLICA_ID, stalledMaxBackoffMs: config.INGESTOR_STALLED_MAX_BACKOFF_MS },
    );
    logger.info({ sources: this.sources.map((s) => s.config.id), replica: this.coordinator.replicaId }, 'ingestor configured');
  }

  onApplicationBootstrap(): void {
    this.coordinator.start();
  }

  /** Stops polling before the producer and Redis close (module destroy runs before application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.coordinator.stop();
  }

  ownedSources(): string[] {
    return this.coordinator.ownedSources();
  }
}
