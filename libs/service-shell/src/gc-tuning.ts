import { setFlagsFromString } from 'node:v8';

const EXTERNAL_IN_GLOBAL_LIMIT = 'external-memory-accounted-in-global-limit';

/**
 * Counts Buffer memory (ArrayBuffer backing stores) in V8's global heap limit, which grows with the heap,
 * instead of starting a full mark-compact every time it grows by a fixed 64 MiB. Kafka clients allocate a
 * Buffer per request, response and record, so at tens of MB/s through a service that fixed step meant one
 * to two full collections a second — a third of the windower's and ingestor's CPU at 30k events/s (see
 * docs/benchmarks.md). A `--[no-]external-memory-accounted-in-global-limit` on the node command line wins.
 */
export function tuneGarbageCollector(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): void {
  // V8 takes its flags with dashes or underscores.
  if (execArgv.some((arg) => arg.replaceAll('_', '-').endsWith(EXTERNAL_IN_GLOBAL_LIMIT))) return;
  setFlags(`--${EXTERNAL_IN_GLOBAL_LIMIT}`);
}
