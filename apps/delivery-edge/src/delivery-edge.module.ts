import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@deltastream/observability';
import { InfraModule, topicOverridesFrom } from '@deltastream/service-shell';
import type { DeliveryEdgeConfig } from './config';

/** WebSocket, SSE and gRPC delivery with replay from Kafka. */
@Module({})
export class DeliveryEdgeModule {
  static register(config: DeliveryEdgeConfig, logger: Logger): DynamicModule {
    return {
      module: DeliveryEdgeModule,
      imports: [InfraModule.forRoot({
        service: 'delivery-edge',
        logger,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, topics: topicOverridesFrom(config) },
        redis: { url: config.REDIS_URL },
      })],
    };
  }
}
