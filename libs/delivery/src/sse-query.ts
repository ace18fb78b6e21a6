import { CloseCode, reject, type Rejection } from './close-codes';
import { ControlLimits, STREAM_NAME_PATTERN, subscriptionFrom, type SubscriptionResult } from './subscription-schema';

/**
 * Parses an SSE subscription: `?streams=a,b&from=…&entities=…&fields=…&codecs=…&policy=…&snapshot=true`
 * plus the `Last-Event-ID` header the browser sends when it reconnects.
 *
 * List parameters take comma-separated values and may repeat (`entities=a&entities=b`); an entity id
 * that contains a comma cannot be expressed here (use WebSocket or gRPC). Unknown parameters are
 * ignored, unlike unknown JSON keys, because URLs routinely carry tokens and cache busters.
 *
 * `from`: `latest` | `earliest` | `<seq>` | `seq:<seq>` | `time:<unix ms>` | an ISO-8601 time with zone.
 */
export function parseSseQuery(params: URLSearchParams, lastEventId?: string | null): SubscriptionResult {
  const streams = listParam(params, 'streams');
  const from = fromParam(params.get('from'));
  if (from === 'invalid') {
    return reject(CloseCode.BadRequest, 'from must be latest, earliest, a seq, seq:<n>, time:<unix ms> or an ISO-8601 time with zone');
  }
  const snapshot = booleanParam(params.get('snapshot'));
  if (snapshot === 'invalid') return reject(CloseCode.BadRequest, 'snapshot must be true or false');
  const resume = parseLastEventId(lastEventId);
  if (!resume.ok) return resume;
  for (const stream of resume.positions.keys()) {
    if (!streams.includes(stream)) return reject(CloseCode.BadRequest, `Last-Event-ID names "${stream}", which is not in streams`);
  }
  const policy = params.get('policy');
  return subscriptionFrom({
    type: 'subscribe',
    streams,
    ...(from === undefined ? {} : { from }),
    ...(resume.positions.size > 0 ? { resume: Object.fromEntries(resume.positions) } : {}),
    entities: listParam(params, 'entities'),
    fields: listParam(params, 'fields'),
    codecs: listParam(params, 'codecs'),
    ...(policy === null ? {} : { policy }),
    ...(snapshot === undefined ? {} : { snapshot }),
  });
}

/** The SSE `id:` of an item: what the browser hands back in `Last-Event-ID` to resume after it. */
export function formatSseEventId(stream: string, seq: number): string {
  return `${stream}:${seq}`;
}

export type LastEventIdResult = { readonly ok: true; readonly positions: ReadonlyMap<string, number> } | Rejection;

const LAST_EVENT_ID_HELP = 'Last-Event-ID must be "<stream>:<seq>" (or a comma-separated list of them), e.g. "sensors:41"';

/**
 * `Last-Event-ID: sensors:41` resumes `sensors` after seq 41. A comma-separated list resumes several
 * streams, for servers that choose to emit the whole cursor as the event id. Absent or blank: nothing.
 */
export function parseLastEventId(header: string | null | undefined): LastEventIdResult {
  const positions = new Map<string, number>();
  if (header === undefined || header === null || header.trim() === '') return { ok: true, positions };
  const pairs = header.split(',');
  if (pairs.length > ControlLimits.maxStreams) return reject(CloseCode.BadRequest, `Last-Event-ID names at most ${ControlLimits.maxStreams} streams`);
  for (const pair of pairs) {
    const match = /^([^:]+):(\d{1,16})$/.exec(pair.trim());
    const stream = match?.[1];
    const seq = Number(match?.[2]);
    if (stream === undefined || !STREAM_NAME_PATTERN.test(stream) || !Number.isSafeInteger(seq)) return reject(CloseCode.BadRequest, LAST_EVENT_ID_HELP);
    if (positions.has(stream)) return reject(CloseCode.BadRequest, `Last-Event-ID names "${stream}" twice`);
    positions.set(stream, seq);
  }
  return { ok: true, positions };
}

function listParam(params: URLSearchParams, name: string): string[] {
  return params
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

type FromCandidate = 'latest' | 'earliest' | { seq: number } | { time: number | string };

function fromParam(value: string | null): FromCandidate | undefined | 'invalid' {
  if (value === null || value === '') return undefined;
  if (value === 'latest' || value === 'earliest') return value;
  const seq = /^(?:seq:)?(\d+)$/.exec(value);
  if (seq) return { seq: Number(seq[1]) };
  const ms = /^time:(\d+)$/.exec(value);
  if (ms) return { time: Number(ms[1]) };
  // Shape only; the shared schema validates the date itself and explains a bad one.
  const iso = /^(?:time:)?(\d{4}-.*)$/.exec(value);
  if (iso?.[1] !== undefined) return { time: iso[1] };
  return 'invalid';
}

function booleanParam(value: string | null): boolean | undefined | 'invalid' {
  if (value === null) return undefined;
  // A bare `?snapshot` reads as "yes", as HTML boolean attributes do.
  if (value === '' || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return 'invalid';
}
