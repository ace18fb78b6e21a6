/**
 * UTF-8 for the fast wire paths. Protobuf strings must be valid UTF-8 (protobuf-es decodes them with a
 * fatal TextDecoder), and the records we carry are mostly short ASCII, which a plain loop handles faster
 * than a TextEncoder/TextDecoder call; anything else goes to those.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Short ASCII strings are built char by char; longer ones by the native decoder (faster past ~32 bytes). */
const ASCII_LOOP_MAX = 32;
/** Past this many chars the native encoder writes faster than the loop (a record's JSON text: ~2× faster). */
const WRITE_LOOP_MAX = 64;

/**
 * Writes `text` as UTF-8 at `pos` (the caller reserved `3 × text.length` bytes) and returns the end.
 * Lone surrogates become U+FFFD, as TextEncoder (and so protobuf-es) writes them.
 */
export function writeUtf8(text: string, into: Uint8Array, pos: number): number {
  const length = text.length;
  if (length > WRITE_LOOP_MAX) return pos + encoder.encodeInto(text, into.subarray(pos)).written;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return pos + encoder.encodeInto(i === 0 ? text : text.slice(i), into.subarray(pos)).written;
    into[pos++] = code;
  }
  return pos;
}

/** Decodes bytes [start, end) as UTF-8; throws on malformed input, like protobuf-es' strict decoding. */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= ASCII_LOOP_MAX) {
    let text = '';
    let i = start;
    for (; i < end; i++) {
      const byte = (bytes[i] ?? 0);
      if (byte >= 0x80) break;
      text += String.fromCharCode(byte);
    }
    if (i === end) return text;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * Whether bytes [start, end) are well-formed UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF) — what a fatal TextDecoder accepts — without building the string.
 */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    // Eight ASCII bytes at a time: a record's JSON text is mostly ASCII (~1/3 faster on one).
    if (i + 8 <= end && (((bytes[i] ?? 0) | (bytes[i + 1] ?? 0) | (bytes[i + 2] ?? 0) | (bytes[i + 3] ?? 0) | (bytes[i + 4] ?? 0) | (bytes[i + 5] ?? 0) | (bytes[i + 6] ?? 0) | (bytes[i + 7] ?? 0)) & 0x80) === 0) {
      i += 8;
      continue;
    }
    const b0 = (bytes[i] ?? 0);
    if (b0 < 0x80) {
      i++;
      continue;
    }
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      if (i + 1 >= end || !isContinuation((bytes[i + 1] ?? 0))) return false;
      i += 2;
      continue;
    }
    if (b0 >= 0xe0 && b0 <= 0xef) {
      if (i + 2 >= end) return false;
      const b1 = (bytes[i + 1] ?? 0);
      const lower = b0 === 0xe0 ? 0xa0 : 0x80; // no overlong 3-byte forms
      const upper = b0 === 0xed ? 0x9f : 0xbf; // no UTF-16 surrogates
      if (b1 < lower || b1 > upper || !isContinuation((bytes[i + 2] ?? 0))) return false;
      i += 3;
      continue;
    }
    if (b0 >= 0xf0 && b0 <= 0xf4) {
      if (i + 3 >= end) return false;
      const b1 = (bytes[i + 1] ?? 0);
      const lower = b0 === 0xf0 ? 0x90 : 0x80; // no overlong 4-byte forms
      const upper = b0 === 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
      if (b1 < lower || b1 > upper || !isContinuation((bytes[i + 2] ?? 0)) || !isContinuation((bytes[i + 3] ?? 0))) return false;
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}
