// Paths into JSON values: the syntax the suite file uses wherever it names a field (README.md).

/** A compiled path: its text as configured, and a reader. */
export interface FieldPath {
  readonly text: string;
  /** The top-level key the path starts at (undefined for the empty path). */
  readonly rootKey: string | undefined;
  /** The keys (or array indices, as text) the path steps through. */
  readonly segments: readonly string[];
  /** The value at the path, or undefined when any step is missing or not an object/array. */
  read(value: unknown): unknown;
}

const INDEX = /^(0|[1-9]\d{0,9})$/;

/**
 * Compiles a dotted path (`a.b.0.c`) or a JSON Pointer (`/a/b.c`). The empty string is the value itself.
 * Throws an Error naming what is wrong.
 */
export function parseFieldPath(text: string): FieldPath {
  const segments = text === '' ? [] : text.startsWith('/') ? pointerSegments(text) : dottedSegments(text);
  return { text, rootKey: segments[0], segments, read: segments.length === 1 ? readOne(segments[0] as string) : (value) => readAll(value, segments) };
}

function dottedSegments(text: string): string[] {
  const segments = text.split('.');
  if (segments.some((s) => s === '')) throw new Error(`"${text}" has an empty segment (use a JSON Pointer such as "/a.b" for keys that contain dots)`);
  return segments;
}

function pointerSegments(text: string): string[] {
  return text
    .slice(1)
    .split('/')
    .map((segment) => {
      if (/~(?![01])/.test(segment)) throw new Error(`"${text}" is not a valid JSON Pointer: "~" must be followed by 0 or 1`);
      return segment.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** One step: an own key of an object, or an index of an array. Inherited properties never count. */
function step(current: unknown, segment: string): unknown {
  if (current === null || typeof current !== 'object') return undefined;
  if (Array.isArray(current)) return INDEX.test(segment) ? current[Number(segment)] : undefined;
  return Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
}

function readOne(segment: string): (value: unknown) => unknown {
  return (value) => step(value, segment);
}

function readAll(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    current = step(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

/** One id part as text: a non-empty string, or a finite number (as JSON writes it); else undefined. */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** The parts of a composite id joined with `:`; `\` and `:` inside a part are escaped, so ids never collide. */
export function joinIdParts(parts: readonly string[]): string {
  return parts.length === 1 ? (parts[0] as string) : parts.map((part) => part.replace(/[\\:]/g, (c) => `\\${c}`)).join(':');
}

export type EntityIdOutcome = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly problem: 'missing' | 'wrong_type'; readonly path: string; readonly value?: unknown };

/** Reads an entity id from a record: one path, or several joined (a composite id). */
export interface EntityIdReader {
  /** The configured path(s), for messages: `id`, or `[carrier, flight]`. */
  readonly text: string;
  /** The single top-level key when the id is exactly one (an encoder can group records by it). */
  readonly topLevelKey: string | undefined;
  /** The top-level keys the id's paths start at (what a field projection must keep). */
  readonly rootKeys: readonly string[];
  read(record: unknown): EntityIdOutcome;
  /** The id, or undefined when a part is missing or not a string or number (no allocation on the hot path). */
  idOf(record: unknown): string | undefined;
  /**
   * A new object holding only the id's fields, at their paths and with their values as they are (`{ properties:
   * { net: 'ci', code: '123' } }`): what identifies the record without the rest of it. Array steps become keys.
   */
  idFields(record: unknown): Record<string, unknown>;
}

export function entityIdReader(spec: string | readonly string[]): EntityIdReader {
  const specs = typeof spec === 'string' ? [spec] : [...spec];
  if (specs.length === 0) throw new Error('an entity id needs at least one path');
  const paths = specs.map((s) => {
    if (s === '') throw new Error('an entity id path cannot be empty');
    return parseFieldPath(s);
  });
  const only = specs.length === 1 && !(specs[0] as string).startsWith('/') && !(specs[0] as string).includes('.') ? specs[0] : undefined;
  return {
    text: specs.length === 1 ? (specs[0] as string) : `[${specs.join(', ')}]`,
    topLevelKey: only,
    rootKeys: [...new Set(paths.map((path) => path.rootKey as string))],
    read(record) {
      const parts: string[] = [];
      for (const path of paths) {
        const value = path.read(record);
        if (value === undefined || value === null || value === '') return { ok: false, problem: 'missing', path: path.text };
        const text = idText(value);
        if (text === undefined) return { ok: false, problem: 'wrong_type', path: path.text, value };
        parts.push(text);
      }
      return { ok: true, id: joinIdParts(parts) };
    },
    idFields(record) {
      const out: Record<string, unknown> = {};
      for (const path of paths) {
        const value = path.read(record);
        if (value === undefined) continue;
        let target = out;
        path.segments.forEach((segment, i) => {
          if (i === path.segments.length - 1) {
            Object.defineProperty(target, segment, { value, enumerable: true, writable: true, configurable: true });
            return;
          }
          const next = Object.hasOwn(target, segment) ? target[segment] : undefined;
          if (typeof next === 'object' && next !== null) target = next as Record<string, unknown>;
          else {
            const created: Record<string, unknown> = {};
            Object.defineProperty(target, segment, { value: created, enumerable: true, writable: true, configurable: true });
            target = created;
          }
        });
      }
      return out;
    },
    idOf(record) {
      if (paths.length === 1) {
        const value = (paths[0] as FieldPath).read(record);
        return value === '' ? undefined : idText(value);
      }
      const outcome = this.read(record);
      return outcome.ok ? outcome.id : undefined;
    },
  };
}
