import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { OffFastPath, type WireReader } from './wire-reader';
import { Wire, type WireWriter } from './wire-writer';

// google.protobuf.Struct / Value / ListValue on the wire, written and read without reflection.
//   Struct    { map<string, Value> fields = 1; }   (a map entry: key = 1, value = 2)
//   Value     { oneof kind { NullValue null_value = 1; double number_value = 2; string string_value = 3;
//                            bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6; } }
//   ListValue { repeated Value values = 1; }

/** Nesting past this leaves the fast path (protobuf-es' own limit is 100 messages deep). */
const MAX_DEPTH = 48;

const TAG_ENTRY = (1 << 3) | Wire.LengthDelimited;
const TAG_KEY = (1 << 3) | Wire.LengthDelimited;
const TAG_VALUE = (2 << 3) | Wire.LengthDelimited;
const TAG_NULL = (1 << 3) | Wire.Varint;
const TAG_NUMBER = (2 << 3) | Wire.Bit64;
const TAG_STRING = (3 << 3) | Wire.LengthDelimited;
const TAG_BOOL = (4 << 3) | Wire.Varint;
const TAG_STRUCT = (5 << 3) | Wire.LengthDelimited;
const TAG_LIST = (6 << 3) | Wire.LengthDelimited;
const TAG_LIST_ITEM = (1 << 3) | Wire.LengthDelimited;

/** Writes the fields of a Struct holding `object` (the caller wrote the tag and reserved the length). */
export function writeStruct(writer: WireWriter, object: JsonObject, depth = 0): void {
  if (depth > MAX_DEPTH) throw new OffFastPath('nested too deep');
  for (const key of Object.keys(object)) {
    writer.uint32(TAG_ENTRY);
    const entry = writer.beginLength();
    writer.uint32(TAG_KEY);
    writer.string(key);
    writer.uint32(TAG_VALUE);
    const value = writer.beginLength();
    writeValue(writer, object[key], depth + 1);
    writer.endLength(value);
    writer.endLength(entry);
  }
}

function writeValue(writer: WireWriter, value: JsonValue | undefined, depth: number): void {
  switch (typeof value) {
    case 'string':
      writer.uint32(TAG_STRING);
      writer.string(value);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new OffFastPath('non-finite number');
      writer.uint32(TAG_NUMBER);
      writer.double(value);
      return;
    case 'boolean':
      writer.uint32(TAG_BOOL);
      writer.uint32(value ? 1 : 0);
      return;
    case 'object': {
      if (value === null) {
        writer.uint32(TAG_NULL);
        writer.uint32(0);
        return;
      }
      if (Array.isArray(value)) {
        writer.uint32(TAG_LIST);
        const list = writer.beginLength();
        for (const item of value) {
          writer.uint32(TAG_LIST_ITEM);
          const at = writer.beginLength();
          writeValue(writer, item, depth + 1);
          writer.endLength(at);
        }
        writer.endLength(list);
        return;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new OffFastPath('not a plain object');
      writer.uint32(TAG_STRUCT);
      const at = writer.beginLength();
      writeStruct(writer, value, depth + 1);
      writer.endLength(at);
      return;
    }
    default:
      throw new OffFastPath(`not JSON: ${typeof value}`);
  }
}

/**
 * Reads a Struct body ending at `end` as a JSON object — or, with `build` false, only checks it (every
 * string well-formed UTF-8, every value set once), which is what forwarding it unread needs.
 */
export function readStruct(reader: WireReader, end: number, build: true, depth?: number): JsonObject;
export function readStruct(reader: WireReader, end: number, build: false, depth?: number): undefined;
export function readStruct(reader: WireReader, end: number, build: boolean, depth = 0): JsonObject | undefined {
  if (depth > MAX_DEPTH) throw new OffFastPath('nested too deep');
  const object: JsonObject | undefined = build ? {} : undefined;
  const outerEnd = reader.end;
  reader.end = end;
  while (reader.pos < end) {
    const tag = reader.tag();
    if (tag !== TAG_ENTRY) throw new OffFastPath(`Struct field ${tag >>> 3}`);
    const entryEnd = reader.delimitedEnd();
    reader.end = entryEnd;
    let key: string | undefined;
    let value: JsonValue | undefined;
    let hasValue = false;
    while (reader.pos < entryEnd) {
      const entryTag = reader.tag();
      if (entryTag === TAG_KEY) {
        if (build) key = reader.string();
        else {
          reader.skipString();
          key = '';
        }
      } else if (entryTag === TAG_VALUE) {
        if (hasValue) throw new OffFastPath('map value twice in one entry');
        hasValue = true;
        value = readValue(reader, reader.delimitedEnd(), build, depth + 1);
      } else throw new OffFastPath(`map entry field ${entryTag >>> 3}`);
    }
    if (key === undefined || !hasValue) throw new OffFastPath('map entry without key or value');
    // An own property even for "__proto__" (protobuf-es does the same), never the prototype.
    if (object !== undefined) {
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value as JsonValue;
    }
    reader.end = end;
  }
  reader.end = outerEnd;
  return object;
}

function readValue(reader: WireReader, end: number, build: boolean, depth: number): JsonValue | undefined {
  if (depth > MAX_DEPTH) throw new OffFastPath('nested too deep');
  const outerEnd = reader.end;
  reader.end = end;
  let value: JsonValue | undefined;
  let set = false;
  while (reader.pos < end) {
    if (set) throw new OffFastPath('Value with more than one kind');
    set = true;
    const tag = reader.tag();
    switch (tag) {
      case TAG_NULL:
        if (reader.uint32() !== 0) throw new OffFastPath('null_value other than NULL_VALUE');
        value = null;
        break;
      case TAG_NUMBER:
        value = reader.double();
        if (!Number.isFinite(value)) throw new OffFastPath('non-finite number');
        break;
      case TAG_STRING:
        if (build) value = reader.string();
        else reader.skipString();
        break;
      case TAG_BOOL:
        value = reader.bool();
        break;
      case TAG_STRUCT:
        value = build ? readStruct(reader, reader.delimitedEnd(), true, depth + 1) : readStruct(reader, reader.delimitedEnd(), false, depth + 1);
        break;
      case TAG_LIST: {
        const listEnd = reader.delimitedEnd();
        const items: JsonValue[] | undefined = build ? [] : undefined;
        reader.end = listEnd;
        while (reader.pos < listEnd) {
          if (reader.tag() !== TAG_LIST_ITEM) throw new OffFastPath('ListValue field');
          const item = readValue(reader, reader.delimitedEnd(), build, depth + 1);
          items?.push(item as JsonValue);
          reader.end = listEnd;
        }
        value = items;
        break;
      }
      default:
        throw new OffFastPath(`Value field ${tag >>> 3}`);
    }
  }
  if (!set) throw new OffFastPath('Value without a kind');
  reader.end = outerEnd;
  return value;
}
