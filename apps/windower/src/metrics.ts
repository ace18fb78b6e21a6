import { metrics } from '@opentelemetry/api';
import type { WindowingMetrics } from './windowing/windowing.handler';

/** Gauges read at scrape time from the running stage. */
export interface WindowerGaugeSources {
  bufferedBytes(): number;
  paused(): boolean;
  assignedPartitions(): number;
}

/**
 * Windower instruments (`deltastream.windower.*`; Prometheus: `deltastream_windower_*`). Counts cover this
 * process: records re-read after a restart or rebalance count again.
 */
export function otelWindowingMetrics(): WindowingMetrics {
  const meter = metrics.getMeter('deltastream-windower');
  const eventsIn = meter.createCounter('deltastream.windower.events_in', { description: 'Change events consumed for a configured stream, by stream' });
  const ignored = meter.createCounter('deltastream.windower.ignored_events', { description: 'Change events of a stream the suite file does not list (consumed, not windowed)' });
  const windowsOut = meter.createCounter('deltastream.windower.windows_out', { description: 'Window batches (parts) produced, by stream and flush reason' });
  // Explicit buckets: the SDK defaults are latency-shaped and would lump every batch size into a few buckets.
  const windowEvents = meter.createHistogram('deltastream.windower.window_events', {
    description: 'Events per window batch',
    advice: { explicitBucketBoundaries: [1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000] },
  });
  const windowBytes = meter.createHistogram('deltastream.windower.window_bytes', {
    unit: 'By',
    description: 'Event bytes per window batch',
    advice: { explicitBucketBoundaries: [1_024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216] },
  });
  const late = meter.createCounter('deltastream.windower.late_events', { description: 'Events emitted after their own window had closed (flagged late, never dropped), by stream' });
  const coalesced = meter.createCounter('deltastream.windower.coalesced_events', { description: 'Latest mode: older changes replaced by a newer version of the same entity, by stream' });
  const deadLetters = meter.createCounter('deltastream.windower.dead_letters', { description: 'Change events dead-lettered, by kind' });
  return {
    eventsIn: (stream, count) => eventsIn.add(count, { stream }),
    unknownStream: (stream) => ignored.add(1, { stream, reason: 'unknown_stream' }),
    windowOut: (stream, reason, events, bytes, lateCount, coalescedCount) => {
      windowsOut.add(1, { stream, reason });
      windowEvents.record(events, { stream });
      windowBytes.record(bytes, { stream });
      if (lateCount > 0) late.add(lateCount, { stream });
      if (coalescedCount > 0) coalesced.add(coalescedCount, { stream });
    },
    deadLettered: (kind) => deadLetters.add(1, { kind }),
  };
}

/** Observable gauges over the running stage's state. */
export function observeWindowerGauges(sources: WindowerGaugeSources): void {
  const meter = metrics.getMeter('deltastream-windower');
  meter.createObservableGauge('deltastream.windower.buffered_bytes', { unit: 'By', description: 'Event bytes held in open windows (the budget is WINDOWER_MAX_BUFFERED_BYTES)' }).addCallback((result) => result.observe(sources.bufferedBytes()));
  meter.createObservableGauge('deltastream.windower.paused', { description: '1 while fetching is paused by backpressure' }).addCallback((result) => result.observe(sources.paused() ? 1 : 0));
  meter.createObservableGauge('deltastream.windower.assigned_partitions', { description: 'Events-topic partitions this instance owns' }).addCallback((result) => result.observe(sources.assignedPartitions()));
}
