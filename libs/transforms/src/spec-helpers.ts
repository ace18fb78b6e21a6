import type { JsonObject } from './json';
import { compileTransforms, type TransformContext, type TransformInput } from './pipeline';
import type { TransformStepInput } from './schema';

/** Test inputs: one per record, entity `e<i>` unless the record says otherwise via `entity`. */
export function inputsOf(records: readonly JsonObject[], entityId = (i: number) => `e${i}`, observedAtMs = 1_000): TransformInput[] {
  return records.map((record, i) => ({ record, entityId: entityId(i), observedAtMs }));
}

/** Runs steps over records and returns the transformed records (failing the test on any error). */
export function run(steps: readonly TransformStepInput[], records: readonly JsonObject[], context?: TransformContext): JsonObject[] {
  const result = compileTransforms(steps).apply(inputsOf(records), context);
  if (result.errors.length > 0) throw new Error(`unexpected transform errors: ${result.errors.map((e) => e.reason).join('; ')}`);
  return result.records.map((r) => r.record);
}

/** Runs steps over one record. */
export function runOne(steps: readonly TransformStepInput[], record: JsonObject, context?: TransformContext): JsonObject | undefined {
  return run(steps, [record], context)[0];
}

/** Freezes a value and everything under it, so any mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
