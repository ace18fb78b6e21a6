import type { SourceConfig } from '@deltastream/suite-config';
import { positionOf } from './cursor';

export type JsonObject = { [key: string]: unknown };

/** Why an upstream input was refused; also the dead-letter `error_kind` and a metric label. */
export type RejectKind =
  | 'malformed_json'
  | 'records_not_found'
  | 'not_an_object'
  | 'missing_id'
  | 'missing_version'
  | 'wrong_type'
  | 'cursor_backwards'
  | 'response_too_large'
  | 'http_error';

export interface AcceptedRecord {
  readonly ok: true;
  readonly record: JsonObject;
  readonly entityId: string;
  readonly version: string;
  /** Field-mode cursor position of the record (undefined in token mode). */
  readonly position?: number;
  readonly cursorValue?: string;
  readonly occurredAtMs?: number;
}

export interface RejectedRecord {
  readonly ok: false;
  readonly kind: RejectKind;
  readonly reason: string;
  /** The offending input, kept for the dead-letter record. */
  readonly original: unknown;
}

/** Walks a dotted path (`data.items`); an empty path is the value itself. */
export function atPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as JsonObject)[key];
  }
  return current;
}

/** The records array of a response body, or a reason it is not there. */
export function recordsOf(body: unknown, recordsPath: string): unknown[] | RejectedRecord {
  const records = atPath(body, recordsPath);
  if (Array.isArray(records)) return records;
  const where = recordsPath === '' ? 'the response body' : `"${recordsPath}"`;
  return { ok: false, kind: 'records_not_found', reason: `${where} is not an array`, original: body };
}

function scalarId(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** Checks one upstream record against the source's declared shape. */
export function acceptRecord(raw: unknown, source: Pick<SourceConfig, 'entityIdField' | 'versionField' | 'occurredAtField' | 'cursor'>): AcceptedRecord | RejectedRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, kind: 'not_an_object', reason: `record is ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}, not an object`, original: raw };
  }
  const record = raw as JsonObject;
  const idValue = record[source.entityIdField];
  if (idValue === undefined || idValue === null || idValue === '') {
    return { ok: false, kind: 'missing_id', reason: `record has no id field "${source.entityIdField}"`, original: raw };
  }
  const entityId = scalarId(idValue);
  if (entityId === undefined) {
    return { ok: false, kind: 'wrong_type', reason: `id field "${source.entityIdField}" is ${typeof idValue}, expected a string or number`, original: raw };
  }
  const versionValue = record[source.versionField];
  if (versionValue === undefined || versionValue === null || versionValue === '') {
    return { ok: false, kind: 'missing_version', reason: `record ${entityId} has no version field "${source.versionField}"`, original: raw };
  }
  const version = scalarId(versionValue);
  if (version === undefined) {
    return { ok: false, kind: 'wrong_type', reason: `version field "${source.versionField}" of record ${entityId} is ${typeof versionValue}, expected a string or number`, original: raw };
  }
  let position: number | undefined;
  let cursorValue: string | undefined;
  if (source.cursor.mode === 'field') {
    const rawCursor = record[source.cursor.field];
    position = positionOf(rawCursor, source.cursor.format);
    if (position === undefined) {
      return { ok: false, kind: 'wrong_type', reason: `cursor field "${source.cursor.field}" of record ${entityId} is not a valid ${source.cursor.format} value`, original: raw };
    }
    cursorValue = String(rawCursor);
  }
  let occurredAtMs: number | undefined;
  if (source.occurredAtField !== undefined) {
    occurredAtMs = positionOf(record[source.occurredAtField], typeof record[source.occurredAtField] === 'number' ? 'epoch-ms' : 'iso8601');
  }
  return { ok: true, record, entityId, version, position, cursorValue, occurredAtMs };
}

/** The key duplicate suppression remembers: one per (entity, version). */
export function dedupeKey(entityId: string, version: string): string {
  return `${entityId}\u0000${version}`;
}
