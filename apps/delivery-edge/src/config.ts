import { z } from 'zod';
import { httpEnvSchema, kafkaEnvSchema, redisEnvSchema } from '@deltastream/service-shell';
import { suiteFileEnvSchema } from '@deltastream/suite-config';

/** What the edge needs to know about a configured stream. */
export interface EdgeStream {
  readonly name: string;
  /** The record field naming an entity (from the stream's sources; `id` when none says). */
  readonly entityIdField: string;
}

/** The suite file, reduced to the streams clients may subscribe to and their entity id field. */
const edgeStreamsSchema = suiteFileEnvSchema.transform((suite): ReadonlyMap<string, EdgeStream> => {
  const idFields = new Map(suite.sources.map((source) => [source.stream, source.entityIdField]));
  return new Map(suite.streams.map((stream) => [stream.name, { name: stream.name, entityIdField: idFields.get(stream.name) ?? 'id' }]));
});

/** `*` (every configured stream) or a comma-separated list: the per-stream allow switch of the Authorizer. */
const allowList = z
  .string()
  .default('*')
  .transform((value): ReadonlySet<string> | '*' => (value.trim() === '*' ? '*' : new Set(value.split(',').map((s) => s.trim()).filter(Boolean))));

const bytes = (fallback: number) => z.coerce.number().int().min(1024).default(fallback);

/** Environment of the delivery-edge service, validated once at boot. */
export const deliveryEdgeConfigSchema = httpEnvSchema(8080)
  .extend(kafkaEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend({
    DELTASTREAM_CONFIG: edgeStreamsSchema,
    GRPC_HOST: z.string().min(1).default('127.0.0.1'),
    GRPC_PORT: z.coerce.number().int().min(0).max(65_535).default(50051),
    /** Largest gRPC message the edge sends (a frame plus a few bytes); larger frames end the call with RESOURCE_EXHAUSTED. */
    GRPC_MAX_SEND_MESSAGE_BYTES: bytes(16 * 1024 * 1024),
    /** Streams anonymous clients may subscribe to (issue #8 replaces this with per-token claims). */
    EDGE_ALLOWED_STREAMS: allowList,
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

export type DeliveryEdgeConfig = z.output<typeof deliveryEdgeConfigSchema>;
