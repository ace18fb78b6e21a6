import type { JsonValue } from '@bufbuild/protobuf';

/**
 * `Buffer.byteLength(JSON.stringify(value))` without building the JSON text: the enricher sizes every
 * record it encodes (what naive delivery would have sent, for the bytes-saved metric), and stringifying
 * each one was a tenth of its CPU. Anything but plain JSON data (a toJSON method, a class instance) is
 * measured by JSON.stringify itself.
 */
export function jsonByteLength(value: JsonValue): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      // JSON.stringify writes non-finite numbers as null, and finite ones as String() does.
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    default:
      if (value === null) return 4;
      return Array.isArray(value) ? arrayBytes(value) : objectBytes(value);
  }
}

function arrayBytes(items: readonly JsonValue[]): number {
  let bytes = 2 + Math.max(0, items.length - 1);
  for (const item of items) bytes += isSkipped(item) ? 4 : jsonByteLength(item);
  return bytes;
}

function objectBytes(object: { readonly [key: string]: JsonValue }): number {
  const prototype = Object.getPrototypeOf(object) as unknown;
  if ((prototype !== Object.prototype && prototype !== null) || typeof (object as { toJSON?: unknown }).toJSON === 'function') return Buffer.byteLength(JSON.stringify(object));
  let bytes = 2;
  let members = 0;
  for (const key of Object.keys(object)) {
    const member = object[key] as JsonValue;
    if (isSkipped(member)) continue;
    bytes += stringBytes(key) + 1 + jsonByteLength(member);
    members += 1;
  }
  return bytes + Math.max(0, members - 1);
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** The UTF-8 length of a JSON string literal: quotes, escapes, and lone surrogates written as \uXXXX. */
function stringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) bytes += c === 0x22 || c === 0x5c ? 2 : 1;
      else bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    } else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}
