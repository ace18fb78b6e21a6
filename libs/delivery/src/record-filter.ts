import { entityIdReader, type EntityIdReader } from '@deltastream/field-path';

export type JsonRecord = Record<string, unknown>;

export interface RecordFilterOptions {
  /** The path(s) naming a record's entity (the stream's sources' `entityIdField`: a key, a path, or several). */
  readonly entityIdField: string | readonly string[];
  /** Entity ids to keep; empty or absent keeps every entity. */
  readonly entities?: readonly string[];
  /** Top-level fields to keep (the entity id's top-level fields are always kept); empty or absent keeps all. */
  readonly fields?: readonly string[];
}

/** Filters and projects decoded records; built once per subscription, applied to every frame. */
export type RecordFilter = (records: readonly unknown[]) => readonly unknown[];

/**
 * Entity filter and field projection over decoded records (SSE JSON output, clients that asked for a
 * projection). Compressed frames cannot be filtered without decoding, so binary subscribers get whole
 * frames. With nothing to filter the records are returned as they are (no copy); otherwise entries
 * that are not JSON objects are dropped, since they have neither an entity nor fields.
 * Projection is on top-level fields only; projected records have no prototype, so no field name can
 * reach Object.prototype.
 */
export function compileRecordFilter(options: RecordFilterOptions): RecordFilter {
  const entities = options.entities && options.entities.length > 0 ? new Set(options.entities) : undefined;
  const entityId = entityIdReader(options.entityIdField);
  const fields = options.fields && options.fields.length > 0 ? [...new Set([...entityId.rootKeys, ...options.fields])] : undefined;
  if (!entities && !fields) return (records) => records;
  return (records) => {
    const kept: JsonRecord[] = [];
    for (const record of records) {
      if (!isRecord(record)) continue;
      if (entities) {
        const id = entityIdOf(record, entityId);
        if (id === undefined || !entities.has(id)) continue;
      }
      kept.push(fields ? project(record, fields) : record);
    }
    return kept;
  };
}

/**
 * Entity ids are strings; numeric ids compare by their decimal text, as they are written in JSON, and a
 * composite id is its parts joined with `:` — the same id the ingestor gave the change (libs/field-path).
 */
export function entityIdOf(record: JsonRecord, entityId: EntityIdReader): string | undefined {
  return entityId.idOf(record);
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function project(record: JsonRecord, fields: readonly string[]): JsonRecord {
  const projected: JsonRecord = Object.create(null) as JsonRecord;
  for (const field of fields) if (Object.hasOwn(record, field)) projected[field] = record[field];
  return projected;
}
