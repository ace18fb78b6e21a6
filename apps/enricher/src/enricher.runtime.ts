import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import { TransactionalProcessor } from '@deltastream/kafka';
import type { Logger } from '@deltastream/observability';
import type { ReadinessRegistry } from '@deltastream/service-shell';
import { CachedReferenceLookup } from '@deltastream/transforms';
import type { EnricherConfig } from './config';
import { EnrichingHandler } from './enriching/enriching.handler';
import { otelEnrichingMetrics } from './metrics';
import { RedisReferenceLookup } from './redis/redis-reference-lookup';

/** Runs the windows → encoded stage as one exactly-once transactional consumer. */
export class EnricherRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly processor: TransactionalProcessor;

  constructor(config: EnricherConfig, kafka: Kafka, redis: Redis, topics: Record<TopicName, TopicSpec>, readiness: ReadinessRegistry, logger: Logger) {
    const groupId = `${config.TOPIC_NAMESPACE}-enricher`;
    const metrics = otelEnrichingMetrics();
    const references = new CachedReferenceLookup(new RedisReferenceLookup(redis, (hash, id) => {
      metrics.invalidReferenceRow(hash);
      logger.warn({ hash, id }, 'reference row is not a JSON object; joined as missing');
    }), { ttlMs: config.ENRICHER_REFERENCE_TTL_MS });
    // The handler reads committed state through the processor that drives it; it is only called after start().
    const handler = new EnrichingHandler(config.DELTASTREAM_CONFIG, topics, references, metrics, logger, {
      maxEntities: config.ENRICHER_DERIVE_MAX_ENTITIES,
      checkpointMaxBytes: config.ENRICHER_DERIVE_CHECKPOINT_MAX_BYTES,
      loadCommitted: (partition) => this.processor.committedMetadata(partition),
    });
    this.processor = new TransactionalProcessor({ kafka, groupId, inputTopic: topics.windows.name, transactionalIdPrefix: groupId, handler, logger, sessionTimeoutMs: config.ENRICHER_SESSION_TIMEOUT_MS });
    readiness.register('consumer_group', async () => this.processor.joined());
    logger.info({ streams: [...config.DELTASTREAM_CONFIG.keys()], groupId }, 'enricher configured');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.processor.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.processor.stop();
  }
}
