/** How the poll loop treats an upstream HTTP status. */
export type StatusClass = 'ok' | 'not_modified' | 'throttled' | 'transient' | 'permanent';

export function classifyStatus(status: number): StatusClass {
  if (status === 304) return 'not_modified';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status === 503) return 'throttled';
  if (status === 408 || status === 425 || status >= 500) return 'transient';
  return 'permanent';
}

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped; undefined when absent or invalid. */
export function retryAfterMs(header: string | null | undefined, nowMs: number, capMs = 300_000): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, capMs);
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), capMs);
}
