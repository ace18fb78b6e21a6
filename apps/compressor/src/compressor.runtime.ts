import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import { TransactionalProcessor } from '@deltastream/kafka';
import type { Logger } from '@deltastream/observability';
import type { ReadinessRegistry } from '@deltastream/service-shell';
import type { CompressorConfig } from './config';
import type { FrameCompressor } from './framing/frame-compressor.port';
import { FramingHandler } from './framing/framing.handler';
import { otelFramingMetrics } from './metrics';

/** Runs the encoded → frames stage as one exactly-once transactional consumer. */
export class CompressorRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly processor: TransactionalProcessor;

  constructor(config: CompressorConfig, kafka: Kafka, topics: Record<TopicName, TopicSpec>, compressor: FrameCompressor, readiness: ReadinessRegistry, logger: Logger) {
    const groupId = `${config.TOPIC_NAMESPACE}-compressor`;
    // The handler reads committed state through the processor that drives it; it is only called after start().
    const handler = new FramingHandler(topics, compressor, (partition) => this.processor.committedMetadata(partition), otelFramingMetrics(), logger);
    this.processor = new TransactionalProcessor({ kafka, groupId, inputTopic: topics.encoded.name, transactionalIdPrefix: groupId, handler, logger, sessionTimeoutMs: config.COMPRESSOR_SESSION_TIMEOUT_MS });
    readiness.register('consumer_group', async () => this.processor.joined());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.processor.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.processor.stop();
  }
}
