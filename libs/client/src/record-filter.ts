// Entity filter and field projection on decoded frames. The edge applies them to SSE JSON and snapshots
// only: binary frames (WebSocket, SSE format=frames) arrive whole because they cannot be filtered without
// re-encoding. The client applies the same rules (libs/delivery compileRecordFilter) so the application
// sees the same records whichever way they came. Pure.
import type { JsonRecord, JsonValue } from '@deltastream/delta-codec';

export type RecordFilter = (records: JsonRecord[]) => JsonRecord[];

const identity: RecordFilter = (records) => records;

/**
 * Keeps records whose `entityKey` field, as text (numbers by their decimal form), is one of `entities`,
 * and projects each to `fields` plus the entity key. Nothing to filter: the input array as is.
 */
export function recordFilter(entityKey: string, entities: readonly string[], fields: readonly string[]): RecordFilter {
  if (entities.length === 0 && fields.length === 0) return identity;
  const wanted = new Set(entities);
  const keep = fields.length === 0 ? undefined : [...new Set([entityKey, ...fields])];
  const matches = (record: JsonRecord) => {
    if (wanted.size === 0) return true;
    const id = Object.hasOwn(record, entityKey) ? record[entityKey] : undefined;
    return (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) && wanted.has(String(id));
  };
  return (records) => {
    const out: JsonRecord[] = [];
    for (const record of records) {
      if (!matches(record)) continue;
      if (keep === undefined) {
        out.push(record);
        continue;
      }
      const projected: JsonRecord = {};
      // Field names are validated (never `__proto__`), so plain assignment cannot reach a prototype.
      for (const field of keep) if (Object.hasOwn(record, field)) projected[field] = record[field] as JsonValue;
      out.push(projected);
    }
    return out;
  };
}
