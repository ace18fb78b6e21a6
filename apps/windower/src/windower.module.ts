import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import { InfraModule, KAFKA, LOGGER, READINESS, TOPICS, topicOverridesFrom, type ReadinessRegistry } from '@deltastream/service-shell';
import type { WindowerConfig } from './config';
import { WindowerRuntime } from './windower.runtime';

/** Per-stream micro-windows by time, count and bytes. */
@Module({})
export class WindowerModule {
  static register(config: WindowerConfig, logger: Logger): DynamicModule {
    return {
      module: WindowerModule,
      imports: [
        InfraModule.forRoot({
          service: 'windower',
          logger,
          kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
        }),
      ],
      providers: [
        {
          provide: WindowerRuntime,
          useFactory: (kafka: Kafka, topics: Record<TopicName, TopicSpec>, readiness: ReadinessRegistry, log: Logger) => new WindowerRuntime(config, kafka, topics, readiness, log),
          inject: [KAFKA, TOPICS, READINESS, LOGGER],
        },
      ],
    };
  }
}
