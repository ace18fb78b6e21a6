/**
 * JSON values and dotted field paths. Every helper here is copy-on-write: it returns the object it was
 * given when nothing changes and never modifies an object it did not create. Property reads use own
 * properties only (`constructor`, `toString`, … of a plain object are absent), and `__proto__` is an
 * ordinary key (set with defineProperty, so a record can never change a prototype).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A field path split on dots: `location.lat` → `['location', 'lat']`. */
export type FieldPath = readonly string[];

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function splitPath(path: string): FieldPath {
  return path.split('.');
}

/** An own property, or undefined. */
export function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets an own data property, `__proto__` included. Only for objects the caller created. */
export function defineOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** A shallow copy (own enumerable properties, `__proto__` included, as data properties). */
export function copyObject(object: JsonObject): JsonObject {
  return { ...object };
}

/** The value at a path; undefined when any step is missing or not an object (arrays are leaves). */
export function getPath(object: JsonObject, path: FieldPath): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = ownValue(current, key);
  }
  return current;
}

/** Thrown when a value cannot be written because a path goes through a non-object. */
export class PathConflictError extends Error {
  constructor(
    readonly at: string,
    readonly found: JsonValue,
  ) {
    super(`"${at}" is ${describeValue(found)}, not an object`);
    this.name = 'PathConflictError';
  }
}

/** A copy of `object` with `value` at `path`; missing intermediate objects are created. */
export function setPath(object: JsonObject, path: FieldPath, value: JsonValue): JsonObject {
  return setFrom(object, path, 0, value);
}

function setFrom(object: JsonObject, path: FieldPath, depth: number, value: JsonValue): JsonObject {
  const key = path[depth] as string;
  const copy = copyObject(object);
  if (depth === path.length - 1) {
    defineOwn(copy, key, value);
    return copy;
  }
  const child = ownValue(object, key);
  if (child !== undefined && !isJsonObject(child)) throw new PathConflictError(path.slice(0, depth + 1).join('.'), child);
  defineOwn(copy, key, setFrom(child ?? {}, path, depth + 1, value));
  return copy;
}

/** `object` without the value at `path` (the same object when the path is absent). */
export function deletePath(object: JsonObject, path: FieldPath): JsonObject {
  return deleteFrom(object, path, 0);
}

function deleteFrom(object: JsonObject, path: FieldPath, depth: number): JsonObject {
  const key = path[depth] as string;
  if (!Object.hasOwn(object, key)) return object;
  if (depth === path.length - 1) return withoutKey(object, key);
  const child = object[key];
  if (!isJsonObject(child)) return object;
  const updated = deleteFrom(child, path, depth + 1);
  if (updated === child) return object;
  const copy = copyObject(object);
  defineOwn(copy, key, updated);
  return copy;
}

/**
 * A copy without one key, built afresh rather than with `delete` (which turns V8 objects into slow
 * dictionaries for every later step).
 */
export function withoutKey(object: JsonObject, key: string): JsonObject {
  const copy: JsonObject = {};
  for (const k of Object.keys(object)) if (k !== key) defineOwn(copy, k, object[k] as JsonValue);
  return copy;
}

/** Whether an object has any own enumerable key (without allocating the key list). */
export function hasKeys(object: JsonObject): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false;
  return true;
}

/** A short, safe rendering of a value for error reasons (dead-letter records, logs). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
