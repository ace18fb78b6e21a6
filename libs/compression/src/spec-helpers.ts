// Shared fast-check arbitraries for the specs (not exported from the library).
import fc from 'fast-check';

/**
 * Arbitrary payloads: random bytes (incompressible), empty, and highly repetitive ones (a short
 * pattern repeated up to 4 KiB) so compressors exercise both their literal and their match paths.
 */
export const payloads: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.constant(new Uint8Array(0)),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 4096 }))
    .map(([pattern, length]) => Uint8Array.from({ length }, (_, i) => pattern[i % pattern.length] ?? 0)),
);

/**
 * `length` bytes of deterministic JSON-lines text (trade-like records with pseudo-random values):
 * compressible like real frames, with clearly different ratios per codec (gzip/zstd well below lz4).
 */
export function compressibleBytes(length: number): Uint8Array {
  const symbols = ['ACME', 'GLOBEX', 'INITECH', 'UMBRELLA', 'HOOLI', 'STARK'];
  let state = 42;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8;
  let text = '';
  for (let id = 0; text.length < length; id++) {
    const price = (1000 + (next() % 9000)) / 100;
    text += `{"id":${id},"sym":"${symbols[next() % symbols.length]}","price":${price},"qty":${next() % 500},"side":"${next() % 2 ? 'buy' : 'sell'}"}\n`;
  }
  return new TextEncoder().encode(text).subarray(0, length);
}
