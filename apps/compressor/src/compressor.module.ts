import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule, topicOverridesFrom } from '@deltastream/service-shell';
import type { CompressorConfig } from './config';

/** One codec decision per frame; frames with gap-free per-stream seq. */
@Module({})
export class CompressorModule {
  static register(config: CompressorConfig, logger: Logger): DynamicModule {
    return {
      module: CompressorModule,
      imports: [InfraModule.forRoot({
        service: 'compressor',
        logger,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
      })],
    };
  }
}
