export type { EncodeOptions, JsonRecord, JsonValue } from './types';
export { encodeRecords } from './encode';
export { decodeRecords } from './decode';
export { DeltaDecodeError } from './errors';
export { recordsAsJson, recordsFromJson } from './json-form';
