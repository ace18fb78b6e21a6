import { getPath, jsonEqual, splitPath, type JsonObject, type JsonValue } from './json';
import type { Condition } from './schema';

export type Predicate = (record: JsonObject) => boolean;

function ordered(op: 'lt' | 'lte' | 'gt' | 'gte', a: number | string, b: number | string): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/**
 * A predicate for a filter condition.
 * - A comparison (`eq ne lt lte gt gte in`) on an absent field is false, so a record of another shape is
 *   kept. `null` is a value: `{ op: eq, value: null }` matches it.
 * - `exists`: present and not null; `missing`: absent or null.
 * - `lt lte gt gte` compare numbers with numbers and strings with strings (code-unit order, which is
 *   time order for ISO-8601 UTC strings); mixed types are false. No implicit conversion: coerce first.
 * - `eq ne in` are structural JSON equality.
 */
export function compileCondition(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (record) => parts.every((part) => part(record));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (record) => parts.some((part) => part(record));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (record) => !inner(record);
  }
  const path = splitPath(condition.field);
  switch (condition.op) {
    case 'exists':
      return (record) => {
        const value = getPath(record, path);
        return value !== undefined && value !== null;
      };
    case 'missing':
      return (record) => {
        const value = getPath(record, path);
        return value === undefined || value === null;
      };
    case 'eq': {
      const expected = condition.value;
      return (record) => {
        const value = getPath(record, path);
        return value !== undefined && jsonEqual(value, expected);
      };
    }
    case 'ne': {
      const expected = condition.value;
      return (record) => {
        const value = getPath(record, path);
        return value !== undefined && !jsonEqual(value, expected);
      };
    }
    case 'in': {
      const options: readonly JsonValue[] = condition.value;
      const scalars = new Set(options.filter((option) => option === null || typeof option !== 'object'));
      const structured = options.filter((option) => option !== null && typeof option === 'object');
      return (record) => {
        const value = getPath(record, path);
        if (value === undefined) return false;
        if (value === null || typeof value !== 'object') return scalars.has(value);
        return structured.some((option) => jsonEqual(value, option));
      };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const { op, value: bound } = condition;
      return (record) => {
        const value = getPath(record, path);
        return typeof value === typeof bound && (typeof value === 'number' || typeof value === 'string') && ordered(op, value, bound);
      };
    }
  }
}
