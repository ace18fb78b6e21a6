import { runService, topicOverridesFrom } from '@deltastream/service-shell';
import { ingestorConfigSchema } from './config';
import { IngestorModule } from './ingestor.module';

void runService({
  name: 'ingestor',
  configSchema: ingestorConfigSchema,
  module: (config, logger) => IngestorModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  bodyParser: false,
  kafka: (config) => ({ brokers: config.KAFKA_BROKERS, topics: topicOverridesFrom(config) }),
});
