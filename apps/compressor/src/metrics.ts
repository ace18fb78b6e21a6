import { metrics } from '@opentelemetry/api';
import type { FramingMetrics } from './framing/framing.handler';

/** Compressor instruments: frames and bytes per codec (ratio = compressed / raw), duplicates, dead letters. */
export function otelFramingMetrics(): FramingMetrics {
  const meter = metrics.getMeter('deltastream-compressor');
  const frames = meter.createCounter('deltastream.compressor.frames', { description: 'Frames produced, by stream, codec and payload form (delta, or json where that compressed smaller)' });
  const raw = meter.createCounter('deltastream.compressor.raw_bytes', { unit: 'By', description: 'Payload bytes before compression, by codec' });
  const compressed = meter.createCounter('deltastream.compressor.compressed_bytes', { unit: 'By', description: 'Payload bytes after compression, by codec' });
  const duplicates = meter.createCounter('deltastream.compressor.duplicate_batches', { description: 'Re-delivered window batches skipped' });
  const deadLetters = meter.createCounter('deltastream.compressor.dead_letters', { description: 'Encoded batches dead-lettered, by kind' });
  return {
    framed: (stream, codec, form, rawBytes, compressedBytes) => {
      frames.add(1, { stream, codec, form });
      raw.add(rawBytes, { codec });
      compressed.add(compressedBytes, { codec });
    },
    duplicate: (stream) => duplicates.add(1, { stream }),
    deadLettered: (kind) => deadLetters.add(1, { kind }),
  };
}
