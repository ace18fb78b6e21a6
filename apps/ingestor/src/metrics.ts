import { metrics } from '@opentelemetry/api';
import type { IngestMetrics } from '@deltastream/ingest';

/**
 * Ingest counters as OpenTelemetry instruments (no-ops until a metrics SDK/exporter is configured).
 * Names follow the OpenTelemetry semantic style: `deltastream.ingest.*`.
 */
export interface IngestorMetrics extends IngestMetrics {
  throttled(sourceId: string): void;
  upstreamErrors(sourceId: string, kind: string): void;
  /** Refused inputs not dead-lettered again (already dead-lettered within the reject memory's horizon). */
  deadLettersSuppressed(sourceId: string, count: number): void;
}

export function otelIngestMetrics(stalled: () => ReadonlyMap<string, unknown>, sources: readonly string[]): IngestorMetrics {
  const meter = metrics.getMeter('deltastream-ingestor');
  const records = meter.createCounter('deltastream.ingest.records_fetched', { description: 'Records fetched from upstream APIs' });
  const bytes = meter.createCounter('deltastream.ingest.bytes_fetched', { unit: 'By', description: 'Response bytes fetched from upstream APIs' });
  const notModified = meter.createCounter('deltastream.ingest.not_modified', { description: 'Upstream 304 Not Modified answers' });
  const throttled = meter.createCounter('deltastream.ingest.throttled', { description: 'Upstream 429/503 answers' });
  const rejected = meter.createCounter('deltastream.ingest.dead_letters', { description: 'Upstream inputs refused, by kind (each dead-lettered once per reject-memory horizon)' });
  const suppressed = meter.createCounter('deltastream.ingest.dead_letters_suppressed', { description: 'Refused inputs not dead-lettered again: already dead-lettered within the horizon' });
  // 1 while a source is stalled: its whole page refused and its cursor unable to move (docs/operations.md).
  meter.createObservableGauge('deltastream.ingest.source_stalled', { description: '1 while a source is stalled (every record of its page refused), else 0' }).addCallback((result) => {
    const now = stalled();
    for (const source of sources) result.observe(now.has(source) ? 1 : 0, { source });
  });
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
    deadLettersSuppressed: (source, count) => suppressed.add(count, { source }),
  };
}
