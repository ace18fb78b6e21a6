import { entityIdReader, idText, parseFieldPath, type EntityIdReader, type FieldPath } from '@deltastream/field-path';
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
  | 'http_error'
  | 'snapshot_too_large'
  | 'snapshot_mass_delete';

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

const compiledPaths = new Map<string, FieldPath>();

/** The value at a path (`data.items`, `/data/items`; libs/field-path); an empty path is the value itself. */
export function atPath(value: unknown, path: string): unknown {
  let compiled = compiledPaths.get(path);
  if (compiled === undefined) {
    // Paths come from the validated suite file: a handful per process.
    compiled = parseFieldPath(path);
    compiledPaths.set(path, compiled);
  }
  return compiled.read(value);
}

/** The records array of a response body, or a reason it is not there. */
export function recordsOf(body: unknown, recordsPath: string): unknown[] | RejectedRecord {
  const records = atPath(body, recordsPath);
  if (Array.isArray(records)) return records;
  const where = recordsPath === '' ? 'the response body' : `"${recordsPath}"`;
  return { ok: false, kind: 'records_not_found', reason: `${where} is not an array`, original: body };
}

export type RecordShape = Pick<SourceConfig, 'entityIdField' | 'versionField' | 'occurredAtField' | 'cursor'>;

interface CompiledShape {
  readonly id: EntityIdReader;
  readonly version: FieldPath;
  readonly cursor: FieldPath | undefined;
  readonly occurredAt: FieldPath | undefined;
}

const compiledShapes = new WeakMap<RecordShape, CompiledShape>();

/** The source's paths compiled once per source object (acceptRecord runs per record). */
function compiledShape(source: RecordShape): CompiledShape {
  let shape = compiledShapes.get(source);
  if (shape === undefined) {
    shape = {
      id: entityIdReader(source.entityIdField),
      version: parseFieldPath(source.versionField),
      cursor: source.cursor.mode === 'field' ? parseFieldPath(source.cursor.field) : undefined,
      occurredAt: source.occurredAtField === undefined ? undefined : parseFieldPath(source.occurredAtField),
    };
    compiledShapes.set(source, shape);
  }
  return shape;
}

/** Checks one upstream record against the source's declared shape (every field named by a path). */
export function acceptRecord(raw: unknown, source: RecordShape): AcceptedRecord | RejectedRecord {
  const identified = identify(raw, source);
  if (!identified.ok) return identified;
  const { record, entityId } = identified;
  const shape = compiledShape(source);
  const versionValue = shape.version.read(record);
  if (versionValue === undefined || versionValue === null || versionValue === '') {
    return { ok: false, kind: 'missing_version', reason: `record ${entityId} has no version field "${source.versionField}"`, original: raw };
  }
  const version = idText(versionValue);
  if (version === undefined) {
    return { ok: false, kind: 'wrong_type', reason: `version field "${source.versionField}" of record ${entityId} is ${kindOf(versionValue)}, expected a string or number`, original: raw };
  }
  let position: number | undefined;
  let cursorValue: string | undefined;
  if (source.cursor.mode === 'field' && shape.cursor !== undefined) {
    const rawCursor = shape.cursor.read(record);
    position = positionOf(rawCursor, source.cursor.format);
    if (position === undefined) {
      return { ok: false, kind: 'wrong_type', reason: `cursor field "${source.cursor.field}" of record ${entityId} is not a valid ${source.cursor.format} value`, original: raw };
    }
    cursorValue = String(rawCursor);
  }
  return { ok: true, record, entityId, version, position, cursorValue, occurredAtMs: occurredAtOf(record, shape) };
}

/** A record of a `snapshot` source: checked for an id (and its event time) alone — such lists carry no version. */
export function acceptSnapshotRecord(raw: unknown, source: RecordShape): { readonly ok: true; readonly record: JsonObject; readonly entityId: string; readonly occurredAtMs?: number } | RejectedRecord {
  const identified = identify(raw, source);
  if (!identified.ok) return identified;
  return { ...identified, occurredAtMs: occurredAtOf(identified.record, compiledShape(source)) };
}

/** The record as an object with its entity id, or why it is refused. */
function identify(raw: unknown, source: RecordShape): { readonly ok: true; readonly record: JsonObject; readonly entityId: string } | RejectedRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, kind: 'not_an_object', reason: `record is ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}, not an object`, original: raw };
  }
  const record = raw as JsonObject;
  const id = compiledShape(source).id.read(record);
  if (!id.ok) {
    if (id.problem === 'missing') return { ok: false, kind: 'missing_id', reason: `record has no id field "${id.path}"`, original: raw };
    return { ok: false, kind: 'wrong_type', reason: `id field "${id.path}" is ${kindOf(id.value)}, expected a string or number`, original: raw };
  }
  return { ok: true, record, entityId: id.id };
}

function occurredAtOf(record: JsonObject, shape: CompiledShape): number | undefined {
  if (shape.occurredAt === undefined) return undefined;
  const occurredAt = shape.occurredAt.read(record);
  return positionOf(occurredAt, typeof occurredAt === 'number' ? 'epoch-ms' : 'iso8601');
}

/** The id fields of a record at their paths (a tombstone's record). */
export function idFieldsOf(record: JsonObject, source: RecordShape): JsonObject {
  return compiledShape(source).id.idFields(record);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The key duplicate suppression remembers: one per (entity, version). */
export function dedupeKey(entityId: string, version: string): string {
  return `${entityId}\u0000${version}`;
}
