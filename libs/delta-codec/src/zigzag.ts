// Zig-zag maps signed integers to unsigned ones so small magnitudes of either sign get short varints
// (0, -1, 1, -2 … → 0, 1, 2, 3 …). Arithmetic rather than bit operators: values may exceed 32 bits.
// Exact for |value| ≤ 2^52 (see MAX_INT_MAGNITUDE).

export function zigzag(value: number): number {
  return value >= 0 ? value * 2 + 0 : -value * 2 - 1;
}

export function unzigzag(encoded: number): number {
  return encoded % 2 === 0 ? encoded / 2 : -(encoded + 1) / 2;
}
