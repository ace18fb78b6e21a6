import { coerceValue, toTimestampMs, type CoerceTarget } from './coerce';
import { compileCondition } from './condition';
import type { DerivePoint, DeriveState } from './derive-state';
import {
  PathConflictError,
  copyObject,
  defineOwn,
  deletePath,
  describeValue,
  hasKeys,
  getPath,
  isJsonObject,
  ownValue,
  setPath,
  splitPath,
  type FieldPath,
  type JsonObject,
  type JsonValue,
} from './json';
import type { ReferenceRow, ResolvedReferences } from './reference';
import {
  parseTransforms,
  type CoerceStep,
  type DeriveStep,
  type DropEmptyStep,
  type FilterStep,
  type JoinStep,
  type RenameStep,
  type TransformStep,
  type TransformStepInput,
} from './schema';

/** One record to transform, with the metadata the derive and join steps use. */
export interface TransformInput {
  readonly record: JsonObject;
  readonly entityId: string;
  /** Event time (epoch ms), when the source declares one. */
  readonly occurredAtMs?: number;
  /** When the ingestor saw it (epoch ms). */
  readonly observedAtMs: number;
}

export interface TransformedRecord<T extends TransformInput = TransformInput> {
  /** Position of the input in the batch. */
  readonly index: number;
  readonly entityId: string;
  /** The transformed record. It may share unchanged sub-objects with the input: treat both as read-only. */
  readonly record: JsonObject;
  readonly input: T;
}

/** A record that failed a step; it goes to the dead-letter topic and the rest of the batch continues. */
export interface TransformFailure<T extends TransformInput = TransformInput> {
  readonly index: number;
  readonly entityId: string;
  /** Index of the failing step in the list (absent when the record itself is not a JSON object). */
  readonly step?: number;
  readonly stepType?: TransformStep['type'];
  /** Human-readable, e.g. `step 1 (coerce): "temperature" is "abc", which cannot be coerced to number`. */
  readonly reason: string;
  /** The record as it came in, untransformed. */
  readonly record: unknown;
  readonly input: T;
}

export interface TransformResult<T extends TransformInput = TransformInput> {
  /** Transformed records, in input order. */
  readonly records: TransformedRecord<T>[];
  /** Records dropped by filter steps. */
  readonly dropped: number;
  /** The same, per filter step (its `name`, or `filter#<step index>`). */
  readonly droppedBy: Readonly<Record<string, number>>;
  readonly errors: TransformFailure<T>[];
}

export interface TransformContext {
  /** Required when the list has derive steps: previous values, owned by the caller (see DeriveState). */
  readonly derive?: DeriveState;
  /** Required when the list has join steps: rows for this batch (see resolveReferences). */
  readonly references?: ResolvedReferences;
}

/** Thrown by `apply` when the context lacks what the steps need: a wiring bug, never a data problem. */
export class TransformContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformContextError';
  }
}

export interface CompiledTransforms {
  /** The validated steps, defaults filled in. */
  readonly steps: readonly TransformStep[];
  /** Hashes the join steps read, in step order without duplicates (what `resolveReferences` fetches). */
  readonly joinHashes: readonly string[];
  /** Whether `apply` needs `context.derive`. */
  readonly needsDeriveState: boolean;
  /** Filter labels, for pre-registering metrics. */
  readonly filterNames: readonly string[];
  /** Transforms a batch. Never throws for bad data; throws TransformContextError for missing context. */
  apply<T extends TransformInput>(inputs: readonly T[], context?: TransformContext): TransformResult<T>;
}

const DROP = Symbol('drop');
type StepOutput = JsonObject | typeof DROP;

/** A data problem in one record: it becomes a TransformFailure. */
class StepFailure extends Error {}

interface RecordState {
  input: TransformInput;
  derive: DeriveState | undefined;
  references: ResolvedReferences | undefined;
  /** Derive points to commit if the record makes it through all steps (or is dropped by a filter). */
  staged: Array<readonly [number, DerivePoint]>;
  /**
   * The top-level object this pipeline created for the current record, if any: steps may write its
   * keys in place. Nested objects are never written in place (they may be the input's).
   */
  owned: JsonObject | undefined;
}

type StepFn = (record: JsonObject, state: RecordState) => StepOutput;

/** The record, writable in place: the pipeline's own copy of it, made on the first write. */
function writable(record: JsonObject, state: RecordState): JsonObject {
  if (record === state.owned) return record;
  const copy = copyObject(record);
  state.owned = copy;
  return copy;
}

/** Marks a freshly built top-level object as the pipeline's own. */
function owning(before: JsonObject, after: JsonObject, state: RecordState): JsonObject {
  if (after !== before) state.owned = after;
  return after;
}

/** Writes a value at a path: a top-level key in place (on the pipeline's copy), a nested one copy-on-write. */
function write(record: JsonObject, path: FieldPath, value: JsonValue, state: RecordState): JsonObject {
  if (path.length === 1) {
    const out = writable(record, state);
    defineOwn(out, path[0] as string, value);
    return out;
  }
  try {
    return owning(record, setPath(record, path, value), state);
  } catch (error) {
    if (error instanceof PathConflictError) throw new StepFailure(`cannot write "${path.join('.')}": ${error.message}`);
    throw error;
  }
}

// ── dropEmpty ────────────────────────────────────────────────────────────────────────────────────────

function dropEmpty(step: DropEmptyStep): StepFn {
  const collections = step.emptyCollections;
  /** The value to keep (cleaned), or undefined to drop it. */
  const keep = (value: JsonValue | undefined): JsonValue | undefined => {
    if (value === null || value === '') return undefined;
    if (value === undefined || typeof value !== 'object') return value;
    if (Array.isArray(value)) return collections && value.length === 0 ? undefined : value;
    const cleaned = clean(value);
    return collections && !hasKeys(cleaned) ? undefined : cleaned;
  };
  const clean = (object: JsonObject): JsonObject => {
    const keys = Object.keys(object);
    for (let i = 0; i < keys.length; i += 1) {
      const value = object[keys[i] as string];
      const kept = keep(value);
      if (kept === value && value !== undefined) continue;
      // The first change: rebuild (no `delete`), keeping the key order.
      const out: JsonObject = {};
      for (let j = 0; j < i; j += 1) defineOwn(out, keys[j] as string, object[keys[j] as string] as JsonValue);
      if (kept !== undefined) defineOwn(out, keys[i] as string, kept);
      for (let j = i + 1; j < keys.length; j += 1) {
        const next = keep(object[keys[j] as string]);
        if (next !== undefined) defineOwn(out, keys[j] as string, next);
      }
      return out;
    }
    return object;
  };
  return (record, state) => owning(record, clean(record), state);
}

// ── include / exclude ────────────────────────────────────────────────────────────────────────────────

/** Paths as a tree: `[a, b.c, b.d]` → { a: true, b: { c: true, d: true } }. A whole field wins over its parts. */
type PathTree = Map<string, PathTree | true>;

function pathTree(fields: readonly string[]): PathTree {
  const root: PathTree = new Map();
  for (const field of fields) {
    const path = splitPath(field);
    let node = root;
    for (let depth = 0; depth < path.length; depth += 1) {
      const key = path[depth] as string;
      if (depth === path.length - 1) {
        node.set(key, true);
        break;
      }
      const child = node.get(key);
      if (child === true) break;
      if (child === undefined) {
        const created: PathTree = new Map();
        node.set(key, created);
        node = created;
      } else node = child;
    }
  }
  return root;
}

/** The selected part of an object in its own key order, or undefined when nothing is selected. */
function select(object: JsonObject, tree: PathTree): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const key of Object.keys(object)) {
    const node = tree.get(key);
    const value = object[key];
    if (node === undefined || value === undefined) continue;
    let picked: JsonValue | undefined;
    if (node === true) picked = value;
    else if (isJsonObject(value)) picked = select(value, node);
    if (picked === undefined) continue;
    out ??= {};
    defineOwn(out, key, picked);
  }
  return out;
}

function remove(object: JsonObject, tree: PathTree): JsonObject {
  let changes: Map<string, JsonObject | undefined> | undefined; // key → its new value, or undefined to drop it
  for (const [key, node] of tree) {
    if (!Object.hasOwn(object, key)) continue;
    if (node === true) {
      (changes ??= new Map()).set(key, undefined);
      continue;
    }
    const value = object[key];
    if (!isJsonObject(value)) continue;
    const updated = remove(value, node);
    if (updated !== value) (changes ??= new Map()).set(key, updated);
  }
  if (changes === undefined) return object;
  const out: JsonObject = {};
  for (const key of Object.keys(object)) {
    if (!changes.has(key)) defineOwn(out, key, object[key] as JsonValue);
    else {
      const updated = changes.get(key);
      if (updated !== undefined) defineOwn(out, key, updated);
    }
  }
  return out;
}

/** Keeps only the listed fields; a record with none of them is of another shape and passes untouched. */
function include(fields: readonly string[]): StepFn {
  const tree = pathTree(fields);
  return (record, state) => owning(record, select(record, tree) ?? record, state);
}

function exclude(fields: readonly string[]): StepFn {
  const tree = pathTree(fields);
  return (record, state) => owning(record, remove(record, tree), state);
}

// ── rename ───────────────────────────────────────────────────────────────────────────────────────────

/** All renames happen at once (`{ a: b, b: a }` swaps); a target that exists is replaced. */
function rename(step: RenameStep): StepFn {
  const pairs = Object.entries(step.fields).map(([from, to]) => ({ from, to, fromPath: splitPath(from), toPath: splitPath(to) }));
  if (pairs.every((pair) => pair.fromPath.length === 1 && pair.toPath.length === 1)) {
    // Top-level only: rebuild in the record's key order, the renamed field where the old one was.
    const targets = new Map(pairs.map((pair) => [pair.from, pair.to]));
    return (record, state) => {
      let present: Set<string> | undefined;
      for (const pair of pairs) {
        if (ownValue(record, pair.from) !== undefined) (present ??= new Set()).add(pair.to);
      }
      if (present === undefined) return record;
      const out: JsonObject = {};
      for (const key of Object.keys(record)) {
        const value = record[key] as JsonValue;
        const to = targets.get(key);
        if (to !== undefined && value !== undefined) defineOwn(out, to, value);
        else if (!present.has(key)) defineOwn(out, key, value);
      }
      state.owned = out;
      return out;
    };
  }
  return (record, state) => {
    const moves: Array<{ toPath: FieldPath; value: JsonValue }> = [];
    let out = record;
    for (const pair of pairs) {
      const value = getPath(record, pair.fromPath);
      if (value === undefined) continue;
      moves.push({ toPath: pair.toPath, value });
      out = deletePath(out, pair.fromPath);
    }
    out = owning(record, out, state);
    for (const move of moves) out = write(out, move.toPath, move.value, state);
    return out;
  };
}

// ── coerce ───────────────────────────────────────────────────────────────────────────────────────────

/** Converts present, non-null fields; a value that cannot be converted fails the record. */
function coerce(step: CoerceStep): StepFn {
  const fields = Object.entries(step.fields).map(([field, target]) => ({ field, target: target as CoerceTarget, path: splitPath(field) }));
  return (record, state) => {
    let out = record;
    for (const { field, target, path } of fields) {
      const value = getPath(out, path);
      if (value === undefined || value === null) continue;
      const converted = coerceValue(value, target);
      if (converted === undefined) throw new StepFailure(`"${field}" is ${describeValue(value)}, which cannot be coerced to ${target}`);
      if (converted !== value) out = write(out, path, converted, state); // the path exists and leads through objects
    }
    return out;
  };
}

// ── derive ───────────────────────────────────────────────────────────────────────────────────────────

const PER_MS = { second: 1000, minute: 60_000, hour: 3_600_000 } as const;

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function derive(step: DeriveStep, slot: number): StepFn {
  const path = splitPath(step.field);
  const differencePath = step.difference === undefined ? undefined : splitPath(step.difference);
  const rate = step.rate;
  const ratePath = rate === undefined ? undefined : splitPath(rate.as);
  const unitMs = rate === undefined ? 1 : PER_MS[rate.per];
  const time = rate?.time ?? 'occurredAt';
  const timePath = typeof time === 'object' ? splitPath(time.field) : time === 'occurredAt' || time === 'observedAt' ? undefined : splitPath(time);
  const decimals = step.decimals;

  const timeOf = (record: JsonObject, input: TransformInput): number | undefined => {
    if (timePath !== undefined) return toTimestampMs(getPath(record, timePath));
    const observed = finiteOrUndefined(input.observedAtMs);
    return time === 'observedAt' ? observed : (finiteOrUndefined(input.occurredAtMs) ?? observed);
  };
  const finish = (name: string, value: number): number => {
    const rounded = decimals === undefined ? value : Number(value.toFixed(decimals));
    if (!Number.isFinite(rounded)) throw new StepFailure(`"${name}" would be ${rounded}`);
    return rounded === 0 ? 0 : rounded; // no -0
  };

  return (record, state) => {
    const value = getPath(record, path);
    // Not a number (absent, null, text, …): another shape; untouched, and the previous value stays.
    if (typeof value !== 'number' || !Number.isFinite(value)) return record;
    const timeMs = ratePath === undefined ? undefined : timeOf(record, state.input);
    const previous = (state.derive as DeriveState).previous(state.input.entityId, slot);
    state.staged.push([slot, { value, timeMs }]);
    if (previous === undefined) return record;
    let out = record;
    if (differencePath !== undefined) out = write(out, differencePath, finish(step.difference as string, value - previous.value), state);
    if (ratePath !== undefined && timeMs !== undefined && previous.timeMs !== undefined && timeMs > previous.timeMs) {
      out = write(out, ratePath, finish((rate as { as: string }).as, ((value - previous.value) * unitMs) / (timeMs - previous.timeMs)), state);
    }
    return out;
  };
}

// ── join ─────────────────────────────────────────────────────────────────────────────────────────────

function join(step: JoinStep): StepFn {
  const { hash, prefix, overwrite } = step;
  const only = step.fields;
  return (record, state) => {
    const row: ReferenceRow | undefined = (state.references as ResolvedReferences).get(hash)?.get(state.input.entityId);
    if (row === undefined) return record; // a missing key is not an error
    let out = record;
    for (const key of only ?? Object.keys(row)) {
      if (!Object.hasOwn(row, key)) continue;
      const value = row[key];
      if (value === undefined) continue;
      const target = prefix + key;
      if (!overwrite && Object.hasOwn(out, target)) continue;
      out = writable(out, state);
      defineOwn(out, target, value);
    }
    return out;
  };
}

// ── filter ───────────────────────────────────────────────────────────────────────────────────────────

function filter(step: FilterStep): StepFn {
  const matches = compileCondition(step.drop);
  return (record) => (matches(record) ? DROP : record);
}

// ── compile / apply ──────────────────────────────────────────────────────────────────────────────────

function describeRecord(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

/**
 * Validates a transform list once (throws TransformConfigError listing every problem) and returns a
 * fast `apply`. Keep one per stream; keep one DeriveState per stream per partition.
 */
export function compileTransforms(steps: readonly TransformStepInput[]): CompiledTransforms {
  const parsed = parseTransforms(steps);
  let slots = 0;
  const joinHashes: string[] = [];
  const filterLabels: Array<string | undefined> = [];
  const fns: StepFn[] = parsed.map((step, index) => {
    filterLabels.push(step.type === 'filter' ? (step.name ?? `filter#${index}`) : undefined);
    switch (step.type) {
      case 'dropEmpty':
        return dropEmpty(step);
      case 'include':
        return include(step.fields);
      case 'exclude':
        return exclude(step.fields);
      case 'rename':
        return rename(step);
      case 'coerce':
        return coerce(step);
      case 'derive':
        return derive(step, slots++);
      case 'join':
        if (!joinHashes.includes(step.hash)) joinHashes.push(step.hash);
        return join(step);
      case 'filter':
        return filter(step);
    }
  });
  const needsDeriveState = slots > 0;
  const filterNames = [...new Set(filterLabels.filter((label): label is string => label !== undefined))];

  function apply<T extends TransformInput>(inputs: readonly T[], context: TransformContext = {}): TransformResult<T> {
    if (needsDeriveState && context.derive === undefined) throw new TransformContextError('these transforms have derive steps: pass a DeriveState as context.derive');
    for (const hash of joinHashes) {
      if (context.references?.has(hash) !== true) throw new TransformContextError(`these transforms join "${hash}": pass its rows as context.references (resolveReferences)`);
    }
    const records: TransformedRecord<T>[] = [];
    const errors: TransformFailure<T>[] = [];
    const droppedBy = new Map<string, number>(filterNames.map((name) => [name, 0]));
    let dropped = 0;
    const state: RecordState = { input: undefined as unknown as TransformInput, derive: context.derive, references: context.references, staged: [], owned: undefined };

    for (let index = 0; index < inputs.length; index += 1) {
      const input = inputs[index] as T;
      const original: unknown = input?.record;
      const entityId = input?.entityId;
      if (!isJsonObject(original)) {
        errors.push({ index, entityId, reason: `record is ${describeRecord(original)}, not a JSON object`, record: original, input });
        continue;
      }
      state.input = input;
      state.staged.length = 0;
      state.owned = undefined;
      let record: JsonObject = original;
      let at = 0;
      try {
        for (; at < fns.length; at += 1) {
          const output = (fns[at] as StepFn)(record, state);
          if (output === DROP) break;
          record = output;
        }
      } catch (error) {
        const step = parsed[at] as TransformStep;
        const detail = error instanceof StepFailure ? error.message : `unexpected ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        errors.push({ index, entityId, step: at, stepType: step.type, reason: `step ${at} (${step.type}): ${detail}`, record: original, input });
        continue; // nothing staged is committed: a dead-lettered value is not a previous value
      }
      if (state.staged.length > 0) (context.derive as DeriveState).update(entityId, state.staged);
      if (at < fns.length) {
        dropped += 1;
        const label = filterLabels[at] as string;
        droppedBy.set(label, (droppedBy.get(label) ?? 0) + 1);
        continue;
      }
      records.push({ index, entityId, record, input });
    }
    return { records, dropped, droppedBy: Object.fromEntries(droppedBy), errors };
  }

  return { steps: parsed, joinHashes, needsDeriveState, filterNames, apply };
}

const compiledCache = new WeakMap<readonly TransformStepInput[], CompiledTransforms>();

/**
 * `compileTransforms(steps).apply(inputs, context)`, compiling each steps array once (by identity).
 * Prefer holding the compiled transforms in hot paths.
 */
export function applyTransforms<T extends TransformInput>(inputs: readonly T[], steps: readonly TransformStepInput[], context?: TransformContext): TransformResult<T> {
  let compiled = compiledCache.get(steps);
  if (compiled === undefined) {
    compiled = compileTransforms(steps);
    compiledCache.set(steps, compiled);
  }
  return compiled.apply(inputs, context);
}
