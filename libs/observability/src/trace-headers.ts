import { randomBytes } from 'node:crypto';
import { context as contextApi, isSpanContextValid, trace, TraceFlags, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Kafka-style headers: values may be strings or buffers (kafkajs gives buffers on consume). */
export type RecordHeaders = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

const propagator = new W3CTraceContextPropagator();

const setter: TextMapSetter<RecordHeaders> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<RecordHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key];
    if (value === undefined) return undefined;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/**
 * Writes W3C `traceparent`/`tracestate` for `ctx` into `headers`. When `ctx` carries no valid span (no
 * tracing SDK configured, or the first hop of a record), a fresh trace id is minted so every record can
 * still be followed across hops by its traceparent.
 */
export function injectTraceHeaders(headers: RecordHeaders, ctx: Context = contextApi.active()): RecordHeaders {
  let carrierContext = ctx;
  const current = trace.getSpanContext(ctx);
  if (!current || !isSpanContextValid(current)) {
    carrierContext = trace.setSpanContext(ctx, {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.NONE,
    });
  }
  propagator.inject(carrierContext, headers, setter);
  return headers;
}

/** The trace context carried by a record's headers (or `base` unchanged when there is none). */
export function extractTraceContext(headers: RecordHeaders | undefined, base: Context = contextApi.active()): Context {
  if (!headers) return base;
  return propagator.extract(base, headers, getter);
}

/** The trace id in a record's headers, if any. */
export function traceIdOf(headers: RecordHeaders | undefined): string | undefined {
  const spanContext = trace.getSpanContext(extractTraceContext(headers));
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** Reads one header as a string. */
export function headerString(headers: RecordHeaders | undefined, key: string): string | undefined {
  const value = headers ? getter.get(headers, key) : undefined;
  return Array.isArray(value) ? value[0] : value;
}
