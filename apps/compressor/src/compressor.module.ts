import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import { InfraModule, KAFKA, LOGGER, READINESS, TOPICS, topicOverridesFrom, type ReadinessRegistry } from '@deltastream/service-shell';
import type { CompressorConfig } from './config';
import { CompressorRuntime } from './compressor.runtime';
import { LibraryFrameCompressor } from './framing/library-frame-compressor';

/** One codec decision per frame; frames with gap-free per-stream seq. */
@Module({})
export class CompressorModule {
  static register(config: CompressorConfig, logger: Logger): DynamicModule {
    return {
      module: CompressorModule,
      imports: [
        InfraModule.forRoot({
          service: 'compressor',
          logger,
          kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
        }),
      ],
      providers: [
        {
          provide: CompressorRuntime,
          useFactory: (kafka: Kafka, topics: Record<TopicName, TopicSpec>, readiness: ReadinessRegistry, log: Logger) =>
            new CompressorRuntime(config, kafka, topics, new LibraryFrameCompressor(config.DELTASTREAM_CONFIG), readiness, log),
          inject: [KAFKA, TOPICS, READINESS, LOGGER],
        },
      ],
    };
  }
}
