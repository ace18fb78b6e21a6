import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** Serves the service's metrics in the Prometheus text format (mounted at GET /metrics). */
export interface MetricsEndpoint {
  handle(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

let installed: MetricsEndpoint | undefined;

/**
 * Installs the global OpenTelemetry meter provider with a Prometheus reader. Must run before any meter
 * is taken (the API hands out no-op meters until a provider is installed), so `runService` calls it first.
 * OpenTelemetry names like `deltastream.ingest.dead_letters` are exported as `deltastream_ingest_dead_letters_total`.
 */
export function installMetrics(service: string): MetricsEndpoint {
  if (installed) return installed;
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': `deltastream-${service}`, 'service.namespace': 'deltastream' }), readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  installed = {
    handle: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
  return installed;
}
