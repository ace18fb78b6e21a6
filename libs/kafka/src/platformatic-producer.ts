import type { DescMessage } from '@bufbuild/protobuf';
import type { MessageToProduce, ProduceResult, ProducerOptions, SASLOptions, TopicWithPartitionAndOffset } from '@platformatic/kafka';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Logger } from '@deltastream/observability';
import { processKafkaSecurity, type KafkaSecurity } from './client';
import { chunkByBytes, recordHeaders, recordValue, type ProtoRecord } from './proto-producer';
import type { RecordProducer } from './record-producer';

type PlatformaticMessage = MessageToProduce<string, Buffer, string, string>;

/** The options of a @platformatic/kafka Producer this adapter decides (serialisers and partitioner are added where the library is loaded). */
export type PlatformaticClientOptions = Pick<
  ProducerOptions<string, Buffer, string, string>,
  'clientId' | 'bootstrapBrokers' | 'idempotent' | 'acks' | 'compression' | 'timeout' | 'retries' | 'retryDelay' | 'connectTimeout' | 'requestTimeout' | 'tls' | 'tlsServerName' | 'sasl'
>;

/** The part of a @platformatic/kafka Producer the adapter uses (unit tests pass a fake). */
export interface PlatformaticProducerClient {
  initIdempotentProducer(options: Record<string, never>): Promise<unknown>;
  send(options: { messages: PlatformaticMessage[]; acks: number }): Promise<ProduceResult>;
  close(): Promise<void>;
}

export interface PlatformaticProtoProducerOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  /** TLS/SASL as kafkajs takes them; the process's (set at boot from KAFKA_SSL_* / KAFKA_SASL_*) by default. */
  readonly security?: KafkaSecurity;
  readonly logger?: Logger;
  /** How long connect() may take to obtain the idempotent producer id before it gives up (boot fails). */
  readonly connectTimeoutMs?: number;
  readonly createClient?: (options: PlatformaticClientOptions, logger: Logger | undefined) => Promise<PlatformaticProducerClient>;
}

/** ProduceAcks.ALL (written out: the library is an ES module loaded on first connect, not at import). */
const ACKS_ALL = -1;

/**
 * ProtoProducer's twin on @platformatic/kafka: the same records, headers (recordHeaders), keys and
 * partitions (Java-compatible murmur2, as kafkajs' default partitioner), idempotent with acks=all and one
 * request in flight, requests of at most MAX_REQUEST_BYTES sent one after the other (order kept), retrying
 * without limit like ProtoProducer; send() resolves once every record is acknowledged and rejects otherwise.
 *
 * The library is loaded on the first connect(): it is an ES module (Node 24 `require`s it; jest without
 * --experimental-vm-modules cannot), and a process on the default kafkajs client never loads it at all.
 */
export class PlatformaticProtoProducer implements RecordProducer {
  private client: PlatformaticProducerClient | undefined;
  private readonly clientOptions: PlatformaticClientOptions;

  constructor(private readonly options: PlatformaticProtoProducerOptions) {
    this.clientOptions = {
      clientId: options.clientId,
      bootstrapBrokers: [...options.brokers],
      idempotent: true,
      acks: ACKS_ALL,
      compression: 'none',
      // As ProtoProducer: callers advance cursors only after send() resolves, so waiting out an outage is
      // safe and giving up is not; the produce timeout is kafkajs' 30 s (the library's default is 5 s).
      timeout: 30_000,
      retries: Number.MAX_SAFE_INTEGER,
      retryDelay: backoff,
      connectTimeout: 5_000,
      requestTimeout: 30_000,
      ...platformaticSecurity(options.security ?? processKafkaSecurity()),
    };
  }

  async connect(): Promise<void> {
    if (this.client) return;
    const client = await (this.options.createClient ?? loadPlatformaticProducer)(this.clientOptions, this.options.logger);
    const timeoutMs = this.options.connectTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The producer id now, as kafkajs' connect() does: a broker that refuses the client (credentials,
      // idempotence) fails the boot, not the first send.
      await Promise.race([
        client.initIdempotentProducer({}),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`@platformatic/kafka: no idempotent producer id from ${this.options.brokers.join(',')} within ${timeoutMs} ms`)), timeoutMs))),
      ]);
    } catch (error) {
      // Closing also ends the library's retries of the init.
      await client.close().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** Resolves with the base offset per partition and request once the broker acknowledged every record (acks=all). */
  async send<Desc extends DescMessage>(topic: string, schema: Desc, records: readonly ProtoRecord<Desc>[]): Promise<TopicWithPartitionAndOffset[]> {
    const client = this.client;
    if (!client) throw new Error('PlatformaticProtoProducer.send before connect()');
    const messages = records.map((record): PlatformaticMessage & { key: string; value: Buffer } => ({
      topic,
      key: record.key,
      value: recordValue(schema, record),
      headers: recordHeaders(schema, record),
    }));
    const offsets: TopicWithPartitionAndOffset[] = [];
    // The same request bound as ProtoProducer (the same size estimate), one request after the other.
    for (const chunk of chunkByBytes(messages, (m) => m.value.byteLength + m.key.length + 64)) {
      const result = await client.send({ messages: chunk, acks: ACKS_ALL });
      if (result.offsets) offsets.push(...result.offsets);
    }
    return offsets;
  }
}

/**
 * kafkajs' TLS/SASL settings (KafkaSecurity) as @platformatic/kafka connection options; throws, naming the
 * setting, for what the library cannot do (so the service refuses to boot rather than connect without it).
 */
export function platformaticSecurity(security: KafkaSecurity): Pick<PlatformaticClientOptions, 'tls' | 'tlsServerName' | 'sasl'> {
  const options: { tls?: TlsOptions; tlsServerName?: string | boolean; sasl?: SASLOptions } = {};
  const { ssl, sasl } = security;
  if (ssl) {
    options.tls = ssl === true ? {} : { ...ssl };
    // kafkajs sends the broker's host name as SNI unless told otherwise; so does this.
    options.tlsServerName = ssl !== true && typeof ssl.servername === 'string' ? ssl.servername : true;
  }
  if (sasl) {
    const mechanism = saslMechanisms[sasl.mechanism];
    if (!mechanism || !('username' in sasl) || !('password' in sasl)) {
      throw new Error(`KAFKA_SASL_MECHANISM=${sasl.mechanism} is not supported with the @platformatic/kafka client (plain, scram-sha-256 and scram-sha-512 are); use INGESTOR_KAFKA_CLIENT=kafkajs`);
    }
    options.sasl = { mechanism, username: sasl.username, password: sasl.password };
  }
  return options;
}

const saslMechanisms: Record<string, SASLOptions['mechanism'] | undefined> = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' };

/** Exponential from 200 ms to 5 s with ±20% jitter, as ProtoProducer's kafkajs retry. */
function backoff(_client: unknown, _operation: string, attempt: number): number {
  return Math.min(5_000, 200 * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4);
}

/** Creates the real producer: string keys and headers, Buffer values, kafkajs-compatible partitions. */
async function loadPlatformaticProducer(options: PlatformaticClientOptions, logger: Logger | undefined): Promise<PlatformaticProducerClient> {
  const { Producer, compatibilityPartitioner, stringSerializer } = await import('@platformatic/kafka');
  const producer = new Producer<string, Buffer, string, string>({
    ...options,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    // murmur2 & 0x7fffffff, the library takes it modulo the partition count: kafkajs'/Java's default
    // partitioner, so a key lands on the same partition whichever client produced it.
    partitioner: compatibilityPartitioner,
  });
  // The library has no logger; a failed connection is worth a line (the operation itself keeps retrying).
  producer.on('client:broker:failed', ({ broker }) => logger?.warn({ broker: `${broker.host}:${broker.port}` }, '@platformatic/kafka: connecting to a broker failed'));
  return producer;
}
