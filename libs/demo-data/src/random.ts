/**
 * Seeded randomness. Two kinds, both deterministic by seed:
 * - `Rng`: a sequential stream (sfc32), consumed in a fixed event order by the generators, so the same
 *   seed yields the same records however the generation is chunked;
 * - `chance`: a stateless hash of (seed, salt, key…) to [0, 1), for decisions that must not depend on
 *   what was generated before (fault injection keyed by record identity or request number).
 */

const TWO_POW_32 = 0x1_0000_0000;

/** A 32-bit hash of any seed text (cyrb53-style mixing); equal seeds give equal hashes on every platform. */
export function hashSeed(seed: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes non-negative integers (up to 2^53) into a 32-bit hash. */
export function mix(seed: number, ...values: number[]): number {
  let h = seed >>> 0;
  for (const value of values) {
    const lo = value >>> 0;
    const hi = Math.floor(value / TWO_POW_32) >>> 0;
    h = fmix32(Math.imul(h ^ lo, 0x9e3779b1) + 0x7f4a7c15);
    h = fmix32(Math.imul(h ^ hi, 0x85ebca77) + 0x165667b1);
  }
  return h;
}

/** A uniform value in [0, 1) determined by (seed, salt, keys) alone. */
export function chance(seed: number, salt: number, ...keys: number[]): number {
  return mix(seed, salt, ...keys) / TWO_POW_32;
}

/** sfc32: small, fast, good statistical quality, and trivially reproducible from a 32-bit seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box–Muller, one value per call). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
}
