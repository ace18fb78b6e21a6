import { runService, topicOverridesFrom } from '@deltastream/service-shell';
import { compressorConfigSchema } from './config';
import { CompressorModule } from './compressor.module';

void runService({
  name: 'compressor',
  configSchema: compressorConfigSchema,
  module: (config, logger) => CompressorModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  kafka: (config) => ({ brokers: config.KAFKA_BROKERS, topics: topicOverridesFrom(config) }),
});
