import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule, topicOverridesFrom } from '@deltastream/service-shell';
import type { EnricherConfig } from './config';

/** Declarative transforms and lossless event-delta encoding. */
@Module({})
export class EnricherModule {
  static register(config: EnricherConfig, logger: Logger): DynamicModule {
    return {
      module: EnricherModule,
      imports: [InfraModule.forRoot({
        service: 'enricher',
        logger,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
        redis: { url: config.REDIS_URL },
      })],
    };
  }
}
