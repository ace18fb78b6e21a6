import { z } from 'zod';
import { httpEnvSchema } from '@deltastream/service-shell';
import { MAX_SYMBOLS, NO_FAULTS, parseTimestamp, SYMBOL_PATTERN, type FaultConfig } from '@deltastream/demo-data';

/** Bounds shared by the fault environment (strings, coerced) and the admin endpoint (JSON numbers). */
const faultBounds = {
  errorRate: { min: 0, max: 1, int: false },
  errorStatus: { min: 500, max: 599, int: true },
  latencyMs: { min: 0, max: 60_000, int: true },
  throttleRate: { min: 0, max: 1, int: false },
  throttleEvery: { min: 0, max: 1_000_000, int: true },
  retryAfterS: { min: 0, max: 3600, int: true },
  lateRate: { min: 0, max: 1, int: false },
  lateByMs: { min: 1, max: 3_600_000, int: true },
  duplicateRate: { min: 0, max: 1, int: false },
  duplicateAfterMs: { min: 1, max: 3_600_000, int: true },
  badRecordRate: { min: 0, max: 1, int: false },
  malformedRate: { min: 0, max: 1, int: false },
  oversizeRate: { min: 0, max: 1, int: false },
  oversizeMiB: { min: 0.001, max: 1024, int: false },
} as const satisfies Record<keyof FaultConfig, { min: number; max: number; int: boolean }>;

function bounded(key: keyof FaultConfig, coerce: boolean) {
  const { min, max, int } = faultBounds[key];
  const base = coerce ? z.coerce.number() : z.number();
  return (int ? base.int() : base).min(min).max(max).default(NO_FAULTS[key]);
}

/** The environment variable of each fault setting. */
export const faultEnvNames = {
  errorRate: 'DEMO_FAULT_ERROR_RATE',
  errorStatus: 'DEMO_FAULT_ERROR_STATUS',
  latencyMs: 'DEMO_FAULT_LATENCY_MS',
  throttleRate: 'DEMO_FAULT_THROTTLE_RATE',
  throttleEvery: 'DEMO_FAULT_THROTTLE_EVERY',
  retryAfterS: 'DEMO_FAULT_RETRY_AFTER_S',
  lateRate: 'DEMO_FAULT_LATE_RATE',
  lateByMs: 'DEMO_FAULT_LATE_BY_MS',
  duplicateRate: 'DEMO_FAULT_DUPLICATE_RATE',
  duplicateAfterMs: 'DEMO_FAULT_DUPLICATE_AFTER_MS',
  badRecordRate: 'DEMO_FAULT_BAD_RECORD_RATE',
  malformedRate: 'DEMO_FAULT_MALFORMED_RATE',
  oversizeRate: 'DEMO_FAULT_OVERSIZE_RATE',
  oversizeMiB: 'DEMO_FAULT_OVERSIZE_MIB',
} as const satisfies Record<keyof FaultConfig, string>;

/** `PUT /admin/faults` body: the whole fault configuration; an omitted key is off (its default). */
export const faultConfigSchema = z
  .object({
    errorRate: bounded('errorRate', false),
    errorStatus: bounded('errorStatus', false),
    latencyMs: bounded('latencyMs', false),
    throttleRate: bounded('throttleRate', false),
    throttleEvery: bounded('throttleEvery', false),
    retryAfterS: bounded('retryAfterS', false),
    lateRate: bounded('lateRate', false),
    lateByMs: bounded('lateByMs', false),
    duplicateRate: bounded('duplicateRate', false),
    duplicateAfterMs: bounded('duplicateAfterMs', false),
    badRecordRate: bounded('badRecordRate', false),
    malformedRate: bounded('malformedRate', false),
    oversizeRate: bounded('oversizeRate', false),
    oversizeMiB: bounded('oversizeMiB', false),
  })
  .strict() satisfies z.ZodType<FaultConfig>;

const isoInstant = z
  .string()
  .refine((value) => !/^\d+$/.test(value) && parseTimestamp(value) !== undefined, 'expected an ISO-8601 timestamp with a zone, e.g. 2026-01-01T00:00:00Z')
  .transform((value) => parseTimestamp(value) as number);

const symbols = z
  .string()
  .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.length >= 1 && list.length <= MAX_SYMBOLS, `expected 1 to ${MAX_SYMBOLS} comma-separated symbols`)
  .refine((list) => list.every((s) => SYMBOL_PATTERN.test(s)), 'expected symbols like BTC-USD (upper-case BASE-QUOTE)')
  .refine((list) => new Set(list).size === list.length, 'expected distinct symbols');

/** Environment of the demo-source service, validated once at boot. */
/** Body of `PUT /admin/speed`. */
export const speedChangeSchema = z.strictObject({ speed: z.number().positive().max(1_000_000) });

export const demoSourceConfigSchema = httpEnvSchema(8090).extend({
  /** Simulated time at boot. */
  DEMO_START: isoInstant.default(Date.parse('2026-01-01T00:00:00Z')),
  /** Simulated ms per real ms: 1 is real time, 60 a simulated minute per second. */
  DEMO_SPEED: z.coerce.number().positive().max(1_000_000).default(1),
  DEMO_SEED: z.string().min(1).max(200).default('deltastream'),
  DEMO_SENSORS: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /** Updates per second per sensor (at most one per simulated millisecond). */
  DEMO_SENSOR_HZ: z.coerce.number().positive().max(1000).default(1),
  DEMO_TRADE_SYMBOLS: symbols.default(['BTC-USD', 'ETH-USD', 'SOL-USD', 'ADA-USD']),
  /** Average trades per simulated second over all symbols (bursts included); 0 turns trades off. */
  DEMO_TRADES_PER_SEC: z.coerce.number().min(0).max(10_000_000).default(20),
  /** Per feed: changes older than this (simulated ms) are dropped … */
  DEMO_RETENTION_MS: z.coerce.number().int().min(1000).max(30 * 86_400_000).default(600_000),
  /** … and at most this many are kept (36 bytes a sensor change, 42 a trade). */
  DEMO_MAX_RECORDS: z.coerce.number().int().min(1000).max(100_000_000).default(2_000_000),
  /** `GET/PUT /admin/faults` and `GET /admin/stats` (no authentication: keep the port private). */
  DEMO_ADMIN: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  [faultEnvNames.errorRate]: bounded('errorRate', true),
  [faultEnvNames.errorStatus]: bounded('errorStatus', true),
  [faultEnvNames.latencyMs]: bounded('latencyMs', true),
  [faultEnvNames.throttleRate]: bounded('throttleRate', true),
  [faultEnvNames.throttleEvery]: bounded('throttleEvery', true),
  [faultEnvNames.retryAfterS]: bounded('retryAfterS', true),
  [faultEnvNames.lateRate]: bounded('lateRate', true),
  [faultEnvNames.lateByMs]: bounded('lateByMs', true),
  [faultEnvNames.duplicateRate]: bounded('duplicateRate', true),
  [faultEnvNames.duplicateAfterMs]: bounded('duplicateAfterMs', true),
  [faultEnvNames.badRecordRate]: bounded('badRecordRate', true),
  [faultEnvNames.malformedRate]: bounded('malformedRate', true),
  [faultEnvNames.oversizeRate]: bounded('oversizeRate', true),
  [faultEnvNames.oversizeMiB]: bounded('oversizeMiB', true),
});

export type DemoSourceConfig = z.output<typeof demoSourceConfigSchema>;

/** The fault configuration the environment starts with. */
export function faultsFromEnv(config: DemoSourceConfig): FaultConfig {
  const entries = (Object.keys(faultEnvNames) as (keyof FaultConfig)[]).map((key) => [key, config[faultEnvNames[key]]] as const);
  return Object.fromEntries(entries) as unknown as FaultConfig;
}
