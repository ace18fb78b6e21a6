// Everything the edge says besides frames, in one place. Browser-safe, pure.
//
// Wire assumptions (docs/protocols.md, apps/delivery-edge as of issue #8; keep them here):
// - WebSocket, JSON subprotocol `deltastream.v1.json`: frames are binary messages, every other message
//   is a JSON text message with a `type`: `subscribed` {id?, streams}, `unsubscribed` {id?, streams},
//   `pong` {id?}, `gap` {stream, firstMissingSeq, lastMissingSeq, reason, earliestAvailableSeq?},
//   `snapshot` {stream, asOfSeq, records}. The edge writes them in order with the frames, so a `pong`
//   comes after everything the edge queued before it (the resume barrier in client.ts relies on it).
// - SSE (`format=frames`): `event: frame` (base64 Frame bytes), `event: gap` / `event: snapshot` (the same
//   JSON without `type`), `event: close` {code, reason} before a server-side end, and — auth contract of
//   issue #8 — `event: error` {code, reason} (e.g. 4401 "token expired"). Comments are heartbeats.
// - Seqs are JSON numbers (exact: far below 2^53). Unknown message types (a newer edge, e.g. an ack of
//   an `auth` refresh) are ignored, not errors; a known type with a wrong shape is reported as invalid.
import type { JsonRecord } from '@deltastream/delta-codec';

export type GapReason = 'retention' | 'slow_consumer' | (string & {});

export type ServerNotice =
  | { readonly type: 'subscribed'; readonly id?: string; readonly streams: readonly string[] }
  | { readonly type: 'unsubscribed'; readonly id?: string; readonly streams: readonly string[] }
  | { readonly type: 'pong'; readonly id?: string }
  | {
      readonly type: 'gap';
      readonly stream: string;
      readonly firstMissingSeq: number;
      readonly lastMissingSeq: number;
      readonly reason: GapReason;
      readonly earliestAvailableSeq?: number;
    }
  | { readonly type: 'snapshot'; readonly stream: string; readonly asOfSeq: number; readonly records: JsonRecord[] }
  /** The edge is ending the connection with this code (SSE `event: close` / `event: error`). */
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'ignored'; readonly notice: string };

export type NoticeParse = { readonly ok: true; readonly notice: ServerNotice } | { readonly ok: false; readonly reason: string };

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isStreamList = (value: unknown): value is string[] => Array.isArray(value) && value.every((s) => typeof s === 'string');
const optionalId = (value: unknown) => (typeof value === 'string' ? { id: value } : {});

/**
 * Parses one notice: a WebSocket text message, or the data of an SSE event named `sseEvent` (whose JSON
 * has no `type`; the event name is the type).
 */
export function parseNotice(text: string, sseEvent?: string): NoticeParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: `notice is not JSON: ${text.slice(0, 80)}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'notice is not a JSON object' };
  const body = json as Record<string, unknown>;
  const type = sseEvent ?? body['type'];
  const invalid = (what: string): NoticeParse => ({ ok: false, reason: `invalid ${String(type)} notice: ${what}` });
  switch (type) {
    case 'subscribed':
    case 'unsubscribed':
      if (!isStreamList(body['streams'])) return invalid('streams is not a list of names');
      return { ok: true, notice: { type, streams: body['streams'], ...optionalId(body['id']) } };
    case 'pong':
      return { ok: true, notice: { type, ...optionalId(body['id']) } };
    case 'gap': {
      const { stream, firstMissingSeq, lastMissingSeq, reason, earliestAvailableSeq } = body;
      if (typeof stream !== 'string') return invalid('stream');
      if (!isSeq(firstMissingSeq) || !isSeq(lastMissingSeq) || firstMissingSeq > lastMissingSeq || firstMissingSeq < 1) return invalid('seq range');
      if (earliestAvailableSeq !== undefined && !isSeq(earliestAvailableSeq)) return invalid('earliestAvailableSeq');
      return {
        ok: true,
        notice: { type, stream, firstMissingSeq, lastMissingSeq, reason: typeof reason === 'string' ? reason : 'unknown', ...(earliestAvailableSeq === undefined ? {} : { earliestAvailableSeq }) },
      };
    }
    case 'snapshot': {
      const { stream, asOfSeq, records } = body;
      if (typeof stream !== 'string') return invalid('stream');
      if (!isSeq(asOfSeq)) return invalid('asOfSeq');
      if (!Array.isArray(records) || !records.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) return invalid('records');
      return { ok: true, notice: { type, stream, asOfSeq, records: records as JsonRecord[] } };
    }
    case 'close':
    case 'error': {
      const { code, reason } = body;
      if (typeof code !== 'number' || !Number.isInteger(code)) return invalid('code');
      return { ok: true, notice: { type: 'close', code, reason: typeof reason === 'string' ? reason : '' } };
    }
    default:
      return { ok: true, notice: { type: 'ignored', notice: String(type) } };
  }
}
