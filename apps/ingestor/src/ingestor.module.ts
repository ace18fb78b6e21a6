import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { DEAD_LETTER_SINK, InfraModule, LOGGER, REDIS, TOPICS, topicOverridesFrom } from '@deltastream/service-shell';
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
      ],
    };
  }
}
