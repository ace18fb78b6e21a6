import { fromBinary } from '@bufbuild/protobuf';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { ChangeEventSchema, DeadLetterSchema } from '@deltastream/contracts';
import fc from 'fast-check';
import { useKafkaSecurity } from './client';
import { PlatformaticProtoProducer, platformaticSecurity, type PlatformaticClientOptions, type PlatformaticProducerClient } from './platformatic-producer';
import { createMessage, MAX_REQUEST_BYTES } from './proto-producer';

type SendOptions = Parameters<PlatformaticProducerClient['send']>[0];

/** A stand-in for the library's Producer: records every request; each send resolves when the test says so. */
class FakeClient implements PlatformaticProducerClient {
  readonly requests: SendOptions[] = [];
  readonly pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  closed = 0;
  autoAck = true;
  initError: Error | undefined;
  initHangs = false;

  initIdempotentProducer(): Promise<unknown> {
    if (this.initHangs) return new Promise(() => undefined);
    return this.initError ? Promise.reject(this.initError) : Promise.resolve({ producerId: 1n, producerEpoch: 0 });
  }

  send(options: SendOptions) {
    this.requests.push(options);
    const offsets = [{ topic: options.messages[0]?.topic ?? '', partition: 0, offset: BigInt(this.requests.length) }];
    if (this.autoAck) return Promise.resolve({ offsets });
    return new Promise<{ offsets: typeof offsets }>((resolve, reject) => this.pending.push({ resolve: () => resolve({ offsets }), reject }));
  }

  close(): Promise<void> {
    this.closed += 1;
    return Promise.resolve();
  }
}

function producerWith(client: FakeClient, extra: Partial<ConstructorParameters<typeof PlatformaticProtoProducer>[0]> = {}) {
  const seen: PlatformaticClientOptions[] = [];
  const producer = new PlatformaticProtoProducer({
    clientId: 'spec',
    brokers: ['127.0.0.1:9092'],
    security: {},
    createClient: async (options) => (seen.push(options), client),
    ...extra,
  });
  return { producer, seen };
}

const traceContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
const change = (i: number, padding = 0) => ({
  key: `sensor-${i % 7}`,
  traceContext,
  message: createMessage(ChangeEventSchema, { source: 's', stream: 'sensors', entityId: `sensor-${i}`, version: String(i), cursor: 'x'.repeat(padding) }),
});

describe('PlatformaticProtoProducer', () => {
  it('configures an idempotent, acks=all producer that retries without limit, on the given brokers', async () => {
    const { producer, seen } = producerWith(new FakeClient());
    await producer.connect();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ clientId: 'spec', bootstrapBrokers: ['127.0.0.1:9092'], idempotent: true, acks: -1, compression: 'none', retries: Number.MAX_SAFE_INTEGER, timeout: 30_000 });
    expect(seen[0]?.tls).toBeUndefined();
    expect(seen[0]?.sasl).toBeUndefined();
    const delay = seen[0]?.retryDelay as (client: unknown, operation: string, attempt: number) => number;
    expect(delay(undefined, 'produce', 1)).toBeGreaterThanOrEqual(160);
    expect(delay(undefined, 'produce', 1)).toBeLessThanOrEqual(240);
    expect(delay(undefined, 'produce', 40)).toBeLessThanOrEqual(6_000);
  });

  it('sends every record with its key, Protobuf value and the trace, correlation and content-type headers', async () => {
    const client = new FakeClient();
    const { producer } = producerWith(client);
    await producer.connect();
    const offsets = await producer.send('t.events', ChangeEventSchema, [change(1), { ...change(2), correlationId: 'c-2' }]);
    expect(offsets).toEqual([{ topic: 't.events', partition: 0, offset: 1n }]);
    expect(client.requests).toHaveLength(1);
    const [first, second] = client.requests[0]?.messages ?? [];
    expect(client.requests[0]?.acks).toBe(-1);
    expect(first?.topic).toBe('t.events');
    expect(first?.key).toBe('sensor-1');
    expect(fromBinary(ChangeEventSchema, first?.value as Buffer).entityId).toBe('sensor-1');
    const headers = first?.headers as Record<string, string>;
    expect(headers['traceparent']).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    expect(headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['content-type']).toBe('application/x-protobuf; messageType=deltastream.v1.ChangeEvent');
    expect((second?.headers as Record<string, string>)['x-correlation-id']).toBe('c-2');
  });

  it('keeps every request within MAX_REQUEST_BYTES and the records in order, for any record sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 40 }), async (sizes) => {
        const client = new FakeClient();
        const { producer } = producerWith(client);
        await producer.connect();
        await producer.send('t', ChangeEventSchema, sizes.map((size, i) => change(i, size)));
        const sent = client.requests.flatMap((r) => r.messages.map((m) => fromBinary(ChangeEventSchema, m.value as Buffer).version));
        expect(sent).toEqual(sizes.map((_, i) => String(i)));
        for (const request of client.requests) {
          const bytes = request.messages.reduce((sum, m) => sum + (m.value as Buffer).byteLength + (m.key as string).length + 64, 0);
          if (request.messages.length > 1) expect(bytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('sends the next request only once the previous one is acknowledged, and resolves after the last', async () => {
    const client = new FakeClient();
    client.autoAck = false;
    const { producer } = producerWith(client);
    await producer.connect();
    let resolved = false;
    const sending = producer.send('t', ChangeEventSchema, [change(1, 300_000), change(2, 300_000), change(3, 300_000)]).then(() => (resolved = true));
    for (let request = 1; request <= 3; request += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(client.requests).toHaveLength(request);
      expect(resolved).toBe(false);
      client.pending.shift()?.resolve();
    }
    await sending;
    expect(resolved).toBe(true);
  });

  it('rejects with the client’s error and sends nothing after a failed request', async () => {
    const client = new FakeClient();
    client.autoAck = false;
    const { producer } = producerWith(client);
    await producer.connect();
    const sending = producer.send('t', DeadLetterSchema, [0, 1, 2].map((i) => ({ key: `k${i}`, message: createMessage(DeadLetterSchema, { reason: 'x'.repeat(300_000) }) })));
    await new Promise((resolve) => setImmediate(resolve));
    client.pending.shift()?.reject(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(sending).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(client.requests).toHaveLength(1);
  });

  it('refuses to send before connect, and closes the client on disconnect', async () => {
    const client = new FakeClient();
    const { producer } = producerWith(client);
    await expect(producer.send('t', ChangeEventSchema, [change(1)])).rejects.toThrow(/before connect/);
    await producer.connect();
    await producer.disconnect();
    expect(client.closed).toBe(1);
    await expect(producer.send('t', ChangeEventSchema, [change(1)])).rejects.toThrow(/before connect/);
  });

  it('fails connect (and closes the client) when no producer id can be obtained', async () => {
    const refused = new FakeClient();
    refused.initError = new Error('CLUSTER_AUTHORIZATION_FAILED');
    await expect(producerWith(refused).producer.connect()).rejects.toThrow('CLUSTER_AUTHORIZATION_FAILED');
    expect(refused.closed).toBe(1);

    const silent = new FakeClient();
    silent.initHangs = true;
    await expect(producerWith(silent, { connectTimeoutMs: 20 }).producer.connect()).rejects.toThrow(/no idempotent producer id .* within 20 ms/);
    expect(silent.closed).toBe(1);
  });

  it('takes the process’s TLS and SASL settings by default', async () => {
    const seen: PlatformaticClientOptions[] = [];
    useKafkaSecurity({ ssl: true, sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
    try {
      const producer = new PlatformaticProtoProducer({ clientId: 'spec', brokers: ['b:9093'], createClient: async (options) => (seen.push(options), new FakeClient()) });
      await producer.connect();
    } finally {
      useKafkaSecurity({});
    }
    expect(seen[0]).toMatchObject({ tls: {}, tlsServerName: true, sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } });
  });
});

describe('platformaticSecurity', () => {
  it('maps kafkajs TLS (SNI on, CA and client certificate kept) and SASL plain/SCRAM', () => {
    expect(platformaticSecurity({})).toEqual({});
    expect(platformaticSecurity({ ssl: true })).toEqual({ tls: {}, tlsServerName: true });
    expect(platformaticSecurity({ ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' } })).toEqual({
      tls: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' },
      tlsServerName: true,
    });
    expect(platformaticSecurity({ ssl: { servername: 'kafka.internal' } }).tlsServerName).toBe('kafka.internal');
    expect(platformaticSecurity({ sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } }).sasl).toEqual({ mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' });
    expect(platformaticSecurity({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }).sasl?.mechanism).toBe('SCRAM-SHA-512');
  });

  it('refuses a SASL mechanism it cannot map, naming it', () => {
    expect(() => platformaticSecurity({ sasl: { mechanism: 'aws', authorizationIdentity: 'a', accessKeyId: 'k', secretAccessKey: 's' } })).toThrow(/KAFKA_SASL_MECHANISM=aws is not supported .*INGESTOR_KAFKA_CLIENT=kafkajs/);
  });
});
