// The client's credential handling against the REAL edge with JWT auth on (issue #8 contract): tokens in
// headers or the query, refresh of an open WebSocket before expiry, and the refusals that end a client.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { eventually } from '@deltastream/testing';
import { createClient, type ClientEvent, type ClientOptions, type DeltastreamClient, type WebSocketConstructor } from '../src';
import { EdgeScenario, range } from './edge-fixture';

const SECRET = 'client-integration-test-secret-0123456789abcdef';
const wsPackage = WebSocket as unknown as WebSocketConstructor;
let scenario: EdgeScenario;
let dir: string;
const clients: DeltastreamClient[] = [];

/** A JWT the edge accepts: HS256 with its secret (signed by hand: RFC 7515 is three lines), granting `streams`, expiring in `ttlSec`. */
async function token(streams: string[], ttlSec: number, secret = SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const signingInput = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'client-it', streams, iat: now, exp: now + ttlSec })}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

beforeEach(async () => {
  scenario = await new EdgeScenario().setUp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'client-auth-'));
  const suite = path.join(dir, 'suite.yaml');
  // `vault` is private (the default); `sensors` is readable anonymously.
  writeFileSync(suite, 'version: 1\nstreams:\n  - name: vault\n    window: { ms: 1000 }\n  - name: sensors\n    window: { ms: 1000 }\n    access: { anonymous: true }\n');
  await scenario.produce('vault', 1, 5);
  await scenario.startEdge({ DELTASTREAM_CONFIG: suite, AUTH_JWT_HS256_SECRET: SECRET, AUTH_JWT_CLOCK_TOLERANCE_SEC: '0' });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await scenario.tearDown();
  rmSync(dir, { recursive: true, force: true });
});

function start(options: Partial<ClientOptions>) {
  const client = createClient({ url: scenario.url, streams: ['vault'], from: 'earliest', reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, ...options });
  clients.push(client);
  const events: ClientEvent[] = [];
  for (const type of ['frame', 'gap', 'open', 'disconnected', 'error', 'closed'] as const) client.on(type, (event) => events.push(event));
  const of = <T extends ClientEvent['type']>(type: T) => events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
  return { client, of, seqs: () => of('frame').map((f) => f.seq) };
}

describe('client credentials against the real edge (JWT auth on)', () => {
  it('refreshes a short-lived token on the open WebSocket: the connection outlives the first token', async () => {
    const issued: number[] = [];
    const member = start({
      WebSocket: wsPackage,
      tokenRefreshLeadMs: 1500,
      token: async () => {
        issued.push(Date.now());
        return token(['vault'], 4);
      },
    });
    await eventually(() => member.seqs().length === 5, 20_000, () => 'replay');
    const firstExpiry = (issued[0] ?? 0) + 4000;
    // What is under test is the passing of time: the first token must be dead before more frames come.
    await eventually(() => Date.now() > firstExpiry + 500, 10_000, () => 'the first token to expire');
    await scenario.produce('vault', 6, 8);
    await eventually(() => member.seqs().length === 8, 20_000, () => 'frames after the first token expired');
    expect(member.seqs()).toEqual(range(1, 8));
    expect(member.client.stats().connects).toBe(1);
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(member.of('error')).toEqual([]);
  });

  it('sends the token in the query with the global WebSocket and as a header over SSE; both read the private stream', async () => {
    const query = start({ token: () => token(['vault'], 60) });
    const sse = start({ token: () => token(['vault'], 60), transport: 'sse' });
    await eventually(() => query.seqs().length === 5 && sse.seqs().length === 5, 20_000, () => 'both clients');
    expect(query.of('open')[0]?.transport).toBe('websocket');
    expect(sse.of('open')[0]?.transport).toBe('sse');
  });

  it('a static token that expires ends the client with a clear error (it cannot be renewed)', async () => {
    const member = start({ WebSocket: wsPackage, token: await token(['vault'], 2) });
    await eventually(() => member.seqs().length === 5, 20_000, () => 'replay');
    await eventually(() => member.client.state === 'closed', 20_000, () => 'the client to stop at expiry');
    expect(member.of('disconnected')[0]?.code).toBe(4401);
    expect(member.of('error')).toEqual([expect.objectContaining({ fatal: true, code: 4401, message: expect.stringContaining('cannot be renewed') })]);
  });

  it('a token the edge refuses at connect (HTTP 401) is renewed once, then the client stops — over the ws package and SSE', async () => {
    for (const transport of ['websocket', 'sse'] as const) {
      let calls = 0;
      const member = start({
        transport,
        WebSocket: wsPackage,
        token: () => {
          calls++;
          return token(['vault'], 60, 'not-the-edge-secret-0123456789abcdef-xyz');
        },
      });
      await eventually(() => member.client.state === 'closed', 20_000, () => `${transport} client to stop`);
      expect(calls).toBe(2);
      expect(member.of('disconnected').map((d) => [d.code, d.opened])).toEqual([
        [4401, false],
        [4401, false],
      ]);
      expect(member.of('error')[0]).toMatchObject({ fatal: true, code: 4401, message: expect.stringContaining('fresh token') });
    }
  });

  it('anonymous access: the public stream streams, the private one is refused for lack of credentials', async () => {
    await scenario.produce('sensors', 1, 3);
    const open = start({ streams: ['sensors'] });
    const closed = start({ streams: ['vault'] });
    await eventually(() => open.seqs().length === 3 && closed.client.state === 'closed', 20_000, () => 'public frames and the private refusal');
    expect(closed.of('error')[0]).toMatchObject({ fatal: true, code: 4401, message: expect.stringContaining('credentials') });
  });
});
