import { Module, type DynamicModule } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import { InfraModule, KAFKA, LOGGER, READINESS, REDIS, TOPICS, topicOverridesFrom, type ReadinessRegistry } from '@deltastream/service-shell';
import type { EnricherConfig } from './config';
import { EnricherRuntime } from './enricher.runtime';

/** Declarative transforms and lossless event-delta encoding, per window batch. */
@Module({})
export class EnricherModule {
  static register(config: EnricherConfig, logger: Logger): DynamicModule {
    return {
      module: EnricherModule,
      imports: [
        InfraModule.forRoot({
          service: 'enricher',
          logger,
          kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
          redis: { url: config.REDIS_URL },
        }),
      ],
      providers: [
        {
          provide: EnricherRuntime,
          useFactory: (kafka: Kafka, redis: Redis, topics: Record<TopicName, TopicSpec>, readiness: ReadinessRegistry, log: Logger) => new EnricherRuntime(config, kafka, redis, topics, readiness, log),
          inject: [KAFKA, REDIS, TOPICS, READINESS, LOGGER],
        },
      ],
    };
  }
}
