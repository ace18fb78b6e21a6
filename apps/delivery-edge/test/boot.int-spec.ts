import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectServiceLifecycle, expectConfigRefused, freePort, startService } from '@deltastream/testing';

describe('delivery-edge service shell', () => {
  it('boots, reports healthy and ready (kafka, frames reader, gRPC — not Redis: the edge serves without it), and exits 0 on SIGTERM', async () => {
    await expectServiceLifecycle('delivery-edge', ['kafka', 'frames_reader', 'grpc'], {
      TOPIC_NAMESPACE: `it-edge-boot-${randomUUID().slice(0, 8)}`,
      GRPC_PORT: String(await freePort()),
    });
  });

  it('refuses an invalid configuration with a clear message and exit code 78', async () => {
    await expectConfigRefused('delivery-edge', { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud', GRPC_PORT: '-1', EDGE_QUEUE_BYTES: '10' }, ['HTTP_PORT', 'LOG_LEVEL', 'GRPC_PORT', 'EDGE_QUEUE_BYTES']);
  });

  it('refuses broken key material at boot (exit 78), naming the variable and the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-bad-keys-'));
    writeFileSync(path.join(dir, 'short.hs256'), 'too-short');
    writeFileSync(path.join(dir, 'private.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const apiKeys = path.join(dir, 'api-keys');
    writeFileSync(apiKeys, 'billing plain-text-key sensors\n');
    const service = await startService('delivery-edge', { AUTH_JWT_KEYS_DIR: dir, AUTH_API_KEYS_FILE: apiKeys, EDGE_ALLOWED_ORIGINS: 'https://ok.example, not-an-origin', EDGE_RATE_CONNECT_IP: '10 per minute' });
    expect(await service.exited).toBe(78);
    const output = service.output();
    expect(output).toContain('EDGE_ALLOWED_ORIGINS: "not-an-origin" is not an origin');
    expect(output).toContain('EDGE_RATE_CONNECT_IP: expected <points>/<duration>');
    const keys = await startService('delivery-edge', { AUTH_JWT_KEYS_DIR: dir, AUTH_API_KEYS_FILE: apiKeys });
    expect(await keys.exited).toBe(78);
    expect(keys.output()).toContain('AUTH_JWT_KEYS_DIR: short.hs256: an HS256 secret needs at least 32 bytes');
    expect(keys.output()).toContain('AUTH_JWT_KEYS_DIR: private.pem: is a private key');
    expect(keys.output()).toContain('AUTH_API_KEYS_FILE: api-keys:1: the hash must be sha256:<64 hex digits>');
    expect(keys.output()).not.toContain('plain-text-key');
  });

  it('refuses an algorithm no configured key verifies, and alg none', async () => {
    await expectConfigRefused('delivery-edge', { AUTH_JWT_HS256_SECRET: 'x'.repeat(32), AUTH_JWT_ALGORITHMS: 'RS256' }, ['AUTH_JWT_ALGORITHMS']);
    await expectConfigRefused('delivery-edge', { AUTH_JWT_ALGORITHMS: 'none' }, ['AUTH_JWT_ALGORITHMS']);
  });
});
