import { Inject, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { PlatformaticProtoProducer, type ProtoProducer, type RecordProducer } from '@deltastream/kafka';
import type { Logger } from '@deltastream/observability';
import { LOGGER, PROTO_PRODUCER } from '@deltastream/service-shell';
import type { IngestorConfig } from '../config';

/** The producer of change events (the hot path), chosen by INGESTOR_KAFKA_CLIENT. */
export const CHANGE_PRODUCER = Symbol('CHANGE_PRODUCER');

/**
 * kafkajs: the shell's ProtoProducer (which also writes dead letters). platformatic: a
 * PlatformaticProtoProducer of its own, same client id and TLS/SASL; dead letters stay on the shell's.
 */
export function changeProducerProviders(config: IngestorConfig): Provider[] {
  return [
    {
      provide: CHANGE_PRODUCER,
      useFactory: (shared: ProtoProducer, logger: Logger): RecordProducer =>
        config.INGESTOR_KAFKA_CLIENT === 'platformatic'
          ? new PlatformaticProtoProducer({ clientId: config.KAFKA_CLIENT_ID ?? 'deltastream-ingestor', brokers: config.KAFKA_BROKERS, logger })
          : shared,
      inject: [PROTO_PRODUCER, LOGGER],
    },
    ChangeProducerLifecycle,
  ];
}

/** Connects and closes a producer of its own; the shell's ProtoProducer has its own lifecycle. */
class ChangeProducerLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CHANGE_PRODUCER) private readonly producer: RecordProducer,
    @Inject(PROTO_PRODUCER) private readonly shared: ProtoProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.producer === this.shared) return;
    await this.producer.connect();
    this.logger.info({ client: '@platformatic/kafka' }, 'change events are produced with @platformatic/kafka');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.producer !== this.shared) await this.producer.disconnect();
  }
}
