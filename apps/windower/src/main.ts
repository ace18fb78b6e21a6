import { runService, topicOverridesFrom } from '@deltastream/service-shell';
import { windowerConfigSchema } from './config';
import { WindowerModule } from './windower.module';

void runService({
  name: 'windower',
  configSchema: windowerConfigSchema,
  module: (config, logger) => WindowerModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  kafka: (config) => ({ brokers: config.KAFKA_BROKERS, topics: topicOverridesFrom(config) }),
});
