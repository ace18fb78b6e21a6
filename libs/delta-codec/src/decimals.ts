import { MAX_DECIMAL_SCALE, MAX_INT_MAGNITUDE } from './limits';

// Decimal detection for number columns. Each check reproduces the decoder's exact computation and
// compares bit for bit, so a value only takes the scaled-integer path when it comes back identical
// (-0 never does: no scaled integer reproduces it, so it stays float64).

const POWERS_OF_TEN = Array.from({ length: MAX_DECIMAL_SCALE + 1 }, (_, p) => 10 ** p);

/** 10^scale for a scale in [0, MAX_DECIMAL_SCALE]; what the decoder divides scaled integers by. */
export function powerOfTen(scale: number): number {
  return POWERS_OF_TEN[scale] ?? NaN;
}

/** The integer `value` × 10^scale if dividing it by 10^scale gives `value` back exactly; undefined otherwise. */
export function scaledInteger(value: number, scale: number): number | undefined {
  const power = powerOfTen(scale);
  const scaled = Math.round(value * power) + 0; // + 0 turns -0 into 0: the decoder can only produce +0
  if (!(Math.abs(scaled) <= MAX_INT_MAGNITUDE) || !Object.is(scaled / power, value)) return undefined;
  return scaled;
}

/** Smallest scale at which `value` is an exact scaled integer, or -1 (float64 territory: 0.1 + 0.2, 1e300, -0). */
export function decimalScale(value: number): number {
  if (!Number.isFinite(value)) return -1;
  for (let scale = 0; scale <= MAX_DECIMAL_SCALE; scale++) {
    const scaled = scaledInteger(value, scale);
    if (scaled !== undefined) return scale;
    // Too large at this scale means too large at every higher one.
    if (Math.abs(value * powerOfTen(scale)) > MAX_INT_MAGNITUDE) return -1;
  }
  return -1;
}
