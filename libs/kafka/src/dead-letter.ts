import { timestampNow } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { DeadLetterSchema, type DeadLetter, type TopicSpec } from '@deltastream/contracts';
import type { ProtoProducer } from './proto-producer';

/** Where a bad input came from and why it was refused. */
export interface DeadLetterInput {
  readonly original: Uint8Array;
  /** Kafka topic, or `http:<source id>` for upstream/push input. */
  readonly topic: string;
  readonly partition?: number;
  readonly offset?: string | bigint;
  readonly key?: Uint8Array | string | null;
  readonly reason: string;
  readonly errorKind: string;
  readonly source?: string;
  readonly headers?: Record<string, string>;
}

/** Port: somewhere to put input a service refuses. */
export interface DeadLetterSink {
  deadLetter(inputs: readonly DeadLetterInput[]): Promise<void>;
}

/** The dead-letter record for a refused input: original bytes untouched, reason, where it came from. */
export function deadLetterRecord(input: DeadLetterInput, service: string): { key: string; message: DeadLetter } {
  return {
    key: typeof input.key === 'string' ? input.key : input.key ? Buffer.from(input.key).toString('utf8') : (input.source ?? input.topic),
    message: create(DeadLetterSchema, {
      original: input.original,
      topic: input.topic,
      partition: input.partition ?? -1,
      offset: input.offset === undefined ? -1n : BigInt(input.offset),
      key: typeof input.key === 'string' ? Buffer.from(input.key) : (input.key ?? new Uint8Array()),
      reason: input.reason,
      errorKind: input.errorKind,
      service,
      source: input.source ?? '',
      failedAt: timestampNow(),
      headers: input.headers ?? {},
    }),
  };
}

/** Writes dead letters to the dead-letter topic (acks=all) with the original bytes untouched. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: ProtoProducer,
    private readonly topic: TopicSpec,
    private readonly service: string,
    private readonly onDeadLetter: (errorKind: string) => void = () => undefined,
  ) {}

  async deadLetter(inputs: readonly DeadLetterInput[]): Promise<void> {
    await this.producer.send(this.topic.name, DeadLetterSchema, inputs.map((input) => deadLetterRecord(input, this.service)));
    for (const input of inputs) this.onDeadLetter(input.errorKind);
  }
}
