import type { StreamWindowConfig } from './types';

/** A validated stream config; `hopMs` equals `windowMs` for tumbling windows. */
export interface NormalizedStreamConfig extends StreamWindowConfig {
  readonly hopMs: number;
}

/** Budget of buffered bytes for the whole instance (all partitions, all streams). */
export interface ByteBudgetConfig {
  /** At or above this many buffered bytes overBudget() turns true (pause fetching). */
  readonly highWaterBytes: number;
  /** overBudget() turns false again only at or below this (resume); default 75% of highWaterBytes. */
  readonly lowWaterBytes?: number;
}

export class WindowingConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid windowing config: ${problems.join('; ')}`);
    this.name = 'WindowingConfigError';
  }
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

function isNonNegativeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Checks every stream config and returns them by stream name; throws WindowingConfigError listing every problem. */
export function normalizeStreamConfigs(configs: readonly StreamWindowConfig[]): ReadonlyMap<string, NormalizedStreamConfig> {
  const problems: string[] = [];
  const byStream = new Map<string, NormalizedStreamConfig>();
  for (const config of configs) {
    const where = `stream "${config.stream}"`;
    if (config.stream === '') problems.push('a stream has an empty name');
    if (byStream.has(config.stream)) problems.push(`${where} is configured twice`);
    if (!isPositiveInteger(config.windowMs)) problems.push(`${where}: windowMs must be a positive integer`);
    const hopMs = config.hopMs ?? config.windowMs;
    // A hop longer than the window would leave gaps whose events belong to no window at all.
    if (!isPositiveInteger(hopMs) || hopMs > config.windowMs) problems.push(`${where}: hopMs must be a positive integer ≤ windowMs`);
    if (!isNonNegativeInteger(config.allowedLatenessMs)) problems.push(`${where}: allowedLatenessMs must be an integer ≥ 0`);
    if (!isNonNegativeInteger(config.idleFlushMs)) problems.push(`${where}: idleFlushMs must be an integer ≥ 0`);
    if (!isPositiveInteger(config.maxEvents)) problems.push(`${where}: maxEvents must be a positive integer`);
    if (!isPositiveInteger(config.maxBytes)) problems.push(`${where}: maxBytes must be a positive integer`);
    if (config.mode !== 'all' && config.mode !== 'latest') problems.push(`${where}: mode must be "all" or "latest"`);
    byStream.set(config.stream, { ...config, hopMs });
  }
  if (problems.length > 0) throw new WindowingConfigError(problems);
  return byStream;
}

/** Checks the budget and fills in the low-water mark. */
export function normalizeByteBudget(config: ByteBudgetConfig): Required<ByteBudgetConfig> {
  const lowWaterBytes = config.lowWaterBytes ?? Math.floor(config.highWaterBytes * 0.75);
  const problems: string[] = [];
  if (!isPositiveInteger(config.highWaterBytes)) problems.push('budget.highWaterBytes must be a positive integer');
  // Equal marks would flap pause/resume on every event around the cap: the gap is the hysteresis.
  if (!isNonNegativeInteger(lowWaterBytes) || lowWaterBytes >= config.highWaterBytes) problems.push('budget.lowWaterBytes must be an integer ≥ 0 and < highWaterBytes');
  if (problems.length > 0) throw new WindowingConfigError(problems);
  return { highWaterBytes: config.highWaterBytes, lowWaterBytes };
}
