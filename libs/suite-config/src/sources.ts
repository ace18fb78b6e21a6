import { z } from 'zod';
import { parseFieldPath } from '@deltastream/field-path';
import { secretRefSchema } from './secret';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'use 1–63 lowercase letters, digits, ".", "_" or "-"');

/**
 * Where a value sits in a record or a response: a key, a dotted path (`properties.updated`) or a JSON
 * Pointer (`/properties/updated.at`, for keys containing dots); libs/field-path. Checked here, at boot.
 */
const fieldPath = (options: { allowEmpty?: boolean } = {}) =>
  z.string().superRefine((text, ctx) => {
    if (text === '' && !options.allowEmpty) {
      ctx.addIssue({ code: 'custom', message: 'a field path cannot be empty' });
      return;
    }
    try {
      parseFieldPath(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** The cursor to start from when none is stored, per format: the beginning of time for each. */
const INITIAL_CURSOR = { iso8601: '1970-01-01T00:00:00.000Z', 'epoch-ms': 0, 'epoch-s': 0, number: 0 } as const;

/** `field`: the cursor is the max of a record field (ISO-8601 or epoch number); `token`: an opaque next-page token. */
const fieldCursorSchema = z
  .object({
    mode: z.literal('field'),
    /** Record field (a path) whose maximum is the cursor, e.g. `updated_at` or `properties.updated`. */
    field: fieldPath(),
    /** Query parameter carrying the cursor, e.g. `since`. */
    param: z.string().min(1),
    /** Cursor to start from when none is stored; default: the beginning of time in `format` (1970 / 0). */
    initial: z.union([z.string(), z.number()]).optional(),
    /** How the field is compared and how the overlap is applied. */
    format: z.enum(['iso8601', 'epoch-ms', 'epoch-s', 'number']).default('iso8601'),
    /** How far to rewind after an error, a restart or a takeover (ms for time formats, units for `number`). */
    overlap: z.number().nonnegative().default(5_000),
  })
  .strict()
  .transform((cursor, ctx) => {
    const initial = cursor.initial ?? INITIAL_CURSOR[cursor.format];
    if (!validCursorValue(initial, cursor.format)) {
      ctx.addIssue({ code: 'custom', path: ['initial'], message: `${JSON.stringify(initial)} is not a valid ${cursor.format} value${cursor.format === 'iso8601' ? ' (e.g. "2026-01-01T00:00:00Z")' : ' (a number)'}` });
      return z.NEVER;
    }
    return { ...cursor, initial };
  });

/** The same rule as the ingestor's cursor parsing (libs/ingest positionOf): a config value it could never use is refused here. */
function validCursorValue(value: string | number, format: keyof typeof INITIAL_CURSOR): boolean {
  if (format === 'iso8601') return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value));
  const number = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(number);
}

const tokenCursorSchema = z
  .object({
    mode: z.literal('token'),
    /** Query parameter carrying the token, e.g. `cursor`. */
    param: z.string().min(1),
    /** Where the next token is: a path in the body (`next_cursor`, `meta.next`) or a response header. */
    from: z.enum(['body', 'header']).default('body'),
    path: z.string().min(1).default('next_cursor'),
    initial: z.string().optional(),
    /** Pages to remember for duplicate suppression after a recovery (tokens cannot be rewound). */
    overlapPages: z.number().int().min(1).max(1000).default(2),
  })
  .strict()
  .superRefine((cursor, ctx) => {
    if (cursor.from !== 'body') return;
    try {
      parseFieldPath(cursor.path);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: (error as Error).message });
    }
  });

/**
 * `link`: follow the next page's URL — an RFC 8288 `Link: <…>; rel="next"` header (GitHub, GitLab, most REST
 * APIs) or a URL in the body (`from: body`, `path: links.next`). Only URLs on the source's own origin are
 * followed (its credentials are sent there). At the last page the source stays on it and polls it again.
 */
const linkCursorSchema = z
  .object({
    mode: z.literal('link'),
    from: z.enum(['header', 'body']).default('header'),
    /** With `from: body`: the path of the next URL (`next`, `links.next`, `/paging/next`). */
    path: fieldPath().optional(),
    /** The link relation followed in a Link header. */
    rel: z.string().min(1).default('next'),
    overlapPages: z.number().int().min(1).max(1000).default(2),
  })
  .strict()
  .superRefine((cursor, ctx) => {
    if (cursor.from === 'body' && cursor.path === undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'from: body needs the path of the next URL in the body' });
  });

/**
 * `page`: numbered pages (`?page=1, 2, …`) or offsets (`?offset=0, 100, …`). The next page is asked for while a
 * page comes back full — or, with the source's `hasMorePath`, while the body says there is more. At the end the
 * source stays on the last page and polls it again.
 */
const pageCursorSchema = z
  .object({
    mode: z.literal('page'),
    param: z.string().min(1).default('page'),
    style: z.enum(['number', 'offset']).default('number'),
    /** First page number (default 1) or offset (default 0). */
    start: z.number().int().min(0).optional(),
    overlapPages: z.number().int().min(1).max(1000).default(2),
  })
  .strict()
  .transform((cursor) => ({ ...cursor, start: cursor.start ?? (cursor.style === 'number' ? 1 : 0) }));

/**
 * How the ingestor authenticates to the upstream API; every credential is a secret reference (env or file).
 * `oauth2-client-credentials`: a token from `tokenUrl` (client id and secret sent as HTTP Basic), cached and
 * refreshed a minute before it expires, fetched again once when the API answers 401.
 */
const upstreamAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: secretRefSchema }).strict(),
  z.object({ type: z.literal('basic'), username: secretRefSchema, password: secretRefSchema }).strict(),
  z
    .object({
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: z.url({ protocol: /^https?$/ }),
      clientId: secretRefSchema,
      clientSecret: secretRefSchema,
      scope: z.string().min(1).optional(),
      audience: z.string().min(1).optional(),
    })
    .strict(),
]);

export const sourceSchema = z
  .object({
    id,
    stream: id,
    url: z.url({ protocol: /^https?$/ }),
    /** Required, but for `snapshot` sources (which default to following `Link: rel="next"` headers). */
    cursor: z.discriminatedUnion('mode', [fieldCursorSchema, tokenCursorSchema, linkCursorSchema, pageCursorSchema]).optional(),
    /**
     * A boolean in the body saying whether more pages follow (`has_more`, `meta.hasNext`): with it, token and
     * page cursors ask for the next page while it is true instead of while pages come back full.
     */
    hasMorePath: fieldPath().optional(),
    /** Path to the records array in the response (`data.items`, `/data/items`); empty: the body is the array. */
    recordsPath: fieldPath({ allowEmpty: true }).default(''),
    /**
     * Path to the entity id in a record (`id`, `properties.id`, `/meta/id.v2`), or several paths whose values
     * together are the id (`[carrier, flight]` → `UA:1545`; a `:` or `\` inside a value is escaped with `\`).
     */
    entityIdField: z.union([fieldPath(), z.array(fieldPath()).min(1).max(8)]).default('id'),
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
    /** Path to the version of a record (`version`, `properties.updated`); unused by `snapshot` sources. */
    versionField: fieldPath().default('version'),
    /** Path to the event time of a record (ISO-8601 or epoch ms); observed time is used when absent. */
    occurredAtField: fieldPath().optional(),
    page: z.object({ param: z.string().min(1).default('limit'), size: z.number().int().min(1).max(100_000).default(1000) }).strict().default({ param: 'limit', size: 1000 }),
    pollIntervalMs: z.number().int().min(10).default(1000),
    timeoutMs: z.number().int().min(100).default(10_000),
    maxResponseBytes: z.number().int().min(1024).default(16 * 1024 * 1024),
    /** Upstream authentication (bearer token, basic, OAuth2 client credentials); secrets are references. */
    auth: upstreamAuthSchema.optional(),
    /**
     * Most requests per minute this source sends upstream (retries and token requests aside), on top of
     * honouring Retry-After: requests are spaced evenly, never refused. Default: no budget.
     */
    requestsPerMinute: z.number().int().min(1).max(60_000).optional(),
    /** Extra request headers; values come from env or secret files and are never logged. */
    headers: z.record(z.string().min(1), secretRefSchema).default({}),
    /**
     * Deepest object/array nesting accepted in a response or webhook body; deeper input is refused before it
     * is parsed (a megabyte of `[[[…` costs one pass over the bytes, not a stack overflow).
     */
    maxJsonDepth: z.number().int().min(1).max(10_000).default(128),
    /** Webhook (push) input: POST /v1/sources/<id>/events signed with this secret (HMAC-SHA256). */
    push: z
      .object({
        secret: secretRefSchema,
        maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
        /** Most records one request may carry; more is answered 413 and nothing of it is ingested. */
        maxRecords: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .optional(),
    /** Disable polling (push-only sources). */
    poll: z.boolean().default(true),
    /**
     * For a plain list endpoint with no change cursor and no version: every poll walks the whole list (its pages
     * by the cursor mode: `link` (the default here), `page` or `token`), keeps a content hash per entity in Redis
     * (shared by replicas, fenced like a cursor) and emits only the entities that appeared or changed, with a
     * version that counts the entity's changes — and, for those gone from a complete walk, a tombstone.
     */
    snapshot: z
      .object({
        /** Emit a tombstone (ChangeEvent `deleted`, record = the id fields and `deletedField: true`) for an entity gone from the list. */
        tombstones: z.boolean().default(true),
        /** The key a tombstone record marks the deletion with. */
        deletedField: z.string().min(1).default('$deleted'),
        /**
         * Complete walks in a row that must miss an entity before its tombstone: an offset-paged list that shifts
         * while it is walked can hide an entity from one walk.
         */
        deleteAfterWalks: z.number().int().min(1).max(100).default(2),
        /** Most entities one walk may hold; a longer list is refused (dead letter, stalled) rather than held in memory. */
        maxEntities: z.number().int().min(1).max(10_000_000).default(100_000),
        /**
         * A walk that would tombstone more than this fraction of the known entities at once (an upstream that
         * answered an empty list by mistake) withholds the tombstones and dead-letters why. 1: never withheld.
         */
        maxDeleteFraction: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (source.snapshot !== undefined && source.cursor?.mode === 'field') {
      ctx.addIssue({ code: 'custom', path: ['cursor', 'mode'], message: 'a snapshot source walks the whole list each poll: its pages follow a link, page or token cursor, not a field cursor' });
    }
    if (source.snapshot === undefined && source.cursor === undefined) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'required (or `snapshot` for a list endpoint without a cursor)' });
  })
  .transform((source) => ({ ...source, cursor: source.cursor ?? linkCursorSchema.parse({ mode: 'link' }) }));

export type SourceConfig = z.output<typeof sourceSchema>;
export type FieldCursorConfig = z.output<typeof fieldCursorSchema>;
export type TokenCursorConfig = z.output<typeof tokenCursorSchema>;
export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
export type LinkCursorConfig = z.output<typeof linkCursorSchema>;
export type PageCursorConfig = z.output<typeof pageCursorSchema>;
export type SnapshotConfig = NonNullable<SourceConfig['snapshot']>;
