export type JsonRecord = Record<string, unknown>;

export interface RecordFilterOptions {
  /** The field naming a record's entity (from the stream's configuration). */
  readonly entityIdField: string;
  /** Entity ids to keep; empty or absent keeps every entity. */
  readonly entities?: readonly string[];
  /** Top-level fields to keep (the entity id field is always kept); empty or absent keeps all. */
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
  const fields = options.fields && options.fields.length > 0 ? [...new Set([options.entityIdField, ...options.fields])] : undefined;
  if (!entities && !fields) return (records) => records;
  const { entityIdField } = options;
  return (records) => {
    const kept: JsonRecord[] = [];
    for (const record of records) {
      if (!isRecord(record)) continue;
      if (entities) {
        const id = entityIdOf(record, entityIdField);
        if (id === undefined || !entities.has(id)) continue;
      }
      kept.push(fields ? project(record, fields) : record);
    }
    return kept;
  };
}

/** Entity ids are strings; numeric ids compare by their decimal text, as they are written in JSON. */
export function entityIdOf(record: JsonRecord, entityIdField: string): string | undefined {
  const id = Object.hasOwn(record, entityIdField) ? record[entityIdField] : undefined;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function project(record: JsonRecord, fields: readonly string[]): JsonRecord {
  const projected: JsonRecord = Object.create(null) as JsonRecord;
  for (const field of fields) if (Object.hasOwn(record, field)) projected[field] = record[field];
  return projected;
}
