/** Query-parameter parsing for the demo API: pure, every problem named by its parameter. */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

export interface SensorQuery {
  /** Exclusive lower bound (epoch ms); undefined: from the oldest retained record. */
  readonly sinceMs: number | undefined;
  readonly limit: number;
}

export interface TradeQuery {
  /** Stream position to read from; undefined: from the oldest retained trade. */
  readonly position: number | undefined;
  readonly limit: number;
}

type Field<T> = { ok: true; value: T } | { ok: false; problem: string };

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A timestamp as epoch ms: ISO-8601 with a zone (`2026-01-01T00:00:05.123Z`, `…+01:00`) or an integer of
 * epoch milliseconds. Digits past the millisecond are dropped (safe for an exclusive lower bound).
 */
export function parseTimestamp(raw: string): number | undefined {
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  const match = isoPattern.exec(raw);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

function single(name: string, raw: unknown): Field<string | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  if (typeof raw !== 'string') return { ok: false, problem: `${name}: expected one value` };
  return { ok: true, value: raw };
}

function limitField(raw: unknown): Field<number> {
  const value = single('limit', raw);
  if (!value.ok) return value;
  if (value.value === undefined) return { ok: true, value: DEFAULT_LIMIT };
  const n = /^\d{1,6}$/.test(value.value) ? Number(value.value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) return { ok: false, problem: `limit: expected an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(value.value)}` };
  return { ok: true, value: n };
}

function sinceField(raw: unknown): Field<number | undefined> {
  const value = single('since', raw);
  if (!value.ok) return value;
  if (value.value === undefined) return { ok: true, value: undefined };
  const ms = parseTimestamp(value.value);
  if (ms === undefined) {
    return { ok: false, problem: `since: expected an ISO-8601 timestamp with a zone (2026-01-01T00:00:05.123Z) or epoch milliseconds, got ${JSON.stringify(value.value)}` };
  }
  return { ok: true, value: ms };
}

const CURSOR_PREFIX = 'ds1.';

/** The opaque trade cursor for a stream position (the next trade to read). */
export function encodeTradeCursor(position: number): string {
  return CURSOR_PREFIX + Buffer.from(`trades:${position}`, 'utf8').toString('base64url');
}

export function decodeTradeCursor(token: string): number | undefined {
  if (!token.startsWith(CURSOR_PREFIX)) return undefined;
  const text = Buffer.from(token.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
  const match = /^trades:(\d{1,16})$/.exec(text);
  if (!match || !Number.isSafeInteger(Number(match[1])) || encodeTradeCursor(Number(match[1])) !== token) return undefined;
  return Number(match[1]);
}

function cursorField(raw: unknown): Field<number | undefined> {
  const value = single('cursor', raw);
  if (!value.ok) return value;
  if (value.value === undefined) return { ok: true, value: undefined };
  const position = decodeTradeCursor(value.value);
  if (position === undefined) return { ok: false, problem: `cursor: not a cursor this API issued (pass back a next_cursor unchanged), got ${JSON.stringify(value.value)}` };
  return { ok: true, value: position };
}

function collect<T>(fields: readonly Field<unknown>[], build: () => T): Parsed<T> {
  const problems = fields.flatMap((f) => (f.ok ? [] : [f.problem]));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: build() };
}

/** `GET /v1/sensors/changes?since=&limit=` */
export function parseSensorQuery(query: Readonly<Record<string, unknown>>): Parsed<SensorQuery> {
  const since = sinceField(query['since']);
  const limit = limitField(query['limit']);
  return collect([since, limit], () => ({ sinceMs: since.ok ? since.value : undefined, limit: limit.ok ? limit.value : DEFAULT_LIMIT }));
}

/** `GET /v1/trades?cursor=&limit=` */
export function parseTradeQuery(query: Readonly<Record<string, unknown>>): Parsed<TradeQuery> {
  const cursor = cursorField(query['cursor']);
  const limit = limitField(query['limit']);
  return collect([cursor, limit], () => ({ position: cursor.ok ? cursor.value : undefined, limit: limit.ok ? limit.value : DEFAULT_LIMIT }));
}
