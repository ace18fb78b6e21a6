import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ChangeEventSchema } from '@deltastream/contracts';
import fc from 'fast-check';
import { chunkByBytes, recordHeaders } from './proto-producer';

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
