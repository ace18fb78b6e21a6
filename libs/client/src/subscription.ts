// What the client asks the edge for: option validation, the WebSocket subscribe messages and the SSE
// request, built from the streams' starts and the positions reached so far. Pure.
import type { CodecName } from './codecs';
import type { StreamPositions } from './positions';

/** Where a stream starts when there is no position to resume from. */
export type StartFrom = 'latest' | 'earliest' | { readonly seq: number } | { readonly time: number | string | Date };

/** A start as sent: times are Unix ms. `{ seq }` starts never reach the wire: they become positions. */
export type WireStart = 'latest' | 'earliest' | { readonly time: number };

export type SlowConsumerPolicy = 'coalesce' | 'drop-oldest' | 'disconnect';

/** Options shared by every stream of a client. */
export interface SubscriptionSettings {
  readonly entities: readonly string[];
  readonly fields: readonly string[];
  readonly policy: SlowConsumerPolicy | undefined;
  readonly snapshot: boolean;
  readonly codecs: readonly CodecName[];
}

/** The edge's limits (libs/delivery ControlLimits), checked here so a bad option fails at once, not as 4400. */
export const Limits = { streamsPerMessage: 100, entities: 1000, entityIdLength: 256, fields: 200, fieldLength: 128 } as const;
const STREAM_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const POLICIES: readonly string[] = ['coalesce', 'drop-oldest', 'disconnect'];

/** Throws TypeError naming the first invalid stream name. */
export function checkStreams(streams: readonly string[]): void {
  for (const stream of streams) {
    if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
      throw new TypeError(`invalid stream name ${JSON.stringify(stream)}: 1–63 of a-z 0-9 . _ - starting with a letter or digit`);
    }
  }
}

/** Throws TypeError for settings the edge would refuse. */
export function checkSettings(settings: SubscriptionSettings): void {
  const { entities, fields, policy } = settings;
  if (entities.length > Limits.entities) throw new TypeError(`at most ${Limits.entities} entities`);
  for (const id of entities) {
    if (typeof id !== 'string' || id.length === 0 || id.length > Limits.entityIdLength) throw new TypeError(`entity ids are 1–${Limits.entityIdLength} characters`);
  }
  if (fields.length > Limits.fields) throw new TypeError(`at most ${Limits.fields} fields`);
  for (const field of fields) {
    if (typeof field !== 'string' || field.length === 0 || field.length > Limits.fieldLength || field === '__proto__') {
      throw new TypeError(`field names are 1–${Limits.fieldLength} characters and not "__proto__" (got ${JSON.stringify(field)})`);
    }
  }
  if (policy !== undefined && !POLICIES.includes(policy)) throw new TypeError(`policy must be one of ${POLICIES.join(', ')}`);
}

/**
 * Normalizes a start: a `{ seq }` start becomes a position (returned as `afterSeq`), a time becomes Unix
 * ms. Throws TypeError for anything else.
 */
export function normalizeStart(from: StartFrom | undefined): { start: WireStart; afterSeq?: number } {
  if (from === undefined || from === 'latest' || from === 'earliest') return { start: from ?? 'latest' };
  if (typeof from === 'object' && from !== null && 'seq' in from) {
    if (!Number.isSafeInteger(from.seq) || from.seq < 0) throw new TypeError(`from.seq must be a whole number ≥ 0 (got ${String(from.seq)})`);
    // "I have n": resuming after n is exactly that start, and dedupes what comes.
    return { start: 'earliest', afterSeq: from.seq };
  }
  if (typeof from === 'object' && from !== null && 'time' in from) {
    const time = from.time;
    const ms = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
    if (!Number.isSafeInteger(ms) || ms < 0) throw new TypeError(`from.time must be a Date, an ISO-8601 string or Unix ms (got ${String(time)})`);
    return { start: { time: ms } };
  }
  throw new TypeError('from must be "latest", "earliest", { seq } or { time }');
}

const startKey = (start: WireStart) => (typeof start === 'string' ? start : `time:${start.time}`);

/** The JSON subscribe control message (libs/delivery parseControlMessage). */
export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly id: string;
  readonly streams: string[];
  readonly from?: WireStart;
  readonly resume?: Record<string, number>;
  readonly entities?: readonly string[];
  readonly fields?: readonly string[];
  readonly codecs: readonly CodecName[];
  readonly policy?: SlowConsumerPolicy;
  readonly snapshot?: true;
}

/**
 * Subscribe messages for `streams` (in the client's order): streams with a position resume after it,
 * the others start where their start says; one message per distinct start (at most 100 streams each).
 */
export function subscribeMessages(
  streams: ReadonlyArray<{ readonly stream: string; readonly start: WireStart }>,
  positions: StreamPositions,
  settings: SubscriptionSettings,
  nextId: () => string,
): SubscribeMessage[] {
  const resumed: string[] = [];
  const groups = new Map<string, { start: WireStart; streams: string[] }>();
  for (const { stream, start } of streams) {
    if (positions.has(stream)) {
      resumed.push(stream);
      continue;
    }
    const key = startKey(start);
    const group = groups.get(key) ?? { start, streams: [] };
    group.streams.push(stream);
    groups.set(key, group);
  }
  // Resumed streams ride along with the first group: `from` only applies to streams without a resume point.
  const planned = [...groups.values()];
  if (planned.length === 0 && resumed.length > 0) planned.push({ start: 'latest', streams: [] });
  const first = planned[0];
  if (first) first.streams.unshift(...resumed);
  const messages: SubscribeMessage[] = [];
  for (const group of planned) {
    for (let i = 0; i < group.streams.length; i += Limits.streamsPerMessage) {
      const chunk = group.streams.slice(i, i + Limits.streamsPerMessage);
      const resume: Record<string, number> = {};
      for (const stream of chunk) {
        const position = positions.get(stream);
        if (position !== undefined) resume[stream] = position;
      }
      const fresh = chunk.some((stream) => !positions.has(stream));
      messages.push({
        type: 'subscribe',
        id: nextId(),
        streams: chunk,
        ...(fresh && group.start !== 'latest' ? { from: group.start } : {}),
        ...(Object.keys(resume).length > 0 ? { resume } : {}),
        ...(settings.entities.length > 0 ? { entities: settings.entities } : {}),
        ...(settings.fields.length > 0 ? { fields: settings.fields } : {}),
        codecs: settings.codecs,
        ...(settings.policy ? { policy: settings.policy } : {}),
        ...(settings.snapshot ? { snapshot: true as const } : {}),
      });
    }
  }
  return messages;
}

/**
 * The SSE request (`format=frames`): the query, and the Last-Event-ID header carrying every position.
 * SSE has one `from` per connection: when the streams without a position start differently, the widest
 * start wins (earliest, else the oldest time, else latest) — more frames than asked, never fewer.
 */
export function sseRequest(
  streams: ReadonlyArray<{ readonly stream: string; readonly start: WireStart }>,
  positions: StreamPositions,
  settings: SubscriptionSettings,
): { query: URLSearchParams; lastEventId: string | undefined } {
  const query = new URLSearchParams();
  query.set('streams', streams.map((s) => s.stream).join(','));
  query.set('format', 'frames');
  let widest: WireStart | undefined;
  const resume: string[] = [];
  for (const { stream, start } of streams) {
    const position = positions.get(stream);
    if (position !== undefined) resume.push(`${stream}:${position}`);
    else widest = widen(widest, start);
  }
  if (widest !== undefined && widest !== 'latest') query.set('from', typeof widest === 'string' ? widest : `time:${widest.time}`);
  if (settings.entities.length > 0) query.set('entities', settings.entities.join(','));
  if (settings.fields.length > 0) query.set('fields', settings.fields.join(','));
  query.set('codecs', settings.codecs.join(','));
  if (settings.policy) query.set('policy', settings.policy);
  if (settings.snapshot) query.set('snapshot', 'true');
  return { query, lastEventId: resume.length > 0 ? resume.join(',') : undefined };
}

function widen(current: WireStart | undefined, next: WireStart): WireStart {
  if (current === undefined) return next;
  if (current === 'earliest' || next === 'earliest') return 'earliest';
  if (current === 'latest') return next;
  if (next === 'latest') return current;
  return current.time <= next.time ? current : next;
}
