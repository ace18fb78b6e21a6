import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { DEAD_LETTER_SINK, InfraModule, LOGGER, READINESS, REDIS, TOPICS, topicOverridesFrom, type ReadinessRegistry } from '@deltastream/service-shell';
import type { IngestorConfig } from './config';
import { IngestRuntime } from './ingest.runtime';
import { CHANGE_PRODUCER, changeProducerProviders } from './kafka/change-producer';
import { PushController } from './push/push.controller';

/** Incremental fetch from upstream APIs by cursor; cursor and lease shared in Redis. */
@Module({})
export class IngestorModule {
  static register(config: IngestorConfig, logger: Logger): DynamicModule {
    return {
      module: IngestorModule,
      imports: [
        InfraModule.forRoot({
          service: 'ingestor',
          logger,
          kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
          redis: { url: config.REDIS_URL },
        }),
      ],
      controllers: [PushController],
      providers: [
        ...changeProducerProviders(config),
        {
          provide: IngestRuntime,
          useFactory: (...deps: ConstructorParameters<typeof IngestRuntime> extends [unknown, ...infer Rest] ? Rest : never) => new IngestRuntime(config, ...deps),
          inject: [REDIS, CHANGE_PRODUCER, TOPICS, DEAD_LETTER_SINK, LOGGER],
        },
        {
          // Stalled sources in /readyz details: visible, without taking the replica out of service.
          provide: 'INGEST_READINESS_DETAILS',
          useFactory: (runtime: IngestRuntime, readiness: ReadinessRegistry) => readiness.describe('stalled_sources', () => (runtime.stalled.size > 0 ? Object.fromEntries(runtime.stalled) : undefined)),
          inject: [IngestRuntime, READINESS],
        },
      ],
    };
  }
}
