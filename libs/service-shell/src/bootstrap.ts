import type { Server as HttpServer } from 'node:http';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { z } from 'zod';
import { topicCatalog, type TopicOverrides } from '@deltastream/contracts';
import { createKafkaClient, ensureTopics, retryRetriable, useKafkaSecurity } from '@deltastream/kafka';
import { createLogger, installMetrics, installTracing, type Logger } from '@deltastream/observability';
import { ConfigError, httpTimeoutsOf, kafkaSecurityFrom, parseConfig, type kafkaEnvSchema } from './config';
import { tuneGarbageCollector } from './gc-tuning';
import { PinoNestLogger } from './nest-logger';

/** Exit code for an invalid configuration (sysexits EX_CONFIG), so orchestrators can tell it apart. */
export const EXIT_CONFIG = 78;

export interface ServiceDefinition<Schema extends z.ZodType> {
  readonly name: string;
  readonly configSchema: Schema;
  /** The root module for a validated configuration. */
  readonly module: (config: z.output<Schema>, logger: Logger) => DynamicModule;
  readonly http: (config: z.output<Schema>) => { host: string; port: number; logLevel: string; shutdownTimeoutMs: number };
  /** When the service talks to Kafka: enables `main.js ensure-topics` (used by the Helm hook job). */
  readonly kafka?: (config: z.output<Schema>) => { brokers: readonly string[]; topics: TopicOverrides };
  /** false: controllers read request bodies themselves (size caps, signatures over the raw bytes). */
  readonly bodyParser?: boolean;
  /** In-process TLS for the HTTP listener (PEM certificate chain and key); undefined: plain HTTP. */
  readonly https?: (config: z.output<Schema>) => { cert: string; key: string } | undefined;
}

/**
 * Boots a service: validates its configuration once (clear errors, exit 78), builds the Nest app, listens
 * for /healthz and /readyz, and on SIGTERM/SIGINT closes everything within the shutdown timeout and exits 0.
 */
export async function runService<Schema extends z.ZodType>(definition: ServiceDefinition<Schema>, argv = process.argv.slice(2)): Promise<INestApplication | undefined> {
  tuneGarbageCollector();
  let config: z.output<Schema>;
  try {
    config = parseConfig(definition.name, definition.configSchema, process.env);
    if (isKafkaConfig(config)) {
      if (config.KAFKA_SASL_MECHANISM && !(config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD)) {
        throw new ConfigError(definition.name, ['KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM']);
      }
      useKafkaSecurity(kafkaSecurityFrom(config));
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
  const http = definition.http(config);
  const logger = createLogger(definition.name, http.logLevel);
  // Before any module takes a meter: meters taken earlier would stay no-ops.
  installMetrics(definition.name);
  // Off unless the standard OTEL_* variables configure an OTLP endpoint (see docs/operations.md).
  const tracing = installTracing(definition.name);
  if (tracing.enabled) logger.info('tracing: exporting spans over OTLP');

  if (argv[0] === 'ensure-topics') {
    await runEnsureTopics(definition, config, logger);
    return undefined;
  }

  const httpsOptions = definition.https?.(config);
  const app = await NestFactory.create(definition.module(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    bodyParser: definition.bodyParser ?? true,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs: http.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, http.shutdownTimeoutMs);
    force.unref();
    app
      .close()
      .then(() => tracing.shutdown())
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  const server = app.getHttpServer() as HttpServer;
  const timeouts = httpTimeoutsOf(config);
  // headersTimeout must not exceed requestTimeout (Node refuses it otherwise).
  server.headersTimeout = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  server.requestTimeout = timeouts.requestTimeoutMs;
  await app.listen(http.port, http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : http.port;
  logger.info({ url: `${httpsOptions ? 'https' : 'http'}://${http.host}:${port}`, healthz: `/healthz`, readyz: `/readyz` }, `${definition.name} ready`);
  return app;
}

async function runEnsureTopics<Schema extends z.ZodType>(definition: ServiceDefinition<Schema>, config: z.output<Schema>, logger: Logger): Promise<void> {
  if (!definition.kafka) {
    logger.error(`${definition.name} does not use Kafka; run ensure-topics with another service`);
    process.exit(2);
  }
  const { brokers, topics } = definition.kafka(config);
  const admin = createKafkaClient({ clientId: `deltastream-${definition.name}-ensure-topics`, brokers, logger }).admin();
  await admin.connect();
  try {
    const result = await retryRetriable('ensuring topics', () => ensureTopics(admin, Object.values(topicCatalog(topics)), logger), logger);
    logger.info(result, 'topics ensured');
  } finally {
    await admin.disconnect();
  }
}

function isKafkaConfig(config: unknown): config is z.output<typeof kafkaEnvSchema> {
  return typeof config === 'object' && config !== null && 'KAFKA_SSL' in config;
}
