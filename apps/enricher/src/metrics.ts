import { metrics } from '@opentelemetry/api';
import type { EnrichingMetrics } from './enriching/enriching.handler';

/** Enricher instruments: records through, drops per filter, transform errors, encoded vs JSON bytes. */
export function otelEnrichingMetrics(): EnrichingMetrics {
  const meter = metrics.getMeter('deltastream-enricher');
  const batches = meter.createCounter('deltastream.enricher.batches', { description: 'Window batches encoded, by stream' });
  const recordsIn = meter.createCounter('deltastream.enricher.records_in', { description: 'Records read from window batches, by stream' });
  const recordsOut = meter.createCounter('deltastream.enricher.records_out', { description: 'Records encoded after the transforms, by stream' });
  const dropped = meter.createCounter('deltastream.enricher.dropped_records', { description: 'Records dropped by filter steps, by stream and filter' });
  const errors = meter.createCounter('deltastream.enricher.transform_errors', { description: 'Records that failed a transform step (dead-lettered), by stream and step type' });
  const deadLetters = meter.createCounter('deltastream.enricher.dead_letters', { description: 'Records dead-lettered, by kind' });
  const encodedBytes = meter.createCounter('deltastream.enricher.encoded_bytes', { unit: 'By', description: 'Delta-encoded payload bytes, by stream' });
  const jsonBytes = meter.createCounter('deltastream.enricher.json_bytes', { unit: 'By', description: 'The same records as JSON lines, by stream (encoded ÷ json = what delta encoding saves)' });
  const invalidRows = meter.createCounter('deltastream.enricher.invalid_reference_rows', { description: 'Reference rows in Redis that are not JSON objects, by hash' });
  const checkpointBytes = meter.createHistogram('deltastream.enricher.derive_checkpoint_bytes', {
    unit: 'By',
    description: 'Derive state committed with each partition offset (bounded by ENRICHER_DERIVE_CHECKPOINT_MAX_BYTES)',
    advice: { explicitBucketBoundaries: [0, 256, 512, 1024, 2048, 3072, 4096] },
  });
  const uncheckpointed = meter.createCounter('deltastream.enricher.derive_checkpoint_skipped', { description: 'Commits that left a stream\'s derive state out (too large): it restarts empty after a restart or rebalance, by stream' });
  const duration = meter.createHistogram('deltastream.enricher.encode_duration', {
    unit: 'ms',
    description: 'Transform + encode time per window batch',
    advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] },
  });
  return {
    batch: (stream, stats) => {
      batches.add(1, { stream });
      recordsIn.add(stats.recordsIn, { stream });
      recordsOut.add(stats.recordsOut, { stream });
      encodedBytes.add(stats.encodedBytes, { stream });
      jsonBytes.add(stats.jsonBytes, { stream });
      duration.record(stats.durationMs, { stream });
      for (const [filter, count] of Object.entries(stats.droppedBy)) dropped.add(count, { stream, filter });
    },
    transformError: (stream, stepType) => errors.add(1, { stream, step: stepType }),
    deadLettered: (kind) => deadLetters.add(1, { kind }),
    invalidReferenceRow: (hash) => invalidRows.add(1, { hash }),
    deriveCheckpoint: (bytes, skipped) => {
      checkpointBytes.record(bytes);
      for (const stream of skipped) uncheckpointed.add(1, { stream });
    },
  };
}
