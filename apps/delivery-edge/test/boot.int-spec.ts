import { randomUUID } from 'node:crypto';
import { expectServiceLifecycle, expectConfigRefused, freePort } from '@deltastream/testing';

describe('delivery-edge service shell', () => {
  it('boots, reports healthy and ready (kafka, redis, frames reader, gRPC), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('delivery-edge', ['kafka', 'redis', 'frames_reader', 'grpc'], {
      TOPIC_NAMESPACE: `it-edge-boot-${randomUUID().slice(0, 8)}`,
      GRPC_PORT: String(await freePort()),
    });
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('delivery-edge', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud', GRPC_PORT: '-1', EDGE_QUEUE_BYTES: '10' }, ['HTTP_PORT', 'LOG_LEVEL', 'GRPC_PORT', 'EDGE_QUEUE_BYTES']);
  });
});
