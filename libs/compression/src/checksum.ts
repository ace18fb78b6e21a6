// Frame checksum verification. Browser-safe.
import { crc32c } from './crc32c';
import { FrameDecodeError } from './errors';

/**
 * Throws FrameDecodeError('checksum_mismatch') unless `expected` is the CRC32C of `payload`.
 * `expected` may be the proto's uint64 (bigint): a value beyond 32 bits can never match.
 */
export function verifyChecksum(payload: Uint8Array, expected: number | bigint): void {
  const actual = crc32c(payload);
  const matches = typeof expected === 'bigint' ? expected === BigInt(actual) : expected === actual;
  if (!matches) {
    throw new FrameDecodeError('checksum_mismatch', `CRC32C mismatch: frame says ${hex(expected)}, payload is ${hex(actual)}`);
  }
}

function hex(value: number | bigint): string {
  const printable = typeof value === 'bigint' ? value >= 0n : Number.isInteger(value) && value >= 0;
  return printable ? `0x${value.toString(16).padStart(8, '0')}` : String(value);
}
