import { z } from 'zod';
import { platformaticSecurity } from '@deltastream/kafka';
import { httpEnvSchema, kafkaEnvSchema, kafkaSecurityFrom, redisEnvSchema } from '@deltastream/service-shell';
import { resolveSecret, suiteFileEnvSchema, type SourceConfig } from '@deltastream/suite-config';
import { upstreamAuth, type UpstreamAuth } from './upstream/upstream-auth';

/** A source with its credentials resolved at boot (so a missing secret stops the service, not a poll). */
export interface ResolvedSource {
  readonly config: SourceConfig;
  readonly headers: Readonly<Record<string, string>>;
  readonly pushSecret?: string;
  /** Upstream authentication with its secrets resolved (a bearer/basic header, or an OAuth2 token source). */
  readonly auth?: UpstreamAuth;
}

/** Resolves every source's credentials at boot; a missing secret is a configuration error. */
const resolvedSourcesSchema = suiteFileEnvSchema.transform((suite, ctx) => {
  try {
    return suite.sources.map((source): ResolvedSource => {
      const headers: Record<string, string> = {};
      for (const [name, ref] of Object.entries(source.headers)) headers[name] = resolveSecret(ref);
      return { config: source, headers, pushSecret: source.push ? resolveSecret(source.push.secret) : undefined, auth: upstreamAuth(source.auth, source.timeoutMs) };
    });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** Environment of the ingestor, validated once at boot (the suite file and its secrets included). */
export const ingestorConfigSchema = httpEnvSchema(8081)
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: resolvedSourcesSchema,
    /** Lease time-to-live: a dead replica's sources are taken over within this time. */
    INGESTOR_LEASE_TTL_MS: z.coerce.number().int().min(300).default(10_000),
    INGESTOR_REPLICA_ID: z.string().min(1).optional(),
    /**
     * How long a refused input is remembered (Redis, shared by replicas): refused again within this time —
     * a stuck page polled again, a webhook retried — it is not dead-lettered again.
     */
    INGESTOR_REJECT_MEMORY_MS: z.coerce.number().int().min(1000).default(24 * 3_600_000),
    /** Longest wait between polls of a stalled source (every record of its page refused, the cursor stuck). */
    INGESTOR_STALLED_MAX_BACKOFF_MS: z.coerce.number().int().min(1000).default(300_000),
    /** Comma-separated source ids this replica may poll (default: all). */
    INGESTOR_SOURCES: z
      .string()
      .optional()
      .transform((value) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined)),
    /** The Kafka client publishing change events (the hot path); dead letters and the admin stay on kafkajs. */
    INGESTOR_KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic']).default('kafkajs'),
  })
  .superRefine((config, ctx) => {
    if (config.INGESTOR_KAFKA_CLIENT !== 'platformatic') return;
    // The Kafka TLS/SASL settings must carry over to the other client, or the service does not start.
    try {
      platformaticSecurity(kafkaSecurityFrom(config));
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['INGESTOR_KAFKA_CLIENT'], message: (error as Error).message });
    }
  });

export type IngestorConfig = z.output<typeof ingestorConfigSchema>;
