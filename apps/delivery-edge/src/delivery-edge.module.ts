import { Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import type { Logger } from '@deltastream/observability';
import { InfraModule, KAFKA, KAFKA_ADMIN, LOGGER, READINESS, REDIS, TOPICS, topicOverridesFrom, type ReadinessRegistry } from '@deltastream/service-shell';
import type { DeliveryEdgeConfig } from './config';
import { EdgeRuntime } from './edge.runtime';
import { SseController } from './sse.controller';

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
        // Limits fall back to per-replica counting without Redis: the edge keeps serving meanwhile.
        redis: { url: config.REDIS_URL, degradable: true },
      })],
      controllers: [SseController],
      providers: [
        {
          provide: EdgeRuntime,
          useFactory: (kafka: Kafka, admin: Admin, topics: Record<TopicName, TopicSpec>, redis: Redis, readiness: ReadinessRegistry, httpHost: HttpAdapterHost, log: Logger) =>
            new EdgeRuntime(config, kafka, admin, topics, redis, readiness, httpHost, log),
          inject: [KAFKA, KAFKA_ADMIN, TOPICS, REDIS, READINESS, HttpAdapterHost, LOGGER],
        },
      ],
    };
  }
}
