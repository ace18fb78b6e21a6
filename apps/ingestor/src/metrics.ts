import { metrics } from '@opentelemetry/api';
import type { IngestMetrics } from '@deltastream/ingest';

/**
 * Ingest counters as OpenTelemetry instruments (no-ops until a metrics SDK/exporter is configured).
 * Names follow the OpenTelemetry semantic style: `deltastream.ingest.*`.
 */
export function otelIngestMetrics(): IngestMetrics & { throttled(sourceId: string): void; upstreamErrors(sourceId: string, kind: string): void } {
  const meter = metrics.getMeter('deltastream-ingestor');
  const records = meter.createCounter('deltastream.ingest.records_fetched', { description: 'Records fetched from upstream APIs' });
  const bytes = meter.createCounter('deltastream.ingest.bytes_fetched', { unit: 'By', description: 'Response bytes fetched from upstream APIs' });
  const notModified = meter.createCounter('deltastream.ingest.not_modified', { description: 'Upstream 304 Not Modified answers' });
  const throttled = meter.createCounter('deltastream.ingest.throttled', { description: 'Upstream 429/503 answers' });
  const rejected = meter.createCounter('deltastream.ingest.dead_letters', { description: 'Upstream inputs dead-lettered, by kind' });
  const duplicates = meter.createCounter('deltastream.ingest.duplicates_suppressed', { description: '(entity, version) duplicates suppressed in the recovery horizon' });
  const produced = meter.createCounter('deltastream.ingest.events_produced', { description: 'Change events acknowledged by Kafka' });
  const errors = meter.createCounter('deltastream.ingest.errors', { description: 'Failed polls, by kind' });
  return {
    fetched: (source, count, size) => {
      records.add(count, { source });
      bytes.add(size, { source });
    },
    notModified: (source) => notModified.add(1, { source }),
    rejected: (source, kind, count) => rejected.add(count, { source, kind }),
    duplicatesSuppressed: (source, count) => duplicates.add(count, { source }),
    produced: (source, count) => produced.add(count, { source }),
    throttled: (source) => throttled.add(1, { source }),
    upstreamErrors: (source, kind) => errors.add(1, { source, kind }),
  };
}
