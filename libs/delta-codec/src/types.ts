/** A value JSON can represent (what `JSON.parse` returns). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One event: a JSON object. Its key order is part of what round-trips. */
export type JsonRecord = { [key: string]: JsonValue };

export interface EncodeOptions {
  /**
   * Field that identifies the entity (e.g. 'id' or 'symbol'). Records of one entity are stored together so
   * their values delta-encode against each other; records lacking the field form one group of their own.
   * Without it the whole frame is one group (deltas follow record order).
   */
  entityKey?: string;
}
