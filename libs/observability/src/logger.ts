import { context, trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const redactedKeys = ['authorization', 'token', 'secret', 'password', 'apiKey', 'api_key', 'cookie', 'credentials', 'headers.authorization'];

/**
 * JSON logs (pino) for a service: level from LOG_LEVEL, the active trace/span ids on every line, and
 * secrets redacted.
 */
export function createLogger(service: string, level = process.env['LOG_LEVEL'] ?? 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...redactedKeys, ...redactedKeys.map((key) => `*.${key}`)], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
