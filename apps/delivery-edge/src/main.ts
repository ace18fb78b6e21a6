import { runService, topicOverridesFrom } from '@deltastream/service-shell';
import { deliveryEdgeConfigSchema } from './config';
import { DeliveryEdgeModule } from './delivery-edge.module';

void runService({
  name: 'delivery-edge',
  configSchema: deliveryEdgeConfigSchema,
  module: (config, logger) => DeliveryEdgeModule.register(config, logger),
  http: (config) => ({ host: config.HTTP_HOST, port: config.HTTP_PORT, logLevel: config.LOG_LEVEL, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
  kafka: (config) => ({ brokers: config.KAFKA_BROKERS, topics: topicOverridesFrom(config) }),
  // In-process TLS for WebSocket, SSE and the health endpoints (gRPC uses the same pair, edge.runtime.ts).
  https: (config) => (config.EDGE_TLS_CERT_FILE && config.EDGE_TLS_KEY_FILE ? { cert: config.EDGE_TLS_CERT_FILE, key: config.EDGE_TLS_KEY_FILE } : undefined),
});
