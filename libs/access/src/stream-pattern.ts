/**
 * Stream patterns of credentials: a stream name in which `*` stands for any run of characters (also
 * none), e.g. `sensors`, `iot.*`, `*`. Stream names are `[a-z0-9._-]`, so a pattern is that plus `*`.
 */
export const STREAM_PATTERN = /^[a-z0-9._*-]{1,128}$/;

/** At most this many patterns per credential: a token is sent on every connect. */
export const MAX_STREAM_PATTERNS = 100;

export function isStreamPattern(pattern: string): boolean {
  return STREAM_PATTERN.test(pattern);
}

/**
 * Whether `stream` matches `pattern`. Iterative wildcard matching with one backtrack point (the last
 * `*`): O(pattern × stream) in the worst case and no regular expression, so a hostile pattern in a
 * token cannot make matching slow.
 */
export function matchesStreamPattern(pattern: string, stream: string): boolean {
  let p = 0;
  let s = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (s < stream.length) {
    const char = pattern[p];
    if (char === '*') {
      starAt = p++;
      resumeAt = s;
    } else if (char !== undefined && char === stream[s]) {
      p++;
      s++;
    } else if (starAt >= 0) {
      // Let the last `*` swallow one more character and retry what follows it.
      p = starAt + 1;
      s = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function matchesAnyStreamPattern(patterns: readonly string[], stream: string): boolean {
  return patterns.some((pattern) => matchesStreamPattern(pattern, stream));
}
