import { DeltaDecodeError } from './errors';
import type { ByteReader } from './reader';
import type { ByteWriter } from './writer';

// Every string of a frame — field names, string values, keys and strings inside nested values — is
// written once, in a per-frame table, and referenced by index. Layout:
//   u8      text encoding: 0 UTF-8, 1 UTF-16LE code units (only when some string holds a lone surrogate,
//           which UTF-8 cannot carry but a JS string can)
//   varint  entry count
//   per entry: varint shared-prefix length, varint suffix length — both in UTF-16 code units
//   varint  byte length of the suffixes' text, then that text
// Front coding (sharing a prefix with the previous entry) makes ids like "sensor-007", "sensor-012" cost
// a few bytes each. Lengths count code units so the decoder decodes all text in one call and slices it.

const UTF8 = 0;
const UTF16 = 1;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8Encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF (it would otherwise be dropped); fatal reports corrupt bytes.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encoder side: assigns indices in first-use order. */
export class StringTable {
  private readonly indexes = new Map<string, number>();
  private readonly entries: string[] = [];

  index(text: string): number {
    let index = this.indexes.get(text);
    if (index === undefined) {
      index = this.entries.length;
      this.indexes.set(text, index);
      this.entries.push(text);
    }
    return index;
  }

  write(writer: ByteWriter): void {
    const prefixes: number[] = [];
    const suffixes: string[] = [];
    let previous = '';
    for (const entry of this.entries) {
      const prefix = sharedPrefix(previous, entry);
      prefixes.push(prefix);
      suffixes.push(entry.slice(prefix));
      previous = entry;
    }
    const text = suffixes.join('');
    const utf16 = LONE_SURROGATE.test(text);
    writer.u8(utf16 ? UTF16 : UTF8);
    writer.varint(this.entries.length);
    for (let i = 0; i < suffixes.length; i++) {
      writer.varint(prefixes[i] ?? 0);
      writer.varint(suffixes[i]?.length ?? 0);
    }
    const bytes = utf16 ? utf16Bytes(text) : utf8Encoder.encode(text);
    writer.varint(bytes.length);
    writer.bytes(bytes);
  }
}

export function readStringTable(reader: ByteReader): string[] {
  const encoding = reader.u8();
  if (encoding !== UTF8 && encoding !== UTF16) throw new DeltaDecodeError(`unknown text encoding ${encoding}`);
  const count = reader.count(2, 'string');
  const lengths = new Float64Array(count * 2);
  for (let i = 0; i < lengths.length; i++) lengths[i] = reader.varint();
  const bytes = reader.take(reader.count(1, 'text byte'));
  const text = encoding === UTF8 ? utf8Text(bytes) : utf16Text(bytes);
  const entries = new Array<string>(count);
  let previous = '';
  let at = 0;
  for (let i = 0; i < count; i++) {
    const prefix = lengths[2 * i] ?? 0;
    const end = at + (lengths[2 * i + 1] ?? 0);
    if (prefix > previous.length || end > text.length) throw new DeltaDecodeError('string table is corrupt');
    previous = previous.slice(0, prefix) + text.slice(at, end);
    entries[i] = previous;
    at = end;
  }
  if (at !== text.length) throw new DeltaDecodeError('string table is corrupt');
  return entries;
}

/** Common prefix length, never ending between the halves of a surrogate pair. */
function sharedPrefix(a: string, b: string): number {
  const limit = Math.min(a.length, b.length);
  let length = 0;
  while (length < limit && a.charCodeAt(length) === b.charCodeAt(length)) length++;
  if (length > 0 && isHighSurrogate(a.charCodeAt(length - 1))) length--;
  return length;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function utf16Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    bytes[2 * i] = code & 0xff;
    bytes[2 * i + 1] = code >>> 8;
  }
  return bytes;
}

function utf8Text(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new DeltaDecodeError('string table is not valid UTF-8');
  }
}

// Not TextDecoder('utf-16le'): it would replace lone surrogates, the reason this encoding exists.
function utf16Text(bytes: Uint8Array): string {
  if (bytes.length % 2 !== 0) throw new DeltaDecodeError('UTF-16 text has an odd byte length');
  const units = bytes.length / 2;
  const codes = new Uint16Array(Math.min(units, 4096));
  let text = '';
  for (let start = 0; start < units; start += codes.length) {
    const end = Math.min(units, start + codes.length);
    for (let i = start; i < end; i++) codes[i - start] = (bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8);
    text += String.fromCharCode(...codes.subarray(0, end - start));
  }
  return text;
}
