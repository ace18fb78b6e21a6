import { randomUUID } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { decodeRecord } from '@deltastream/kafka';

export interface ReadRecord<Desc extends DescMessage> {
  readonly key: string | undefined;
  readonly partition: number;
  readonly offset: string;
  readonly headers: IHeaders | undefined;
  readonly message: MessageShape<Desc>;
}

/** Reads a topic from the beginning into memory (decoded), for assertions in integration tests. */
export class TopicReader<Desc extends DescMessage> {
  readonly records: ReadRecord<Desc>[] = [];
  readonly undecodable: string[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly schema: Desc,
  ) {}

  async start(): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: `it-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        const decoded = decodeRecord(this.schema, message.value);
        if (!decoded.ok) {
          this.undecodable.push(decoded.reason);
          return;
        }
        this.records.push({ key: message.key?.toString(), partition, offset: message.offset, headers: message.headers, message: decoded.message });
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Polls `condition` until it holds; throws `describe()` on timeout. Synchronises on state, not on time. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
