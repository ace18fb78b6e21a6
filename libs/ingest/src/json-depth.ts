/** Nesting deeper than this is refused before parsing: no real API needs it, and deep values make every
 * recursive step after the parse (re-encoding, dead-lettering) a stack overflow. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

/**
 * Whether JSON text nests objects/arrays deeper than `maxDepth`, found in one pass over the UTF-8 bytes
 * without parsing (strings and their escapes skipped). Malformed text is the parser's to report; this only
 * answers the depth question, and stops at the first byte past the limit.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (inString) {
      if (byte === 0x5c /* \ */) i++;
      else if (byte === 0x22 /* " */) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x5b /* [ */ || byte === 0x7b /* { */) {
      depth++;
      if (depth > maxDepth) return true;
    } else if (byte === 0x5d /* ] */ || byte === 0x7d /* } */) depth--;
  }
  return false;
}
