import { context as contextApi, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export { SpanKind } from '@opentelemetry/api';

/** What `installTracing` set up; `shutdown` flushes pending spans (called on SIGTERM). */
export interface TracingHandle {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const disabled: TracingHandle = { enabled: false, shutdown: async () => undefined };
let installed: TracingHandle | undefined;

/**
 * Whether the standard OpenTelemetry environment asks for trace export: an OTLP endpoint is configured
 * and OTEL_TRACES_EXPORTER / OTEL_SDK_DISABLED do not turn it off. Tracing is off by default, so an
 * unconfigured service pays nothing beyond the no-op API.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? 'otlp').split(',').map((e) => e.trim().toLowerCase());
  if (!exporters.includes('otlp')) return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}

/**
 * Installs the global tracer provider for a service when the OTEL_* environment asks for it (OTLP over
 * HTTP; endpoint, headers, timeout and sampler all come from the standard variables, read by the SDK).
 * `exporter` overrides the OTLP exporter (tests use an in-memory one); it gets every span as it ends
 * instead of in batches.
 */
export function installTracing(service: string, options: { env?: NodeJS.ProcessEnv; exporter?: SpanExporter } = {}): TracingHandle {
  if (installed) return installed;
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) {
    installed = disabled;
    return installed;
  }
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 500 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `deltastream-${service}`, 'service.namespace': 'deltastream' }),
    spanProcessors: [processor],
  });
  contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  installed = { enabled: true, shutdown: () => provider.shutdown() };
  return installed;
}

export function tracer(): Tracer {
  return trace.getTracer('deltastream');
}

/** At most this many span links per span: a window of 10 000 events must not make a 10 000-link span. */
export const MAX_SPAN_LINKS = 128;

/** Links to the (valid) span contexts carried by `parents`, capped at MAX_SPAN_LINKS. */
export function linksTo(parents: Iterable<Context>): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const parent of parents) {
    if (links.length >= MAX_SPAN_LINKS) break;
    const spanContext = trace.getSpanContext(parent);
    if (!spanContext || seen.has(spanContext.spanId)) continue;
    seen.add(spanContext.spanId);
    links.push({ context: spanContext });
  }
  return links;
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  /** The parent, e.g. the context extracted from a Kafka record's headers. Default: the active context. */
  readonly parent?: Context;
  readonly links?: Link[];
  readonly attributes?: Attributes;
}

/**
 * Runs `work` inside a new active span (so produced records and log lines carry it), ending the span when
 * the work settles and recording an error status if it throws.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T> | T): Promise<T> {
  const parent = options.parent ?? contextApi.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, links: options.links, attributes: options.attributes }, parent);
  try {
    return await contextApi.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** Starts a span the caller ends (for work whose end is not a promise, e.g. a frame written to a socket). */
export function startSpan(name: string, options: SpanOptions): Span {
  return tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, links: options.links, attributes: options.attributes }, options.parent ?? contextApi.active());
}

/** The context in which `span` is the active span (to inject into the headers of what it produced). */
export function contextWithSpan(span: Span, parent: Context = contextApi.active()): Context {
  return trace.setSpan(parent, span);
}
