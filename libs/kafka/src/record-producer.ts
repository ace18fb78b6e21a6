import type { DescMessage } from '@bufbuild/protobuf';
import type { ProtoRecord } from './proto-producer';

/**
 * The producing port of a service: Protobuf records to a topic, idempotent and acks=all, every record with
 * the trace headers, a correlation id and its content type (see `recordHeaders`), in requests of at most
 * MAX_REQUEST_BYTES, in order. `send` resolves once the broker acknowledged every record and rejects
 * otherwise (callers move cursors/offsets only after it resolved). Adapters: ProtoProducer (kafkajs, the
 * default) and PlatformaticProtoProducer (@platformatic/kafka).
 */
export interface RecordProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** The resolved value is the client's own acknowledgement (offsets); callers only await it. */
  send<Desc extends DescMessage>(topic: string, schema: Desc, records: readonly ProtoRecord<Desc>[]): Promise<unknown>;
}
