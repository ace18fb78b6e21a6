import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule } from '@deltastream/service-shell';
import type { IngestorConfig } from './config';

/** Incremental fetch from upstream APIs by cursor; cursor and lease shared in Redis. */
@Module({})
export class IngestorModule {
  static register(config: IngestorConfig, logger: Logger): DynamicModule {
    return {
      module: IngestorModule,
      imports: [InfraModule.forRoot({
        service: 'ingestor',
        logger,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: { partitions: config.TOPIC_PARTITIONS, framesRetentionMs: config.FRAMES_RETENTION_MS } },
        redis: { url: config.REDIS_URL },
      })],
    };
  }
}
