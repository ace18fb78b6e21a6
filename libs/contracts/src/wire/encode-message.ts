import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { ChangeEventSchema, type ChangeEvent } from '../gen/deltastream/v1/event_pb';
import { encodeChangeEvent } from './change-event-wire';

/** `toBinary(schema, message)`, through a fast encoder where one exists (the same bytes either way). */
export function encodeMessage<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  if (schema.typeName === ChangeEventSchema.typeName) return encodeChangeEvent(message as unknown as ChangeEvent);
  return toBinary(schema, message);
}
