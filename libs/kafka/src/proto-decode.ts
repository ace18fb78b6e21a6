import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

export type DecodeResult<Desc extends DescMessage> = { ok: true; message: MessageShape<Desc> } | { ok: false; reason: string };

/**
 * Decodes a Kafka value as `schema`, never throwing: a record that is not valid Protobuf (or is empty)
 * comes back as a reason the caller dead-letters, so one bad record never stops a partition.
 */
export function decodeRecord<Desc extends DescMessage>(schema: Desc, value: Buffer | Uint8Array | null | undefined): DecodeResult<Desc> {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, reason: `empty value where a ${schema.typeName} was expected` };
  }
  try {
    return { ok: true, message: fromBinary(schema, value) };
  } catch (error) {
    return { ok: false, reason: `not a valid ${schema.typeName}: ${(error as Error).message}` };
  }
}
