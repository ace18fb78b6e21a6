import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KafkaSecurity } from '@deltastream/kafka';

/** Thrown when a service's configuration is invalid; the message lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `input` against `schema` once, at boot; every problem is reported, named by its key. */
export function parseConfig<Schema extends z.ZodType>(service: string, schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
  throw new ConfigError(service, problems);
}

const hostPort = /^[^\s:,]+:\d{1,5}$/;

/**
 * Reads a PEM file at boot (in a zod transform): a file without a PEM block, or one that cannot be read,
 * is reported on `ctx` with its path.
 */
export function readPemFile(file: string, ctx: z.RefinementCtx): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN')) ctx.addIssue({ code: 'custom', message: `${file} is not a PEM file` });
    return text;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return z.NEVER;
  }
}

/** A PEM file read at boot, so a missing or unreadable file stops the service with its path. */
const pemFile = z.string().transform(readPemFile);

/** Environment every Kafka-connected service reads. */
export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((brokers) => brokers.length > 0 && brokers.every((b) => hostPort.test(b)), 'expected a comma-separated list of host:port, e.g. 127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /** Prefix of every topic name; separate environments sharing one Kafka cluster use different ones. */
  TOPIC_NAMESPACE: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, 'letters, digits, ".", "_" or "-"').default('deltastream'),
  /** Partitions for the pipeline topics when this service creates them. */
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  FRAMES_RETENTION_MS: z.coerce.number().int().min(60_000).default(604_800_000),
  /** TLS to the brokers (`true`), optionally with a private CA and a client certificate (mTLS), as PEM files. */
  KAFKA_SSL: z
    .enum(['true', 'false', '1', '0'], { error: () => 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  KAFKA_SSL_CA_FILE: pemFile.optional(),
  KAFKA_SSL_CERT_FILE: pemFile.optional(),
  KAFKA_SSL_KEY_FILE: pemFile.optional(),
  /** SASL authentication; the password comes from the environment (a Kubernetes Secret), never from a file in the image. */
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
});

/** The TLS and SASL settings of the Kafka connection, from a validated kafkaEnvSchema config. */
export function kafkaSecurityFrom(config: z.output<typeof kafkaEnvSchema>): KafkaSecurity {
  const security: { ssl?: KafkaSecurity['ssl']; sasl?: KafkaSecurity['sasl'] } = {};
  const files = { ca: config.KAFKA_SSL_CA_FILE, cert: config.KAFKA_SSL_CERT_FILE, key: config.KAFKA_SSL_KEY_FILE };
  if (config.KAFKA_SSL || files.ca || files.cert) {
    security.ssl = files.ca || files.cert ? { rejectUnauthorized: true, ...(files.ca ? { ca: [files.ca] } : {}), ...(files.cert ? { cert: files.cert } : {}), ...(files.key ? { key: files.key } : {}) } : true;
  }
  if (config.KAFKA_SASL_MECHANISM) {
    security.sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' } as KafkaSecurity['sasl'];
  }
  return security;
}

export const redisEnvSchema = z.object({
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((url) => /^rediss?:\/\/[^\s]+$/.test(url), 'expected redis://host:port or rediss://host:port'),
});

/**
 * The consumer-group session timeout of a transactional stage: how soon the partitions of a replica that died
 * without leaving (kill -9, a lost node) move to the others. 10 s by default (Kafka's consumer default is
 * 45 s): after a kill the survivors take over within ~10 s; a replica whose batch or transaction stalls for
 * longer than this (a stuck broker, a long GC) is taken out of the group and rejoins. The broker allows 6 s
 * to 5 min (group.min/max.session.timeout.ms).
 */
export const sessionTimeoutMs = z.coerce.number().int().min(6_000).max(300_000).default(10_000);

/** The HTTP listener for /healthz, /readyz (and /metrics). */
export function httpEnvSchema(defaultPort: number, defaultHost = '127.0.0.1') {
  return z.object({
    HTTP_HOST: z.string().min(1).default(defaultHost),
    HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(defaultPort),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
    /** A client must send its request headers within this (Node's default is 60 s). */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
    /**
     * A client must send its whole request (headers and body) within this; Node's default of 300 s let slow
     * bodies hold a socket for five minutes. Responses (SSE streams) are not limited by it.
     */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  });
}

/** The request timeouts of a service's config (every service config extends httpEnvSchema). */
export function httpTimeoutsOf(config: unknown): { headersTimeoutMs: number; requestTimeoutMs: number } {
  const values = config as { HTTP_HEADERS_TIMEOUT_MS?: number; HTTP_REQUEST_TIMEOUT_MS?: number };
  return { headersTimeoutMs: values.HTTP_HEADERS_TIMEOUT_MS ?? 10_000, requestTimeoutMs: values.HTTP_REQUEST_TIMEOUT_MS ?? 30_000 };
}

/** The topic catalogue overrides an operator set through the Kafka environment. */
export function topicOverridesFrom(config: z.output<typeof kafkaEnvSchema>): { namespace: string; partitions: number; framesRetentionMs: number } {
  return { namespace: config.TOPIC_NAMESPACE, partitions: config.TOPIC_PARTITIONS, framesRetentionMs: config.FRAMES_RETENTION_MS };
}
