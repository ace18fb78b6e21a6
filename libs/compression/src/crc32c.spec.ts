import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { crc32c } from './crc32c';
import { verifyChecksum } from './checksum';
import { FrameDecodeError } from './errors';

/** Bit-at-a-time CRC32C straight from the definition, to check the slice-by-8 tables against. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value and the RFC 3720 (iSCSI) vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('equals the bitwise definition for any bytes, any length and any alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), (bytes, offset) => {
        // A view that starts mid-buffer exercises byteOffset handling in the 8-byte loop.
        const backing = new Uint8Array(bytes.length + offset);
        backing.set(bytes, offset);
        const view = backing.subarray(offset);
        expect(crc32c(view)).toBe(referenceCrc32c(bytes));
      }),
    );
  });

  it('continues a previous CRC: crc32c(b, crc32c(a)) === crc32c(a ++ b)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const joined = new Uint8Array(a.length + b.length);
        joined.set(a);
        joined.set(b, a.length);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(joined));
      }),
    );
  });

  it('stays browser-safe: the module imports nothing (the browser SDK reuses it as is)', () => {
    const source = readFileSync(join(__dirname, 'crc32c.ts'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    expect(source).toContain('export function crc32c');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(|\bBuffer\b|\bprocess\./);
  });
});

describe('verifyChecksum', () => {
  const payload = new TextEncoder().encode('123456789');

  it('accepts the right CRC as number or proto uint64 bigint', () => {
    expect(() => verifyChecksum(payload, 0xe3069283)).not.toThrow();
    expect(() => verifyChecksum(payload, 0xe3069283n)).not.toThrow();
  });

  it.each([0xe3069282, 0, -1, 0xe3069283 + 2 ** 32, Number.NaN, 0xe3069283n + (1n << 32n)])('refuses %p with kind checksum_mismatch', (wrong) => {
    expect(() => verifyChecksum(payload, wrong)).toThrow(expect.objectContaining({ name: 'FrameDecodeError', kind: 'checksum_mismatch' }));
  });

  it('catches any single flipped bit', () => {
    const expected = crc32c(payload);
    fc.assert(
      fc.property(fc.nat(payload.length * 8 - 1), (bit) => {
        const corrupted = Uint8Array.from(payload);
        corrupted[bit >> 3] = (corrupted[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(() => verifyChecksum(corrupted, expected)).toThrow(FrameDecodeError);
      }),
    );
  });
});
