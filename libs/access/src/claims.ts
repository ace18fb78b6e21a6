import { isStreamPattern, MAX_STREAM_PATTERNS } from './stream-pattern';

export interface StreamClaimOptions {
  /** The claim holding an array of stream patterns (default `streams`). */
  readonly streamsClaim: string;
  /** Entries of the space-separated `scope` claim granting a pattern: `<prefix><pattern>` (default `streams:read:`). */
  readonly scopePrefix: string;
}

export const DEFAULT_STREAM_CLAIMS: StreamClaimOptions = { streamsClaim: 'streams', scopePrefix: 'streams:read:' };

export type StreamClaimResult = { readonly ok: true; readonly patterns: readonly string[] } | { readonly ok: false; readonly reason: string };

/**
 * The stream patterns a verified token grants: the `streams` claim (an array of patterns) plus every
 * `streams:read:<pattern>` entry of an OAuth-style `scope` string. Other scope entries are ignored (the
 * token may serve other APIs too); a malformed `streams` claim or a malformed pattern is refused rather
 * than skipped, so a typo never silently narrows or widens what the bearer reads. Neither present: no
 * patterns (the bearer reads anonymous streams only).
 */
export function streamPatternsFromClaims(payload: Readonly<Record<string, unknown>>, options: StreamClaimOptions = DEFAULT_STREAM_CLAIMS): StreamClaimResult {
  const patterns: string[] = [];
  const claim = Object.hasOwn(payload, options.streamsClaim) ? payload[options.streamsClaim] : undefined;
  if (claim !== undefined) {
    if (!Array.isArray(claim)) return { ok: false, reason: `the ${options.streamsClaim} claim must be an array of stream patterns` };
    for (const entry of claim) {
      if (typeof entry !== 'string' || !isStreamPattern(entry)) return { ok: false, reason: `the ${options.streamsClaim} claim holds an invalid stream pattern` };
      patterns.push(entry);
    }
  }
  const scope = Object.hasOwn(payload, 'scope') ? payload['scope'] : undefined;
  if (scope !== undefined) {
    if (typeof scope !== 'string') return { ok: false, reason: 'the scope claim must be a space-separated string' };
    for (const entry of scope.split(/\s+/)) {
      if (!entry.startsWith(options.scopePrefix)) continue;
      const pattern = entry.slice(options.scopePrefix.length);
      if (!isStreamPattern(pattern)) return { ok: false, reason: `the scope claim holds an invalid stream pattern (${options.scopePrefix}…)` };
      patterns.push(pattern);
    }
  }
  const unique = [...new Set(patterns)];
  if (unique.length > MAX_STREAM_PATTERNS) return { ok: false, reason: `a token grants at most ${MAX_STREAM_PATTERNS} stream patterns` };
  return { ok: true, patterns: unique };
}
