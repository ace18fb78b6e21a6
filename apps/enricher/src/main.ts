import { runService, topicOverridesFrom } from '@deltastream/service-shell';
import { enricherConfigSchema } from './config';
import { EnricherModule } from './enricher.module';

void runService({
  name: 'enricher',
  configSchema: enricherConfigSchema,
  module: (config, logger) => EnricherModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  kafka: (config) => ({ brokers: config.KAFKA_BROKERS, topics: topicOverridesFrom(config) }),
});
