import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicName, TopicSpec } from '@deltastream/contracts';
import { TransactionalProcessor } from '@deltastream/kafka';
import type { Logger } from '@deltastream/observability';
import type { ReadinessRegistry } from '@deltastream/service-shell';
import { Windower } from '@deltastream/windowing';
import type { WindowerConfig } from './config';
import { observeWindowerGauges, otelWindowingMetrics } from './metrics';
import type { BufferedChange } from './windowing/window-records';
import { WindowingHandler } from './windowing/windowing.handler';

/** Runs the events → windows stage as one exactly-once transactional consumer. */
export class WindowerRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly processor: TransactionalProcessor;

  constructor(config: WindowerConfig, kafka: Kafka, topics: Record<TopicName, TopicSpec>, readiness: ReadinessRegistry, logger: Logger) {
    const groupId = `${config.TOPIC_NAMESPACE}-windower`;
    const windower = new Windower<BufferedChange>({ streams: config.DELTASTREAM_CONFIG, budget: { highWaterBytes: config.WINDOWER_MAX_BUFFERED_BYTES } });
    // The handler reads committed state through the processor that drives it; it is only called after start().
    const handler = new WindowingHandler(windower, topics, (partition) => this.processor.committedMetadata(partition), otelWindowingMetrics(), logger);
    this.processor = new TransactionalProcessor({
      kafka,
      groupId,
      inputTopic: topics.events.name,
      transactionalIdPrefix: groupId,
      handler,
      logger,
      tickMs: config.WINDOWER_TICK_MS,
      sessionTimeoutMs: config.WINDOWER_SESSION_TIMEOUT_MS,
    });
    observeWindowerGauges({ bufferedBytes: () => handler.bufferedBytes(), paused: () => this.processor.isPaused(), assignedPartitions: () => this.processor.assignedPartitions().length });
    readiness.register('consumer_group', async () => this.processor.joined());
    logger.info({ streams: config.DELTASTREAM_CONFIG.map((s) => s.stream), maxBufferedBytes: config.WINDOWER_MAX_BUFFERED_BYTES, groupId }, 'windower configured');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.processor.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.processor.stop();
  }
}
