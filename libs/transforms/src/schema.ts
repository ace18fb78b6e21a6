import { z } from 'zod';
import { coerceTargets } from './coerce';
import type { JsonValue } from './json';

/** A field name, or a dotted path into nested objects (`location.lat`). */
const fieldPath = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a field name or a dotted path like "location.lat"') })
  .regex(/^[^.]+(?:\.[^.]+)*$/, 'must be a field name or a dotted path like "location.lat" (no empty parts)');

const fieldList = z
  .array(fieldPath, { error: (issue) => (issue.input === undefined ? 'required: a list of fields, e.g. fields: [id, temperature]' : 'must be a list of fields') })
  .min(1, 'list at least one field');

function fieldMap<T extends z.ZodType>(value: T, example: string) {
  return z
    .record(fieldPath, value, {
      error: (issue) => {
        if (issue.code === 'invalid_key') return `${JSON.stringify(issue.input)} is not a field name or dotted path`;
        return issue.input === undefined ? `required: a map, e.g. fields: { ${example} }` : `must be a map, e.g. fields: { ${example} }`;
      },
    })
    .refine((map) => Object.keys(map).length > 0, `list at least one field, e.g. fields: { ${example} }`);
}

export const dropEmptyStepSchema = z
  .object({
    type: z.literal('dropEmpty'),
    /** Also drop empty arrays and objects (after their own empty fields are gone). */
    emptyCollections: z.boolean().default(false),
  })
  .strict();

export const includeStepSchema = z.object({ type: z.literal('include'), fields: fieldList }).strict();

export const excludeStepSchema = z.object({ type: z.literal('exclude'), fields: fieldList }).strict();

export const renameStepSchema = z
  .object({ type: z.literal('rename'), fields: fieldMap(fieldPath, 'old_name: new_name') })
  .strict()
  .superRefine((step, ctx) => {
    const targets = new Map<string, string>();
    for (const [from, to] of Object.entries(step.fields)) {
      const other = targets.get(to);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['fields', from], message: `"${from}" and "${other}" are both renamed to "${to}"` });
      targets.set(to, from);
    }
  });

export const coerceStepSchema = z
  .object({
    type: z.literal('coerce'),
    fields: fieldMap(
      z.enum(coerceTargets, { error: () => `must be one of ${coerceTargets.join(', ')}` }),
      'temperature: number',
    ),
  })
  .strict();

const timeSource = z.union([fieldPath, z.object({ field: fieldPath }).strict()], {
  error: () => 'must be occurredAt, observedAt, a record field (a name or dotted path) or { field: name }',
});

export const deriveStepSchema = z
  .object({
    type: z.literal('derive'),
    /** The numeric field whose previous value (per entity) is compared with. */
    field: fieldPath,
    /** Where to write `value - previous value`. */
    difference: fieldPath.optional(),
    /** Where to write `(value - previous value) / elapsed time`. */
    rate: z
      .object({
        as: fieldPath,
        per: z.enum(['second', 'minute', 'hour']).default('second'),
        /**
         * `occurredAt` (the event time, or the observed time when the event has none), `observedAt`,
         * or a record field holding epoch ms or ISO-8601 (`{ field: occurredAt }` for a field of that name).
         */
        time: timeSource.default('occurredAt'),
      })
      .strict()
      .optional(),
    /** Round derived values to this many decimals (floating-point noise compresses badly). */
    decimals: z.number().int().min(0).max(15).optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    if (step.difference === undefined && step.rate === undefined) {
      ctx.addIssue({ code: 'custom', message: 'derive needs `difference: <field>`, `rate: { as: <field> }` or both' });
    }
    if (step.difference !== undefined && step.difference === step.rate?.as) {
      ctx.addIssue({ code: 'custom', path: ['rate', 'as'], message: 'difference and rate are written to the same field' });
    }
  });

export const joinStepSchema = z
  .object({
    type: z.literal('join'),
    /** The reference hash (a Redis key), looked up by entity id. */
    hash: z.string({ error: (issue) => (issue.input === undefined ? 'required: the reference hash, e.g. hash: ref:sensors' : 'must be a string') }).min(1, 'must not be empty'),
    /** Prepended to each joined field name; the joined fields are top-level keys. */
    prefix: z.string().default(''),
    /** Only these fields of the reference row (default: all). */
    fields: z.array(z.string().min(1)).min(1, 'list at least one field, or leave `fields` out for all').optional(),
    /** Replace record fields of the same name (default: the record's own value wins). */
    overwrite: z.boolean().default(false),
  })
  .strict();

export const conditionOps = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'exists', 'missing'] as const;
export type ConditionOp = (typeof conditionOps)[number];

export type Condition =
  | { field: string; op: 'eq' | 'ne'; value: JsonValue }
  | { field: string; op: 'lt' | 'lte' | 'gt' | 'gte'; value: number | string }
  | { field: string; op: 'in'; value: JsonValue[] }
  | { field: string; op: 'exists' | 'missing' }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const conditionShape = 'a condition is { field, op, value? }, { all: [...] }, { any: [...] } or { not: {...} }';

const conditionObject = z
  .object({
    field: fieldPath.optional(),
    op: z.enum(conditionOps, { error: () => `must be one of ${conditionOps.join(', ')}` }).optional(),
    value: z.json().optional(),
    all: z.array(z.lazy(() => conditionSchema)).min(1, 'list at least one condition').optional(),
    any: z.array(z.lazy(() => conditionSchema)).min(1, 'list at least one condition').optional(),
    not: z.lazy(() => conditionSchema).optional(),
  }, { error: (issue) => (issue.input === undefined ? `required: ${conditionShape}` : conditionShape) })
  .strict()
  .superRefine((condition, ctx) => {
    const forms = (['all', 'any', 'not'] as const).filter((key) => condition[key] !== undefined);
    const leaf = condition.field !== undefined || condition.op !== undefined || condition.value !== undefined;
    if (forms.length + (leaf ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', message: `${conditionShape}; exactly one of them` });
      return;
    }
    if (!leaf) return;
    if (condition.field === undefined) ctx.addIssue({ code: 'custom', path: ['field'], message: 'required' });
    if (condition.op === undefined) {
      ctx.addIssue({ code: 'custom', path: ['op'], message: `required: one of ${conditionOps.join(', ')}` });
      return;
    }
    const value = condition.value;
    switch (condition.op) {
      case 'eq':
      case 'ne':
        if (value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${condition.op} needs a value (null is allowed)` });
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        if (typeof value !== 'number' && typeof value !== 'string') {
          ctx.addIssue({ code: 'custom', path: ['value'], message: `${condition.op} needs a number or string value` });
        }
        break;
      case 'in':
        if (!Array.isArray(value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'in needs a list value, e.g. value: [a, b]' });
        break;
      case 'exists':
      case 'missing':
        if (value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${condition.op} takes no value` });
        break;
    }
  });

// The object schema checks the shape; the union type above is what it accepts.
export const conditionSchema: z.ZodType<Condition> = conditionObject as unknown as z.ZodType<Condition>;

export const filterStepSchema = z
  .object({
    type: z.literal('filter'),
    /** Metric label for the records this step drops (default `filter#<step index>`). */
    name: z.string().min(1).optional(),
    /** Records matching this condition are dropped (and counted). */
    drop: conditionSchema,
  })
  .strict();

const stepTypes = ['dropEmpty', 'include', 'exclude', 'rename', 'coerce', 'derive', 'join', 'filter'] as const;

export const transformStepSchema = z.discriminatedUnion(
  'type',
  [dropEmptyStepSchema, includeStepSchema, excludeStepSchema, renameStepSchema, coerceStepSchema, deriveStepSchema, joinStepSchema, filterStepSchema],
  {
    error: (issue) => {
      const input = issue.input as unknown;
      if (input === null || typeof input !== 'object' || Array.isArray(input)) return `a transform step is an object with a type: one of ${stepTypes.join(', ')}`;
      const type = (input as { type?: unknown }).type;
      if (type === undefined) return `required: type, one of ${stepTypes.join(', ')}`;
      return `unknown transform type ${JSON.stringify(type)}; expected one of ${stepTypes.join(', ')}`;
    },
  },
);

/** The `transforms` list of a stream in the suite file: steps applied in order. */
export const transformsSchema = z.array(transformStepSchema, { error: () => 'must be a list of transform steps' }).default([]);

export type DropEmptyStep = z.output<typeof dropEmptyStepSchema>;
export type IncludeStep = z.output<typeof includeStepSchema>;
export type ExcludeStep = z.output<typeof excludeStepSchema>;
export type RenameStep = z.output<typeof renameStepSchema>;
export type CoerceStep = z.output<typeof coerceStepSchema>;
export type DeriveStep = z.output<typeof deriveStepSchema>;
export type JoinStep = z.output<typeof joinStepSchema>;
export type FilterStep = z.output<typeof filterStepSchema>;
export type TransformStep = z.output<typeof transformStepSchema>;
/** What the suite file may say (defaults not yet filled in). */
export type TransformStepInput = z.input<typeof transformStepSchema>;

export class TransformConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid transforms\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TransformConfigError';
  }
}

/** Validates a `transforms` list; every problem is reported with its path (`2.fields.temperature: …`). */
export function parseTransforms(raw: unknown): TransformStep[] {
  const result = transformsSchema.safeParse(raw);
  if (!result.success) {
    throw new TransformConfigError(result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`));
  }
  return result.data;
}
