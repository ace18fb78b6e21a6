import { runService } from '@deltastream/service-shell';
import { demoSourceConfigSchema } from './config';
import { DemoSourceModule } from './demo-source.module';

void runService({
  name: 'demo-source',
  configSchema: demoSourceConfigSchema,
  module: (config, logger) => DemoSourceModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
});
