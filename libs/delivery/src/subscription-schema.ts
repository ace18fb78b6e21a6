import { z } from 'zod';
import { CloseCode, reject, type Rejection } from './close-codes';
import { codecByName, DEFAULT_SLOW_CONSUMER_POLICY, SLOW_CONSUMER_POLICIES, type StartFrom, type Subscription } from './subscription';
import type { Codec } from '@deltastream/contracts';

/** Limits on what one client request may ask for; they bound the edge's per-connection work and memory. */
export const ControlLimits = {
  maxMessageBytes: 64 * 1024,
  maxStreams: 100,
  maxEntities: 1000,
  maxFields: 200,
  maxEntityIdLength: 256,
  maxFieldLength: 128,
  maxCodecs: 16,
  maxIdLength: 128,
  /** `auth` control messages: the longest JWT accepted (the edge's own limit for any token). */
  maxTokenChars: 8192,
} as const;

export const STREAM_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const streamName = z.string().regex(STREAM_NAME_PATTERN, 'stream names are 1–63 of a-z 0-9 . _ - and start with a letter or digit');

// zod's int() also refuses integers beyond 2^53 - 1, where numbers stop being exact.
const seq = z.number().int('a seq is a whole number up to 2^53 - 1').min(0, 'a seq is 0 or more');

/** Unix ms within what a JavaScript Date can hold. */
const unixMs = z.number().int('a time in ms is a whole number').min(0, 'times start at 1970').max(8.64e15, 'time is out of range');

const FROM_HELP = 'from must be "latest", "earliest", {"seq": n} or {"time": "<ISO-8601>" | ms}';

const fromKeyword = z.enum(['latest', 'earliest'], { error: FROM_HELP });
const fromSeq = z.strictObject({ seq });
const fromTime = z.strictObject({
  time: z.union([z.iso.datetime({ offset: true, error: 'time must be ISO-8601 with a zone, e.g. 2026-01-01T00:00:00Z' }), unixMs], {
    error: 'time must be ISO-8601 with a zone or Unix ms',
  }),
});

/**
 * The form is chosen by shape before validating, so the client hears what is wrong with the form it
 * used (`from.seq: a seq is a whole number`) instead of a union's "matched nothing".
 */
const fromShape = z.unknown().transform((value, ctx) => {
  const schema = typeof value === 'string' ? fromKeyword : hasKey(value, 'seq') ? fromSeq : hasKey(value, 'time') ? fromTime : undefined;
  const parsed = schema?.safeParse(value);
  if (parsed?.success) return parsed.data;
  for (const issue of parsed?.error.issues ?? [{ message: FROM_HELP, path: [] }]) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

function hasKey(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key);
}

// `__proto__` is refused so a projection can never reach an object's prototype.
const fieldName = z
  .string()
  .min(1, 'field names are not empty')
  .max(ControlLimits.maxFieldLength, `field names are at most ${ControlLimits.maxFieldLength} characters`)
  .refine((name) => name !== '__proto__', 'field name "__proto__" is not allowed');

const entityId = z
  .string()
  .min(1, 'entity ids are not empty')
  .max(ControlLimits.maxEntityIdLength, `entity ids are at most ${ControlLimits.maxEntityIdLength} characters`);

export const clientId = z.string().min(1, 'id is not empty').max(ControlLimits.maxIdLength, `id is at most ${ControlLimits.maxIdLength} characters`);

export const streamList = z
  .array(streamName)
  .min(1, 'name at least one stream')
  .max(ControlLimits.maxStreams, `at most ${ControlLimits.maxStreams} streams per message`);

/**
 * The subscribe request as a JSON object. Unknown keys are refused rather than ignored: a misspelt
 * `fileds` silently delivering every field is worse than a clear error.
 */
export const subscribeShape = z
  .strictObject({
    type: z.literal('subscribe'),
    id: clientId.optional(),
    streams: streamList,
    from: fromShape.optional(),
    /** Per-stream resume points, `{"sensors": 41}`; the JSON twin of Protobuf `resume_after_seq`. */
    resume: z.record(streamName, seq).optional(),
    entities: z.array(entityId).max(ControlLimits.maxEntities, `at most ${ControlLimits.maxEntities} entities`).optional(),
    fields: z.array(fieldName).max(ControlLimits.maxFields, `at most ${ControlLimits.maxFields} fields`).optional(),
    // Codec names are negotiated like Accept-Encoding: names this edge does not know are skipped later.
    codecs: z.array(z.string().min(1).max(32)).max(ControlLimits.maxCodecs, `at most ${ControlLimits.maxCodecs} codecs`).optional(),
    policy: z.enum(SLOW_CONSUMER_POLICIES, { error: `policy must be one of ${SLOW_CONSUMER_POLICIES.join(', ')}` }).optional(),
    snapshot: z.boolean('snapshot must be true or false').optional(),
  })
  .superRefine((request, ctx) => {
    const streams = new Set(request.streams);
    for (const stream of Object.keys(request.resume ?? {})) {
      if (!streams.has(stream)) ctx.addIssue({ code: 'custom', path: ['resume', stream], message: `resume names "${stream}", which is not in streams` });
    }
  });

export type SubscribeShape = z.output<typeof subscribeShape>;

export type SubscriptionResult = { readonly ok: true; readonly subscription: Subscription } | Rejection;

/** Validates a JSON-shaped subscribe request (any origin) and normalises it into a Subscription. */
export function subscriptionFrom(candidate: unknown): SubscriptionResult {
  const parsed = subscribeShape.safeParse(candidate);
  if (!parsed.success) return reject(CloseCode.BadRequest, describeIssues(parsed.error));
  return { ok: true, subscription: toSubscription(parsed.data) };
}

export function toSubscription(request: SubscribeShape): Subscription {
  return {
    ...(request.id === undefined ? {} : { id: request.id }),
    streams: distinct(request.streams),
    from: toStartFrom(request.from),
    resumeAfterSeq: new Map(Object.entries(request.resume ?? {})),
    entities: distinct(request.entities ?? []),
    fields: distinct(request.fields ?? []),
    codecs: distinct((request.codecs ?? []).map(codecByName).filter((codec): codec is Codec => codec !== undefined)),
    policy: request.policy ?? DEFAULT_SLOW_CONSUMER_POLICY,
    snapshot: request.snapshot ?? false,
  };
}

function toStartFrom(from: SubscribeShape['from']): StartFrom {
  if (from === undefined || from === 'latest') return { kind: 'latest' };
  if (from === 'earliest') return { kind: 'earliest' };
  if ('seq' in from) return { kind: 'seq', afterSeq: from.seq };
  // The ISO form was validated by zod, so Date.parse cannot return NaN here.
  return { kind: 'time', timeMs: typeof from.time === 'number' ? from.time : Date.parse(from.time) };
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

const MAX_REPORTED_ISSUES = 3;

/** "streams.2: stream names are …; from: …" — the first few problems, each named by where it is. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
