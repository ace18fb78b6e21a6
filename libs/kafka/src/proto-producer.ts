import { randomUUID } from 'node:crypto';
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Partitioners, CompressionTypes, type ICustomPartitioner, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';
import { encodeMessage, KafkaHeader, protobufContentType } from '@deltastream/contracts';
import { headerString, injectTraceHeaders, type RecordHeaders } from '@deltastream/observability';
import type { Context } from '@opentelemetry/api';
import type { RecordProducer } from './record-producer';

interface RecordEnvelope {
  readonly key: string;
  /** Trace context to propagate; defaults to the active context (a fresh trace when there is none). */
  readonly traceContext?: Context;
  /** Keeps the correlation id of the record this one was derived from; a new one is minted otherwise. */
  readonly correlationId?: string;
  readonly headers?: RecordHeaders;
}

/**
 * One record to produce: a message of the schema, or its bytes already encoded (a caller that packs
 * encoded messages, e.g. encodeChangeEventBatch, and must know the record's size before sending it).
 */
export type ProtoRecord<Desc extends DescMessage> = RecordEnvelope & ({ readonly message: MessageShape<Desc>; readonly encoded?: undefined } | { readonly encoded: Uint8Array; readonly message?: undefined });

/** The value bytes of a record. */
export function recordValue<Desc extends DescMessage>(schema: Desc, record: ProtoRecord<Desc>): Buffer {
  return asBuffer(record.encoded ?? encodeMessage(schema, record.message));
}

/**
 * An idempotent, acks=all producer of Protobuf records. Every record gets the W3C trace headers, a
 * correlation id and a content-type naming its Protobuf type, so `kcat` + the .proto files decode it.
 */
export class ProtoProducer implements RecordProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, options: { transactionalId?: string } = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: memoisedDefaultPartitioner,
      transactionalId: options.transactionalId,
      // The idempotent producer keeps retrying rather than give up on an acknowledged-or-not record:
      // callers advance cursors/offsets only after send() resolves, so waiting is safe and loss is not.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /**
   * Resolves once the broker acknowledged every record (acks=all). Large lists go out in requests of at most
   * MAX_REQUEST_BYTES, one after the other (order kept): a single partition's batch over the broker's
   * message size limit (1 MiB by default) would be refused for ever.
   */
  async send<Desc extends DescMessage>(topic: string, schema: Desc, records: readonly ProtoRecord<Desc>[]): Promise<RecordMetadata[]> {
    const messages = records.map((record) => ({ key: record.key, value: recordValue(schema, record), headers: recordHeaders(schema, record) }));
    const metadata: RecordMetadata[] = [];
    for (const chunk of chunkByBytes(messages, (m) => m.value.byteLength + (m.key?.length ?? 0) + 64)) {
      metadata.push(...(await this.producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: chunk })));
    }
    return metadata;
  }

  /** The underlying kafkajs producer, for transactions. */
  get raw(): Producer {
    return this.producer;
  }
}

export function recordHeaders<Desc extends DescMessage>(schema: Desc, record: Omit<RecordEnvelope, 'key'>): Record<string, string> {
  const headers: RecordHeaders = { ...record.headers };
  injectTraceHeaders(headers, record.traceContext);
  headers[KafkaHeader.correlationId] = record.correlationId ?? headerString(record.headers, KafkaHeader.correlationId) ?? randomUUID();
  headers[KafkaHeader.contentType] = protobufContentType(schema.typeName);
  const flat: Record<string, string> = {};
  for (const key of Object.keys(headers)) {
    const value = headerString(headers, key);
    if (value !== undefined) flat[key] = value;
  }
  return flat;
}

/** The same bytes as a Buffer, without copying them (Buffer.from(uint8array) copies). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const PARTITION_CACHE_MAX = 100_000;

/**
 * kafkajs' default partitioner (Java-compatible murmur2 of the key, so the same key lands where a Java
 * producer would put it), remembered per topic, partition count and key: kafkajs hashes with a 64-bit Long
 * emulation and filters the partition list for every message, and a page of 10 000 records mostly repeats
 * a handful of keys. Unkeyed and explicitly partitioned messages go straight to the default partitioner.
 */
export const memoisedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const cache = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (message.key === null || message.key === undefined || (message.partition !== null && message.partition !== undefined)) return partitioner(args);
    const id = `${topic}\u0000${partitionMetadata.length}\u0000${message.key.toString()}`;
    let partition = cache.get(id);
    if (partition === undefined) {
      partition = partitioner(args);
      if (cache.size >= PARTITION_CACHE_MAX) cache.clear();
      cache.set(id, partition);
    }
    return partition;
  };
};

/** Builds a message of `schema` from plain init data (re-exported so apps need not import protobuf-es). */
export const createMessage = create;

/** Keeps every produce request (and so every partition's record batch) well below the broker's 1 MiB default. */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Splits `items` in order into runs whose summed size stays within `maxBytes` (an oversized item goes alone). */
export function chunkByBytes<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes = MAX_REQUEST_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
