import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startService, type RunningService } from '@deltastream/testing';
import { EdgeScenario, GrpcClient, range, Received, SseClient, WsClient } from './edge-fixture';

// In-process TLS (EDGE_TLS_CERT_FILE / EDGE_TLS_KEY_FILE): WebSocket (wss), SSE and the health endpoints
// over HTTPS, gRPC over TLS — one certificate for both listeners. The recommended production setup
// terminates TLS at the ingress instead (docs/security.md); this is the option for edges exposed directly.

let scenario: EdgeScenario;
let edge: RunningService | undefined;
let ca = '';

/** A self-signed certificate for 127.0.0.1 (openssl is part of every Debian install). */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`the TLS test needs openssl (apt-get install openssl): ${(error as Error).message}`);
  }
  return { cert, key };
}

function httpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

beforeAll(async () => {
  scenario = await new EdgeScenario().setUp();
  await scenario.produce('sensors', 1, 3);
  const files = selfSigned();
  ca = readFileSync(files.cert, 'utf8');
  edge = await startService('delivery-edge', {
    LOG_LEVEL: 'warn',
    TOPIC_NAMESPACE: scenario.namespace,
    TOPIC_PARTITIONS: '3',
    HTTP_PORT: String(scenario.httpPort),
    GRPC_PORT: String(scenario.grpcPort),
    EDGE_TLS_CERT_FILE: files.cert,
    EDGE_TLS_KEY_FILE: files.key,
  });
  await eventually(async () => (await httpsStatus(`https://127.0.0.1:${scenario.httpPort}/readyz`).catch(() => 0)) === 200, 60_000, () => `the TLS edge to be ready:\n${edge?.output()}`);
});

afterAll(async () => {
  if (edge && edge.child.exitCode === null) {
    edge.child.kill('SIGKILL');
    await edge.exited;
  }
  await scenario.tearDown();
});

describe('delivery edge with in-process TLS', () => {
  it('delivers over wss, https SSE and gRPC with TLS, and does not answer plaintext', async () => {
    const socket = new WsClient(`wss://127.0.0.1:${scenario.httpPort}/v1/ws`, new Received(), { ca });
    const events = new SseClient(new Received(), { ca });
    const call = new GrpcClient(scenario.grpcPort, new Received(), { ca });
    try {
      await socket.opened;
      socket.send({ type: 'subscribe', streams: ['sensors'], from: 'earliest' });
      expect(await events.open(`https://127.0.0.1:${scenario.httpPort}/v1/sse?streams=sensors&from=earliest`)).toBe(200);
      call.subscribe({ streams: ['sensors'], from: { position: { case: 'earliest', value: true } } });
      await eventually(() => [socket, events, call].every((c) => c.received.last('sensors') === 3), 30_000, () => 'frames over TLS');
      for (const client of [socket, events, call]) expect(client.received.of('sensors')).toEqual(range(1, 3));

      await expect(fetch(`http://127.0.0.1:${scenario.httpPort}/healthz`)).rejects.toThrow();
      const plaintext = new GrpcClient(scenario.grpcPort);
      plaintext.subscribe({ streams: ['sensors'] });
      await plaintext.endedPromise;
      expect(plaintext.error?.code).toBe(14); // UNAVAILABLE: no plaintext gRPC on a TLS port
      plaintext.close();
    } finally {
      socket.socket.terminate();
      events.close();
      call.close();
    }
  });
});
