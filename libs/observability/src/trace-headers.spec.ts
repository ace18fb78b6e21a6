import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { extractTraceContext, headerString, injectTraceHeaders, randomHexId, traceIdOf, type RecordHeaders } from './trace-headers';

const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

describe('trace headers', () => {
  it('carries an existing span context through headers unchanged', () => {
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    const headers = injectTraceHeaders({}, trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(headers['traceparent']).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const extracted = trace.getSpanContext(extractTraceContext(headers, ROOT_CONTEXT));
    expect(extracted).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId, isRemote: true });
  });

  it('mints a fresh trace when there is no span, so every record is traceable', () => {
    const first = injectTraceHeaders({}, ROOT_CONTEXT);
    const second = injectTraceHeaders({}, ROOT_CONTEXT);
    expect(first['traceparent']).toMatch(traceparentPattern);
    expect(second['traceparent']).toMatch(traceparentPattern);
    expect(traceIdOf(first)).not.toEqual(traceIdOf(second));
  });

  it('reads headers given as buffers (as kafkajs delivers them)', () => {
    const headers: RecordHeaders = { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), 'x-correlation-id': Buffer.from('abc') };
    expect(traceIdOf(headers)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(headerString(headers, 'x-correlation-id')).toBe('abc');
  });

  it('ignores malformed traceparent values instead of failing', () => {
    expect(traceIdOf({ traceparent: 'garbage' })).toBeUndefined();
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});

describe('randomHexId', () => {
  it('gives ids of the asked length, hex, distinct across many pool refills', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => randomHexId(i % 2 === 0 ? 16 : 8));
    for (const [i, id] of ids.entries()) expect(id).toMatch(i % 2 === 0 ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
