import { z } from 'zod';
import { algorithmsOf, isJwtAlgorithm, parseOriginList, parseRate, type JwtAlgorithm, type OriginPolicy, type Rate } from '@deltastream/access';
import { httpEnvSchema, kafkaEnvSchema, readPemFile, redisEnvSchema } from '@deltastream/service-shell';
import { suiteFileEnvSchema } from '@deltastream/suite-config';
import { loadKeyMaterial, type KeyMaterial, type KeySources } from './auth/key-material';

/** What the edge needs to know about a configured stream. */
export interface EdgeStream {
  readonly name: string;
  /** The path(s) naming an entity in a record (from the stream's sources; `id` when none says). */
  readonly entityIdField: string | readonly string[];
  /** Readable without credentials (suite file `streams[].access.anonymous`). */
  readonly anonymous: boolean;
}

/** The suite file, reduced to the streams clients may subscribe to and their entity id field. */
const edgeStreamsSchema = suiteFileEnvSchema.transform((suite): ReadonlyMap<string, EdgeStream> => {
  const idFields = new Map(suite.sources.map((source) => [source.stream, source.entityIdField]));
  return new Map(suite.streams.map((stream) => [stream.name, { name: stream.name, entityIdField: idFields.get(stream.name) ?? 'id', anonymous: stream.access.anonymous }]));
});

/** `*` (every configured stream) or a comma-separated list: an operator-level allow list on top of credentials. */
const allowList = z
  .string()
  .default('*')
  .transform((value): ReadonlySet<string> | '*' => (value.trim() === '*' ? '*' : new Set(value.split(',').map((s) => s.trim()).filter(Boolean))));

const bytes = (fallback: number) => z.coerce.number().int().min(1024).default(fallback);

/** `<points>/<duration><ms|s|m|h>`, e.g. `600/60s`. */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): Rate => {
      const parsed = parseRate(value);
      if (parsed) return parsed;
      ctx.addIssue({ code: 'custom', message: `expected <points>/<duration><ms|s|m|h>, e.g. ${fallback}` });
      return z.NEVER;
    });

/** Comma-separated, trimmed, empty entries dropped; undefined when unset or empty. */
const list = z
  .string()
  .optional()
  .transform((value) => {
    const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    return items.length > 0 ? items : undefined;
  });

const algorithmList = list.transform((items, ctx): JwtAlgorithm[] | undefined => {
  if (!items) return undefined;
  const bad = items.filter((item) => !isJwtAlgorithm(item));
  if (bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `${bad.join(', ')}: not a supported algorithm (none is never allowed); use HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA` });
    return z.NEVER;
  }
  return items as JwtAlgorithm[];
});

const origins = z
  .string()
  .default('')
  .transform((value, ctx): OriginPolicy => {
    const parsed = parseOriginList(value);
    if (parsed.ok) return parsed.policy;
    for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'], { error: () => 'expected true or false' })
    .default(fallback)
    .transform((v) => v === 'true' || v === '1');

/** A PEM file for in-process TLS, read at boot. */
const pem = z
  .string()
  .optional()
  .transform((file, ctx) => (file ? readPemFile(file, ctx) : undefined));

/** Environment of the delivery-edge service, before key material is loaded and cross-checked. */
const deliveryEdgeBaseSchema = httpEnvSchema(8080)
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: edgeStreamsSchema,
    GRPC_HOST: z.string().min(1).default('127.0.0.1'),
    GRPC_PORT: z.coerce.number().int().min(0).max(65_535).default(50051),
    /** Largest gRPC message the edge sends (a frame plus a few bytes); larger frames end the call with RESOURCE_EXHAUSTED. */
    GRPC_MAX_SEND_MESSAGE_BYTES: bytes(16 * 1024 * 1024),
    /** gRPC server reflection (grpcurl without the .proto files): handy in development; the production chart values turn it off. */
    GRPC_REFLECTION: flag('true'),
    /** SSE responses compressed at once (br/gzip per connection); beyond it responses go uncompressed. */
    EDGE_MAX_COMPRESSED_SSE: z.coerce.number().int().min(0).default(200),
    /** Replays (each a Kafka consumer) running at once per client — a credential, or an address when anonymous; more wait. */
    EDGE_MAX_REPLAYS_PER_CLIENT: z.coerce.number().int().min(1).max(1000).default(8),
    /**
     * Operator-level allow list applied to everyone (credentials and anonymous access decide within it):
     * `*` (default) or comma-separated names. A stream outside it is 4403 whatever the credential says.
     */
    EDGE_ALLOWED_STREAMS: allowList,
    // --- credentials (docs/security.md) ---
    AUTH_JWT_KEYS_DIR: z.string().min(1).optional(),
    AUTH_JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
    AUTH_JWT_JWKS_FILE: z.string().min(1).optional(),
    AUTH_JWT_HS256_SECRET: z.string().min(1).optional(),
    /** Accepted algorithms; default: every algorithm the configured keys can verify. */
    AUTH_JWT_ALGORITHMS: algorithmList,
    /** Required `aud` (any of a comma-separated list). */
    AUTH_JWT_AUDIENCE: list,
    /** Required `iss` (any of a comma-separated list). */
    AUTH_JWT_ISSUER: list,
    AUTH_JWT_CLOCK_TOLERANCE_SEC: z.coerce.number().int().min(0).max(300).default(5),
    /** Refuse tokens without `exp`. */
    AUTH_JWT_REQUIRE_EXP: flag('true'),
    /** The claim holding the array of stream patterns. */
    AUTH_JWT_STREAMS_CLAIM: z.string().min(1).default('streams'),
    AUTH_API_KEYS_DIR: z.string().min(1).optional(),
    AUTH_API_KEYS_FILE: z.string().min(1).optional(),
    /** How often key files are re-read (rotated Secrets reach running pods); 0: only at boot. */
    AUTH_RELOAD_MS: z.coerce.number().int().min(0).default(30_000),
    /** Browser origins allowed to open WebSocket / SSE connections (`*`, exact origins, `https://*.example.com`); empty: same origin only. */
    EDGE_ALLOWED_ORIGINS: origins,
    /** Proxies in front of WebSocket/SSE that append to X-Forwarded-For (per-IP limits use the client address). */
    EDGE_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** The same for gRPC `x-forwarded-for` metadata (an L7 proxy such as Envoy); keep 0 behind an L4 balancer. */
    EDGE_GRPC_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    // --- limits (Redis-backed ones hold across replicas) ---
    /** Connection attempts per client IP, every protocol together (Redis). */
    EDGE_RATE_CONNECT_IP: rate('600/60s'),
    /** Connection attempts per credential (JWT subject or API key), every protocol together (Redis). */
    EDGE_RATE_CONNECT_KEY: rate('300/60s'),
    /** Control messages per WebSocket connection (close 4009 beyond). */
    EDGE_RATE_CONTROL: rate('100/10s'),
    /** Subscribe requests per WebSocket connection (close 4009 beyond). */
    EDGE_RATE_SUBSCRIBE: rate('20/10s'),
    /** Streams one connection may have subscribed at once (4009 beyond). */
    EDGE_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
    /** Open connections per credential across every replica (Redis). */
    EDGE_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).default(100),
    /** Open anonymous connections per client IP across every replica (Redis). */
    EDGE_MAX_ANONYMOUS_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(500),
    /**
     * Open TCP sockets per client address on the HTTP port, checked before a byte is read (idle and slow sockets
     * included). Applies only when the edge sees clients' own addresses (EDGE_TRUST_PROXY_HOPS=0).
     */
    EDGE_MAX_SOCKETS_PER_IP: z.coerce.number().int().min(1).default(1000),
    /** A replica's connection count entries expire this long after it stopped refreshing them (e.g. it died). */
    EDGE_CONNECTION_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
    // --- in-process TLS (terminating TLS at the ingress is the recommended setup) ---
    EDGE_TLS_CERT_FILE: pem,
    EDGE_TLS_KEY_FILE: pem,
    /** Outbound queue per connection; beyond it the stream's slow-consumer policy applies. Size it above the largest frame. */
    EDGE_QUEUE_BYTES: bytes(4 * 1024 * 1024),
    /** Bytes handed to a socket and not yet flushed before the connection counts as not writable. */
    EDGE_SOCKET_HIGH_WATER_BYTES: bytes(256 * 1024),
    /** WebSocket ping / SSE comment / liveness interval; a WebSocket peer silent for two intervals is closed. */
    EDGE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
    /** Decompressed size limit when the edge decodes a frame (latest state, SSE JSON). */
    EDGE_MAX_FRAME_RAW_BYTES: bytes(64 * 1024 * 1024),
    /** Entities kept per stream in the latest state (snapshots, coalescing). */
    EDGE_STATE_MAX_ENTITIES: z.coerce.number().int().min(1).default(100_000),
    /** Seq → offset checkpoints kept per stream for replay seeks; beyond it the index halves its resolution. */
    EDGE_INDEX_MAX_PER_STREAM: z.coerce.number().int().min(16).default(200_000),
    /** Time a subscription waits for the frames reader to catch up after a start before it is refused (1001). */
    EDGE_WARMUP_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  });

/** The key sources of a configuration (also re-read by the reload loop). */
export function keySourcesOf(env: Readonly<Record<string, unknown>>): KeySources {
  const text = (name: string) => (typeof env[name] === 'string' && env[name] !== '' ? (env[name] as string) : undefined);
  return {
    jwtKeysDir: text('AUTH_JWT_KEYS_DIR'),
    jwtPublicKeyFile: text('AUTH_JWT_PUBLIC_KEY_FILE'),
    jwtJwksFile: text('AUTH_JWT_JWKS_FILE'),
    jwtHs256Secret: text('AUTH_JWT_HS256_SECRET'),
    apiKeysDir: text('AUTH_API_KEYS_DIR'),
    apiKeysFile: text('AUTH_API_KEYS_FILE'),
  };
}

/**
 * The edge's environment with its key material loaded and cross-checked: every key file problem, an
 * algorithm allowed without a key to verify it, or half a TLS pair is a configuration error (exit 78).
 */
export const deliveryEdgeConfigSchema = deliveryEdgeBaseSchema.transform((env, ctx) => {
  const loaded = loadKeyMaterial(keySourcesOf(env));
  if (!loaded.ok) {
    for (const problem of loaded.problems) ctx.addIssue({ code: 'custom', path: [problem.variable], message: problem.message });
    return z.NEVER;
  }
  const keyAlgorithms = algorithmsOf(loaded.material.jwt);
  const unverifiable = (env.AUTH_JWT_ALGORITHMS ?? []).filter((algorithm) => !keyAlgorithms.includes(algorithm));
  if (unverifiable.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_ALGORITHMS'], message: `no configured key verifies ${unverifiable.join(', ')} (keys verify: ${keyAlgorithms.join(', ') || 'nothing'})` });
  }
  if (Boolean(env.EDGE_TLS_CERT_FILE) !== Boolean(env.EDGE_TLS_KEY_FILE)) {
    ctx.addIssue({ code: 'custom', path: [env.EDGE_TLS_CERT_FILE ? 'EDGE_TLS_KEY_FILE' : 'EDGE_TLS_CERT_FILE'], message: 'EDGE_TLS_CERT_FILE and EDGE_TLS_KEY_FILE go together' });
  }
  const keys: KeyMaterial = loaded.material;
  return { ...env, keys };
});

export type DeliveryEdgeConfig = z.output<typeof deliveryEdgeConfigSchema>;
