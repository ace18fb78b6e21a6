import * as grpc from '@grpc/grpc-js';
import { eventually } from '@deltastream/testing';
import { EdgeScenario, GrpcClient } from './edge-fixture';

let scenario: EdgeScenario;
let client: grpc.Client;

beforeAll(async () => {
  scenario = await new EdgeScenario().setUp();
  await scenario.produce('sensors', 1, 3);
  await scenario.startEdge({ LOG_LEVEL: 'warn' });
  client = new grpc.Client(`127.0.0.1:${scenario.grpcPort}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await scenario.tearDown();
});

const raw = (bytes: Buffer) => bytes;

describe('delivery edge: gRPC service surface', () => {
  it('answers the standard health check with SERVING', async () => {
    const response = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', raw, raw, Buffer.alloc(0), (error, value) => (error || !value ? reject(error) : resolve(value))),
    );
    expect([...response]).toEqual([0x08, 0x01]); // HealthCheckResponse { status: SERVING }
  });

  it('lists DeliveryService and serves its file descriptor through server reflection (v1)', async () => {
    const ask = (request: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        const call = client.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', raw, raw);
        call.on('data', (data: Buffer) => {
          resolve(data);
          call.end();
        });
        call.on('error', reject);
        call.write(request);
      });
    const symbol = Buffer.from('deltastream.v1.DeliveryService');
    const list = await ask(Buffer.from([0x3a, 0x00])); // list_services: ""
    expect(list.toString('latin1')).toContain('deltastream.v1.DeliveryService');
    const files = await ask(Buffer.concat([Buffer.from([0x22, symbol.length]), symbol])); // file_containing_symbol
    const text = files.toString('latin1');
    expect(text).toContain('deltastream/v1/delivery.proto');
    expect(text).toContain('deltastream/v1/frame.proto');
    expect(text).toContain('google/protobuf/timestamp.proto');
  });

  it('maps refusals to gRPC statuses and honours the call deadline', async () => {
    const unknown = new GrpcClient(scenario.grpcPort);
    unknown.subscribe({ streams: ['nope'] });
    await eventually(() => unknown.ended, 10_000, () => 'NOT_FOUND');
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);
    const bad = new GrpcClient(scenario.grpcPort);
    bad.subscribe({ streams: ['sensors'], resumeAfterSeq: { trades: 1n } });
    await eventually(() => bad.ended, 10_000, () => 'INVALID_ARGUMENT');
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const timed = new GrpcClient(scenario.grpcPort);
    timed.subscribe({ streams: ['sensors'], from: { position: { case: 'earliest', value: true } } }, new Date(Date.now() + 1500));
    await eventually(() => timed.ended, 10_000, () => 'DEADLINE_EXCEEDED');
    expect(timed.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(timed.received.of('sensors')).toEqual([1, 2, 3]);
    for (const c of [unknown, bad, timed]) c.close();
  });
});
