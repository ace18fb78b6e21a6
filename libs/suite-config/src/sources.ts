import { z } from 'zod';
import { secretRefSchema } from './secret';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use 1–63 lowercase letters, digits, ".", "_" or "-"');

/** `field`: the cursor is the max of a record field (ISO-8601 or epoch number); `token`: an opaque next-page token. */
const fieldCursorSchema = z
  .object({
    mode: z.literal('field'),
    /** Record field whose maximum is the cursor, e.g. `updated_at`. */
    field: z.string().min(1),
    /** Query parameter carrying the cursor, e.g. `since`. */
    param: z.string().min(1),
    /** Cursor to start from when none is stored. */
    initial: z.union([z.string(), z.number()]).default('1970-01-01T00:00:00.000Z'),
    /** How the field is compared and how the overlap is applied. */
    format: z.enum(['iso8601', 'epoch-ms', 'epoch-s', 'number']).default('iso8601'),
    /** How far to rewind after an error, a restart or a takeover (ms for time formats, units for `number`). */
    overlap: z.number().nonnegative().default(5_000),
  })
  .strict();

const tokenCursorSchema = z
  .object({
    mode: z.literal('token'),
    /** Query parameter carrying the token, e.g. `cursor`. */
    param: z.string().min(1),
    /** Where the next token is: a JSON path in the body (`next_cursor`) or a response header. */
    from: z.enum(['body', 'header']).default('body'),
    path: z.string().min(1).default('next_cursor'),
    initial: z.string().optional(),
    /** Pages to remember for duplicate suppression after a recovery (tokens cannot be rewound). */
    overlapPages: z.number().int().min(1).max(1000).default(2),
  })
  .strict();

export const sourceSchema = z
  .object({
    id,
    stream: id,
    url: z.url({ protocol: /^https?$/ }),
    cursor: z.discriminatedUnion('mode', [fieldCursorSchema, tokenCursorSchema]),
    /** Dotted path to the records array in the response; empty: the body is the array. */
    recordsPath: z.string().default(''),
    entityIdField: z.string().min(1).default('id'),
    /**
     * Kafka key of the change events. `entity` (default): changes spread over the events partitions by entity
     * id, each entity in order on one partition, so a busy stream scales over windower replicas; windows are
     * then per partition. `stream`: a stream's changes share one partition, so each micro-window holds the
     * stream's whole interval — fewer, larger frames that delta-encode about twice as well; for streams one
     * windower partition keeps up with.
     */
    partitionKey: z.enum(['entity', 'stream']).default('entity'),
    /**
     * Most changes the ingestor packs into one record of the events topic (a ChangeEventBatch; records stay
     * under 256 KiB). 1 (default): a ChangeEvent record per change. A run of consecutive changes with the
     * same Kafka key shares a record — a whole page with `partitionKey: stream` — which costs the producer,
     * the broker and the windower far less per change; readers of the events topic must then decode by the
     * record's content-type (docs/topics.md).
     */
    changesPerRecord: z.number().int().min(1).max(10_000).default(1),
    /**
     * How a change carries its upstream record. `struct` (default): a google.protobuf.Struct (ChangeEvent
     * `record`). `json`: the record's JSON text (`record_json`) — the same data, written and read by every
     * stage at a fraction of a Struct's cost and smaller on the wire; readers of the events and windows
     * topics must then read `record_json` (docs/topics.md).
     */
    recordFormat: z.enum(['struct', 'json']).default('struct'),
    versionField: z.string().min(1).default('version'),
    /** Event time of a record (ISO-8601 or epoch ms); observed time is used when absent. */
    occurredAtField: z.string().min(1).optional(),
    page: z.object({ param: z.string().min(1).default('limit'), size: z.number().int().min(1).max(100_000).default(1000) }).strict().default({ param: 'limit', size: 1000 }),
    pollIntervalMs: z.number().int().min(10).default(1000),
    timeoutMs: z.number().int().min(100).default(10_000),
    maxResponseBytes: z.number().int().min(1024).default(16 * 1024 * 1024),
    /** Extra request headers; values come from env or secret files and are never logged. */
    headers: z.record(z.string().min(1), secretRefSchema).default({}),
    /** Webhook (push) input: POST /v1/sources/<id>/events signed with this secret (HMAC-SHA256). */
    push: z.object({ secret: secretRefSchema, maxBodyBytes: z.number().int().min(1024).default(1024 * 1024) }).strict().optional(),
    /** Disable polling (push-only sources). */
    poll: z.boolean().default(true),
  })
  .strict();

export type SourceConfig = z.output<typeof sourceSchema>;
export type FieldCursorConfig = z.output<typeof fieldCursorSchema>;
export type TokenCursorConfig = z.output<typeof tokenCursorSchema>;
