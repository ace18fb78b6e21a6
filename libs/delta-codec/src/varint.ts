// Unsigned LEB128 varints: 7 bits per byte, high bit set on every byte but the last.

/** Longest varint accepted: 8 bytes carry 56 bits, enough for any safe integer. */
export const MAX_VARINT_BYTES = 8;

/** Bytes `value` (a non-negative safe integer) takes as a varint; used to compare encodings without writing them. */
export function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

/** Bits needed to write `value` (a non-negative safe integer): 0 for 0. */
export function bitWidth(value: number): number {
  return value < 0x1_0000_0000 ? 32 - Math.clz32(value) : 32 + bitWidth(Math.floor(value / 0x1_0000_0000));
}
