import { Inject, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type Redis from 'ioredis';
import { topicCatalog, type TopicName, type TopicOverrides, type TopicSpec } from '@deltastream/contracts';
import { createKafkaClient, ensureTopics, kafkaReady, KafkaDeadLetterSink, ProtoProducer, retryRetriable } from '@deltastream/kafka';
import { installMetrics, type Logger } from '@deltastream/observability';
import { createRedisClient, redisReady } from '@deltastream/redis';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness';
import { DEAD_LETTER_SINK, KAFKA, KAFKA_ADMIN, LOGGER, METRICS, PROTO_PRODUCER, READINESS, REDIS, SERVICE_NAME, TOPICS } from './tokens';

export interface InfraOptions {
  readonly service: string;
  readonly logger: Logger;
  readonly kafka?: { readonly brokers: readonly string[]; readonly clientId?: string; readonly topics?: TopicOverrides };
  /**
   * `degradable`: the service works without Redis (e.g. the edge's limits fall back to per-replica
   * counting), so it starts and stays ready while Redis is down, and the client keeps reconnecting.
   * Otherwise (the default) Redis is required: start-up waits for it and readiness follows it.
   */
  readonly redis?: { readonly url: string; readonly degradable?: boolean };
}

class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(PROTO_PRODUCER) private readonly producer: ProtoProducer,
    @Inject(TOPICS) private readonly topics: Record<TopicName, TopicSpec>,
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.admin.connect();
    // On a broker that has just started, or while another service creates the same topics, metadata can
    // lag (UNKNOWN_TOPIC_OR_PARTITION, retriable): that must delay the start, not fail it.
    await retryRetriable('ensuring topics', () => ensureTopics(this.admin, Object.values(this.topics), this.logger), this.logger);
    await this.producer.connect();
    this.readiness.register('kafka', () => kafkaReady(this.admin));
    this.logger.info('connected to Kafka');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

const REDIS_DEGRADABLE = Symbol('REDIS_DEGRADABLE');

class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(READINESS) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS_DEGRADABLE) private readonly degradable: boolean,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.degradable) {
      // A failed first connect is logged by the client, which keeps reconnecting (retryStrategy).
      this.redis.connect().then(
        () => this.logger.info('connected to Redis'),
        () => undefined,
      );
      return;
    }
    await this.redis.connect();
    this.readiness.register('redis', () => redisReady(this.redis));
    this.logger.info('connected to Redis');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The infrastructure a service shell wires: logger, readiness, /healthz + /readyz and, when asked for,
 * Kafka (client, admin, idempotent producer, dead-letter sink, topics ensured at start) and Redis.
 */
@Module({})
export class InfraModule {
  static forRoot(options: InfraOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_NAME, useValue: options.service },
      { provide: LOGGER, useValue: options.logger },
      { provide: READINESS, useValue: new ReadinessRegistry() },
      { provide: METRICS, useValue: installMetrics(options.service) },
    ];
    const exported: symbol[] = [SERVICE_NAME, LOGGER, READINESS, METRICS];

    if (options.kafka) {
      const kafkaOptions = options.kafka;
      providers.push(
        {
          provide: KAFKA,
          useFactory: () => createKafkaClient({ clientId: kafkaOptions.clientId ?? `deltastream-${options.service}`, brokers: kafkaOptions.brokers, logger: options.logger }),
        },
        { provide: KAFKA_ADMIN, useFactory: (kafka: Kafka) => kafka.admin(), inject: [KAFKA] },
        { provide: PROTO_PRODUCER, useFactory: (kafka: Kafka) => new ProtoProducer(kafka), inject: [KAFKA] },
        { provide: TOPICS, useValue: topicCatalog(kafkaOptions.topics) },
        {
          provide: DEAD_LETTER_SINK,
          useFactory: (producer: ProtoProducer, topics: Record<TopicName, TopicSpec>) => new KafkaDeadLetterSink(producer, topics.deadLetter, options.service),
          inject: [PROTO_PRODUCER, TOPICS],
        },
        KafkaLifecycle,
      );
      exported.push(KAFKA, KAFKA_ADMIN, PROTO_PRODUCER, TOPICS, DEAD_LETTER_SINK);
    }
    if (options.redis) {
      const url = options.redis.url;
      providers.push({ provide: REDIS, useFactory: () => createRedisClient(url, options.logger) }, { provide: REDIS_DEGRADABLE, useValue: options.redis.degradable === true }, RedisLifecycle);
      exported.push(REDIS);
    }
    return { module: InfraModule, global: true, controllers: [HealthController], providers, exports: exported };
  }
}
