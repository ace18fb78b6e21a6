// CRC32C (Castagnoli), the checksum over every frame's uncompressed payload.
//
// BROWSER-SAFE: this file must not import anything (no Node built-ins, no Buffer) — the browser SDK
// reuses it verbatim to verify frames. Plain TypeScript over Uint8Array.
//
// Slice-by-8: eight 256-entry tables let the loop consume 8 bytes per iteration with 8 independent
// table lookups instead of 8 dependent ones, several times faster than the byte-at-a-time loop while
// needing only 8 KiB of tables. (Node's zlib.crc32 is CRC-32/IEEE, a different polynomial.)

/** Reflected Castagnoli polynomial 0x1EDC6F41. */
const POLY = 0x82f63b78;

/** TABLES[k * 256 + n]: CRC of byte n followed by k zero bytes. Table 0 is the classic byte table. */
const TABLES: Uint32Array = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = tables[(k - 1) * 256 + n] ?? 0;
      tables[k * 256 + n] = (prev >>> 8) ^ (tables[prev & 0xff] ?? 0);
    }
  }
  return tables;
})();

/**
 * CRC32C of `bytes` as an unsigned 32-bit integer. Pass a previous result as `crc` to continue it:
 * `crc32c(b, crc32c(a)) === crc32c(a ++ b)`, so payloads can be checksummed in pieces.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  const t = TABLES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  // Every index below is in bounds (i + 7 < end8 <= length; table indexes are masked to 0..255 within
  // their 256-entry slice), so the `?? 0` never fires: it only satisfies noUncheckedIndexedAccess and
  // costs nothing measurable once optimized.
  for (; i < end8; i += 8) {
    c ^= view.getUint32(i, true);
    const hi = view.getUint32(i + 4, true);
    c =
      (t[1792 + (c & 0xff)] ?? 0) ^
      (t[1536 + ((c >>> 8) & 0xff)] ?? 0) ^
      (t[1280 + ((c >>> 16) & 0xff)] ?? 0) ^
      (t[1024 + (c >>> 24)] ?? 0) ^
      (t[768 + (hi & 0xff)] ?? 0) ^
      (t[512 + ((hi >>> 8) & 0xff)] ?? 0) ^
      (t[256 + ((hi >>> 16) & 0xff)] ?? 0) ^
      (t[hi >>> 24] ?? 0);
  }
  for (; i < bytes.length; i++) c = (c >>> 8) ^ (t[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
  return ~c >>> 0;
}
