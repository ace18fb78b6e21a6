import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ChangeEventSchema } from '@deltastream/contracts';
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { chunkByBytes, memoisedDefaultPartitioner, recordHeaders } from './proto-producer';

describe('recordHeaders', () => {
  const traceContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });

  it('sets traceparent, a correlation id and the Protobuf content type', () => {
    const headers = recordHeaders(ChangeEventSchema, { traceContext });
    expect(headers['traceparent']).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    expect(headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['content-type']).toBe('application/x-protobuf; messageType=deltastream.v1.ChangeEvent');
  });

  it('keeps a correlation id handed over from the input record', () => {
    expect(recordHeaders(ChangeEventSchema, { traceContext, correlationId: 'c-1' })['x-correlation-id']).toBe('c-1');
    expect(recordHeaders(ChangeEventSchema, { traceContext, headers: { 'x-correlation-id': Buffer.from('c-2') } })['x-correlation-id']).toBe('c-2');
  });
});

describe('chunkByBytes', () => {
  it('keeps order, never exceeds the limit with more than one item, and puts an oversized item alone', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 60 }), fc.integer({ min: 1, max: 400 }), (sizes, max) => {
        const chunks = chunkByBytes(sizes, (s) => s, max);
        expect(chunks.flat()).toEqual(sizes);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          if (chunk.length > 1) expect(chunk.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});

describe('memoisedDefaultPartitioner', () => {
  const metadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

  it('puts every key where kafkajs’ default (Java-compatible) partitioner puts it, for any partition count, also on repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 50 }), (calls) => {
        const memoised = memoisedDefaultPartitioner();
        const plain = Partitioners.DefaultPartitioner();
        for (const [key, n] of [...calls, ...calls]) {
          const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: null } };
          expect(memoised(args)).toBe(plain(args));
        }
      }),
    );
  });

  it('honours an explicit partition and spreads unkeyed messages', () => {
    const memoised = memoisedDefaultPartitioner();
    expect(memoised({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', partition: 4, value: null } })).toBe(4);
    const unkeyed = new Set(Array.from({ length: 12 }, () => memoised({ topic: 't', partitionMetadata: metadata(6), message: { value: null } })));
    expect(unkeyed.size).toBe(6);
  });
});
