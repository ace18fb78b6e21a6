import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule, topicOverridesFrom } from '@deltastream/service-shell';
import type { WindowerConfig } from './config';

/** Per-stream micro-windows by time, count and bytes. */
@Module({})
export class WindowerModule {
  static register(config: WindowerConfig, logger: Logger): DynamicModule {
    return {
      module: WindowerModule,
      imports: [InfraModule.forRoot({
        service: 'windower',
        logger,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
      })],
    };
  }
}
