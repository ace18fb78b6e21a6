import { context as contextApi, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { extractTraceContext, injectTraceHeaders, type RecordHeaders } from './trace-headers';
import { contextWithSpan, inSpan, installTracing, linksTo, MAX_SPAN_LINKS, SpanKind, startSpan, tracingRequested } from './tracing';

const exporter = new InMemorySpanExporter();
const handle = installTracing('test', { exporter });

afterEach(() => exporter.reset());

async function flushed() {
  await handle.shutdown().catch(() => undefined);
}

describe('tracingRequested', () => {
  it('is off unless an OTLP endpoint is configured', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
  });

  it('honours OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('spans across a Kafka hop', () => {
  it('continues the trace of the consumed record and links the other records of a batch', async () => {
    // Producer side: a span whose context goes into the record headers.
    const upstream: RecordHeaders[] = [];
    for (let i = 0; i < 3; i += 1) {
      await inSpan(`fetch ${i}`, { kind: SpanKind.PRODUCER }, () => {
        upstream.push(injectTraceHeaders({}));
      });
    }
    const parents = upstream.map((h) => extractTraceContext(h, contextApi.active()));
    let produced: RecordHeaders = {};
    await inSpan('window', { kind: SpanKind.CONSUMER, parent: parents[0], links: linksTo(parents.slice(1)) }, () => {
      produced = injectTraceHeaders({});
    });

    const spans = exporter.getFinishedSpans();
    const fetches = spans.filter((s) => s.name.startsWith('fetch'));
    const window = spans.find((s) => s.name === 'window');
    expect(window?.spanContext().traceId).toBe(fetches[0]?.spanContext().traceId);
    expect(window?.parentSpanContext?.spanId).toBe(fetches[0]?.spanContext().spanId);
    expect(window?.links.map((l) => l.context.spanId)).toEqual([fetches[1]?.spanContext().spanId, fetches[2]?.spanContext().spanId]);
    // What the window produced carries the window span, so the next hop continues the same trace.
    expect(trace.getSpanContext(extractTraceContext(produced))?.spanId).toBe(window?.spanContext().spanId);
  });

  it('caps links per span and records failures', async () => {
    const many = Array.from({ length: MAX_SPAN_LINKS + 50 }, (_, i) =>
      trace.setSpanContext(contextApi.active(), { traceId: 'a'.repeat(31) + (i % 10), spanId: i.toString(16).padStart(16, '0'), traceFlags: 1 }),
    );
    expect(linksTo(many)).toHaveLength(MAX_SPAN_LINKS);
    await expect(inSpan('boom', {}, () => Promise.reject(new Error('kaput')))).rejects.toThrow('kaput');
    const failed = exporter.getFinishedSpans().find((s) => s.name === 'boom');
    expect(failed?.status.message).toBe('kaput');
  });

  it('lets the caller end a span and produce within it', () => {
    const span = startSpan('deliver', { kind: SpanKind.PRODUCER });
    const headers = injectTraceHeaders({}, contextWithSpan(span));
    span.end();
    const finished = exporter.getFinishedSpans().find((s) => s.name === 'deliver');
    expect(trace.getSpanContext(extractTraceContext(headers))?.spanId).toBe(finished?.spanContext().spanId);
  });
});

afterAll(flushed);
