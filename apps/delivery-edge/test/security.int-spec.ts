import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import { SignJWT, type JWTPayload } from 'jose';
import { hashApiKey } from '@deltastream/access';
import { eventually, freePort, startService, waitForStatus, type RunningService } from '@deltastream/testing';
import { EdgeScenario, GrpcClient, range, Received, SseClient, WsClient } from './edge-fixture';

// Edge security end to end, against a real broker and Redis: JWT verification (RS256 from a PEM key
// directory, ES256 from a JWKS file), API keys, Origin, per-stream anonymous access, Redis-backed limits
// shared by two edge processes, and token expiry / refresh on open streams — on WebSocket, SSE and gRPC.

const AUDIENCE = 'deltastream';
const ISSUER = 'https://issuer.test';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 });
const hsSecret = randomBytes(32).toString('base64url');
const serviceKey = `dsk_${randomBytes(32).toString('base64url')}`;
const billingKey = `dsk_${randomBytes(32).toString('base64url')}`;

const MAX_CONNECTIONS_PER_KEY = 2;
const CONNECT_PER_IP = 8;
const CONNECT_PER_KEY = 10;
const LEASE_MS = 3000;

let scenario: EdgeScenario;
let edgeEnv: Record<string, string>;
/** The latest seq of iot.a (tests append to it). */
let iotLatest = 0;

async function produceIot(count: number): Promise<void> {
  await scenario.produce('iot.a', iotLatest + 1, iotLatest + count);
  iotLatest += count;
}
const sockets: WsClient[] = [];
const sses: SseClient[] = [];
const grpcs: GrpcClient[] = [];
const extraEdges: RunningService[] = [];

/** Every test client gets its own address (the edge trusts one proxy hop): per-IP limits stay per test. */
let addresses = 0;
const nextIp = () => `10.77.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`;

function writeKeys(): { jwtDir: string; jwksFile: string; apiKeysFile: string; suite: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-security-'));
  const jwtDir = path.join(dir, 'jwt');
  mkdirSync(jwtDir);
  writeFileSync(path.join(jwtDir, 'rsa-1.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  // An HMAC key the edge has but does not accept tokens for (AUTH_JWT_ALGORITHMS leaves HS256 out).
  writeFileSync(path.join(jwtDir, 'legacy.hs256'), hsSecret);
  const jwksFile = path.join(dir, 'issuer.jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' }] }));
  const apiKeysFile = path.join(dir, 'api-keys');
  writeFileSync(apiKeysFile, `# backend services\nreporting ${hashApiKey(serviceKey)} iot.*\nbilling ${hashApiKey(billingKey)} iot.*,sensors\n`);
  const suite = path.join(dir, 'deltastream.yaml');
  writeFileSync(
    suite,
    `version: 1
streams:
  - name: sensors
    access: { anonymous: true }
  - name: iot.a
  - name: iot.b
  - name: secret
`,
  );
  return { jwtDir, jwksFile, apiKeysFile, suite };
}

interface TokenOptions {
  readonly alg?: 'RS256' | 'ES256' | 'HS256';
  readonly key?: KeyObject | Uint8Array;
  readonly kid?: string;
}

/** A token valid for the edge unless the test overrides a claim; every test uses its own subject. */
async function token(claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const key = options.key ?? (alg === 'ES256' ? ec.privateKey : alg === 'HS256' ? new TextEncoder().encode(hsSecret) : rsa.privateKey);
  const kid = options.kid ?? (alg === 'ES256' ? 'ec-1' : alg === 'RS256' ? 'rsa-1' : 'legacy');
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { sub: `user-${randomUUID().slice(0, 8)}`, aud: AUDIENCE, iss: ISSUER, iat: now, exp: now + 300, streams: ['iot.*'], ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned token (`alg: none`), which no edge may accept. */
const unsigned = () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', aud: AUDIENCE, iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 300, streams: ['*'] })}.`;

const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

function ws(headers: Record<string, string> = {}, query = '', port = scenario.httpPort): WsClient {
  const client = new WsClient(`ws://127.0.0.1:${port}/v1/ws${query}`, new Received(), { headers: { 'x-forwarded-for': nextIp(), ...headers } });
  sockets.push(client);
  return client;
}

function sse(headers: Record<string, string> = {}): SseClient {
  const client = new SseClient(new Received(), { headers: { 'x-forwarded-for': nextIp(), ...headers } });
  sses.push(client);
  return client;
}

function rpc(metadata: Record<string, string> = {}, port = scenario.grpcPort): GrpcClient {
  const client = new GrpcClient(port, new Received(), { metadata: { 'x-forwarded-for': nextIp(), ...metadata } });
  grpcs.push(client);
  return client;
}

const sseUrl = (query: string, port = scenario.httpPort) => `http://127.0.0.1:${port}/v1/sse?${query}`;
const earliest = { position: { case: 'earliest' as const, value: true } };

/** The HTTP status of a refused upgrade (undefined when the WebSocket opened). */
async function upgradeStatus(client: WsClient): Promise<number | undefined> {
  await client.opened.catch(() => undefined);
  return client.httpStatus;
}

async function grpcStatus(client: GrpcClient): Promise<{ code: number | undefined; details: string | undefined }> {
  await client.endedPromise;
  return { code: client.error?.code, details: client.error?.details };
}

beforeAll(async () => {
  scenario = await new EdgeScenario().setUp();
  const keys = writeKeys();
  await produceIot(10);
  await scenario.produce('sensors', 1, 5);
  await scenario.produce('secret', 1, 3);
  edgeEnv = {
    LOG_LEVEL: 'warn',
    DELTASTREAM_CONFIG: keys.suite,
    AUTH_JWT_KEYS_DIR: keys.jwtDir,
    AUTH_JWT_JWKS_FILE: keys.jwksFile,
    AUTH_JWT_ALGORITHMS: 'RS256,ES256',
    AUTH_JWT_AUDIENCE: AUDIENCE,
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_CLOCK_TOLERANCE_SEC: '0',
    AUTH_API_KEYS_FILE: keys.apiKeysFile,
    EDGE_ALLOWED_ORIGINS: 'https://app.example',
    EDGE_TRUST_PROXY_HOPS: '1',
    EDGE_GRPC_TRUST_PROXY_HOPS: '1',
    EDGE_RATE_CONNECT_IP: `${CONNECT_PER_IP}/60s`,
    EDGE_RATE_CONNECT_KEY: `${CONNECT_PER_KEY}/60s`,
    EDGE_RATE_CONTROL: '20/10s',
    EDGE_RATE_SUBSCRIBE: '5/10s',
    EDGE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    EDGE_MAX_CONNECTIONS_PER_KEY: String(MAX_CONNECTIONS_PER_KEY),
    EDGE_CONNECTION_LEASE_MS: String(LEASE_MS),
  };
  await scenario.startEdge(edgeEnv);
});

afterEach(() => {
  for (const client of sockets.splice(0)) client.socket.terminate();
  for (const client of sses.splice(0)) client.close();
  for (const client of grpcs.splice(0)) client.close();
});

afterAll(async () => {
  for (const edge of extraEdges.splice(0)) if (edge.child.exitCode === null && edge.child.signalCode === null) edge.child.kill('SIGKILL');
  await scenario.tearDown();
});

describe('delivery edge security: tokens', () => {
  const badTokens: Array<[string, () => Promise<string>, string]> = [
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 5 }), 'token expired'],
    ['not yet valid (nbf)', () => token({ nbf: Math.floor(Date.now() / 1000) + 600 }), 'token not yet valid'],
    ['for another audience', () => token({ aud: 'another-service' }), 'wrong audience'],
    ['from another issuer', () => token({ iss: 'https://evil.example' }), 'wrong issuer'],
    ['with a wrong signature', () => token({}, { key: impostor.privateKey }), 'invalid signature'],
    ['unsigned (alg none)', async () => unsigned(), 'unsigned tokens (alg none) are not allowed'],
    ['signed with an algorithm not on the list (HS256)', () => token({}, { alg: 'HS256' }), 'algorithm HS256 is not allowed'],
  ];

  it.each(badTokens)('refuses a token %s on WebSocket (401 before the upgrade), SSE (401) and gRPC (UNAUTHENTICATED)', async (_what, make, reason) => {
    const jwt = await make();
    const viaHeader = ws(bearer(jwt));
    const viaQuery = ws({}, `?access_token=${jwt}`);
    const events = sse();
    const call = rpc(bearer(jwt));
    call.subscribe({ streams: ['iot.a'], from: earliest });
    expect(await upgradeStatus(viaHeader)).toBe(401);
    expect(JSON.parse(viaHeader.httpBody)).toEqual({ code: 4401, reason });
    expect(await upgradeStatus(viaQuery)).toBe(401);
    expect(await events.open(sseUrl(`streams=iot.a&from=earliest&access_token=${jwt}`))).toBe(401);
    expect(JSON.parse(events.body)).toEqual({ code: 4401, reason });
    expect(await grpcStatus(call)).toEqual({ code: grpc.status.UNAUTHENTICATED, details: reason });
    for (const client of [viaHeader, viaQuery, events, call]) expect(client.received.of('iot.a')).toEqual([]);
  });

  it('delivers to a valid token with a wildcard claim on every protocol, replay from earliest included, then live', async () => {
    const rs256 = await token({ streams: ['iot.*'] });
    const es256 = await token({ streams: ['iot.*'] }, { alg: 'ES256' });
    const viaHeader = ws(bearer(rs256));
    const viaQuery = ws({}, `?access_token=${es256}`);
    const events = sse();
    const call = rpc(bearer(rs256));
    await Promise.all([viaHeader.opened, viaQuery.opened]);
    for (const client of [viaHeader, viaQuery]) client.send({ type: 'subscribe', streams: ['iot.a'], from: 'earliest' });
    expect(await events.open(sseUrl(`streams=iot.a&from=earliest&access_token=${es256}`))).toBe(200);
    call.subscribe({ streams: ['iot.a'], from: earliest });
    const clients = [viaHeader, viaQuery, events, call];
    await eventually(() => clients.every((c) => c.received.last('iot.a') === 10), 30_000, () => `replay (${clients.map((c) => c.received.last('iot.a')).join(',')})`);
    await produceIot(2);
    await eventually(() => clients.every((c) => c.received.last('iot.a') === iotLatest), 30_000, () => `live (${clients.map((c) => c.received.last('iot.a')).join(',')})`);
    for (const client of clients) expect(client.received.of('iot.a')).toEqual(range(1, iotLatest));
  });

  it('refuses streams the token does not grant — replay like live — with 4403 / 403 / PERMISSION_DENIED', async () => {
    const jwt = await token({ streams: ['iot.*'] });
    const socket = ws(bearer(jwt));
    await socket.opened;
    socket.send({ type: 'subscribe', streams: ['secret'], from: 'earliest' });
    expect(await socket.closed).toBe(4403);
    expect(socket.closeReason).toBe('stream "secret" is not allowed');
    const events = sse(bearer(jwt));
    expect(await events.open(sseUrl('streams=iot.a,secret&from=earliest'))).toBe(403);
    const call = rpc(bearer(jwt));
    call.subscribe({ streams: ['secret'], from: earliest });
    expect((await grpcStatus(call)).code).toBe(grpc.status.PERMISSION_DENIED);
    // Names outside the claim are refused the same way whether they exist or not.
    const probe = rpc(bearer(jwt));
    probe.subscribe({ streams: ['no-such-stream'] });
    expect((await grpcStatus(probe)).code).toBe(grpc.status.PERMISSION_DENIED);
    for (const client of [socket, events, call]) expect(client.received.of('secret')).toEqual([]);
  });
});

describe('delivery edge security: API keys and anonymous access', () => {
  it('accepts an API key on SSE (header or api_key) and gRPC (x-api-key metadata); a wrong key is refused', async () => {
    // Two connections per key at most (EDGE_MAX_CONNECTIONS_PER_KEY): two keys for three connections.
    const viaHeader = sse({ 'x-api-key': serviceKey });
    const viaQuery = sse();
    const call = rpc({ 'x-api-key': serviceKey });
    expect(await viaHeader.open(sseUrl('streams=iot.a&from=earliest'))).toBe(200);
    expect(await viaQuery.open(sseUrl(`streams=iot.a&from=earliest&api_key=${billingKey}`))).toBe(200);
    call.subscribe({ streams: ['iot.a'], from: earliest });
    await eventually(() => [viaHeader, viaQuery, call].every((c) => c.received.of('iot.a').length >= 10), 30_000, () => 'frames for the API key');
    for (const client of [viaHeader, viaQuery, call]) expect(client.received.of('iot.a').slice(0, 10)).toEqual(range(1, 10));
    // The key grants iot.* and sensors only.
    const outside = rpc({ 'x-api-key': billingKey });
    outside.subscribe({ streams: ['secret'] });
    expect((await grpcStatus(outside)).code).toBe(grpc.status.PERMISSION_DENIED);

    const wrong = `${serviceKey.slice(0, -2)}xx`;
    const badSse = sse({ 'x-api-key': wrong });
    expect(await badSse.open(sseUrl('streams=iot.a'))).toBe(401);
    expect(JSON.parse(badSse.body)).toEqual({ code: 4401, reason: 'invalid API key' });
    const badCall = rpc({ 'x-api-key': wrong });
    badCall.subscribe({ streams: ['iot.a'] });
    expect(await grpcStatus(badCall)).toEqual({ code: grpc.status.UNAUTHENTICATED, details: 'invalid API key' });
    expect(await upgradeStatus(ws({ 'x-api-key': wrong }))).toBe(401);
    // Two credentials at once are ambiguous: refused, never one picked.
    expect(await upgradeStatus(ws({ 'x-api-key': serviceKey, ...bearer(await token()) }))).toBe(401);
  });

  it('serves anonymous streams without credentials and refuses private ones with 4401 / 401 / UNAUTHENTICATED', async () => {
    const socket = ws();
    const events = sse();
    const call = rpc();
    await socket.opened;
    socket.send({ type: 'subscribe', streams: ['sensors'], from: 'earliest' });
    expect(await events.open(sseUrl('streams=sensors&from=earliest'))).toBe(200);
    call.subscribe({ streams: ['sensors'], from: earliest });
    await eventually(() => [socket, events, call].every((c) => c.received.last('sensors') === 5), 30_000, () => 'anonymous frames');

    const privateWs = ws();
    await privateWs.opened;
    privateWs.send({ type: 'subscribe', streams: ['iot.a'], from: 'earliest' });
    expect(await privateWs.closed).toBe(4401);
    expect(privateWs.closeReason).toBe('stream "iot.a" requires credentials');
    const privateSse = sse();
    expect(await privateSse.open(sseUrl('streams=iot.a&from=earliest'))).toBe(401);
    const privateCall = rpc();
    privateCall.subscribe({ streams: ['iot.a'], from: earliest });
    expect((await grpcStatus(privateCall)).code).toBe(grpc.status.UNAUTHENTICATED);
    // Unknown names look private to anonymous clients (no probing for private stream names).
    const probe = rpc();
    probe.subscribe({ streams: ['no-such-stream'] });
    expect((await grpcStatus(probe)).code).toBe(grpc.status.UNAUTHENTICATED);
    for (const client of [privateWs, privateSse, privateCall]) expect(client.received.of('iot.a')).toEqual([]);
  });

  it('refuses browser pages of foreign origins (WebSocket 403 before the upgrade, SSE 403) and serves listed ones', async () => {
    const foreign = ws({ origin: 'https://evil.example' });
    expect(await upgradeStatus(foreign)).toBe(403);
    expect(JSON.parse(foreign.httpBody)).toEqual({ code: 4403, reason: 'origin not allowed' });
    const foreignSse = sse({ origin: 'https://evil.example' });
    expect(await foreignSse.open(sseUrl('streams=sensors'))).toBe(403);

    const listed = ws({ origin: 'https://app.example' });
    await listed.opened;
    listed.send({ type: 'subscribe', streams: ['sensors'], from: 'earliest' });
    await eventually(() => listed.received.last('sensors') === 5, 30_000, () => 'frames for a listed origin');
    const listedSse = sse({ origin: 'https://app.example' });
    expect(await listedSse.open(sseUrl('streams=sensors&from=earliest'))).toBe(200);
    expect(listedSse.headers['access-control-allow-origin']).toBe('https://app.example');
    // Same origin as the edge itself (a page it would serve) and non-browser clients (no Origin) pass.
    expect(await upgradeStatus(ws({ origin: `http://127.0.0.1:${scenario.httpPort}` }))).toBeUndefined();
  });
});

describe('delivery edge security: limits', () => {
  it('refuses connection attempts over the per-IP rate: 429 + Retry-After (WebSocket, SSE), RESOURCE_EXHAUSTED (gRPC)', async () => {
    for (const protocol of ['ws', 'sse', 'grpc'] as const) {
      const ip = nextIp();
      const outcomes: Array<number | string | undefined> = [];
      for (let attempt = 0; attempt <= CONNECT_PER_IP; attempt++) {
        if (protocol === 'ws') {
          const client = ws({ 'x-forwarded-for': ip });
          outcomes.push((await upgradeStatus(client)) ?? 'open');
          if (client.httpStatus === 429) expect(Number(client.httpHeaders['retry-after'])).toBeGreaterThan(0);
          client.socket.terminate();
        } else if (protocol === 'sse') {
          const client = sse({ 'x-forwarded-for': ip });
          outcomes.push(await client.open(sseUrl('streams=sensors')));
          if (client.status === 429) expect(Number(client.headers['retry-after'])).toBeGreaterThan(0);
          client.close();
        } else {
          const client = rpc({ 'x-forwarded-for': ip });
          // Admitted anonymous calls end at once on the private stream (UNAUTHENTICATED), after admission.
          client.subscribe({ streams: ['iot.a'] });
          const status = await grpcStatus(client);
          outcomes.push(status.code === grpc.status.RESOURCE_EXHAUSTED ? 'RESOURCE_EXHAUSTED' : status.code);
        }
      }
      const refused = protocol === 'grpc' ? 'RESOURCE_EXHAUSTED' : 429;
      const admitted = protocol === 'ws' ? 'open' : protocol === 'sse' ? 200 : grpc.status.UNAUTHENTICATED;
      expect(outcomes).toEqual([...Array<unknown>(CONNECT_PER_IP).fill(admitted), refused]);
    }
  });

  it('refuses connection attempts over the per-credential rate, whatever the protocol and address', async () => {
    const jwt = await token();
    const held = [ws(bearer(jwt)), ws(bearer(jwt))];
    await Promise.all(held.map((c) => c.opened));
    const outcomes: string[] = [];
    for (let attempt = held.length; attempt <= CONNECT_PER_KEY; attempt++) {
      const call = rpc(bearer(jwt));
      call.subscribe({ streams: ['iot.a'] });
      const status = await grpcStatus(call);
      expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      outcomes.push(status.details ?? '');
    }
    // Attempts 3..10 find both slots taken; the 11th is over the attempt rate itself.
    expect(outcomes).toEqual([...Array<string>(CONNECT_PER_KEY - held.length).fill('too many open connections for this credential'), 'too many connection attempts for this credential']);
  });

  it('closes a control message flood with 4009, too many subscribe requests with 4009 and too many streams with 4009', async () => {
    const flood = ws();
    await flood.opened;
    for (let i = 0; i < 25; i++) flood.send({ type: 'ping', id: `p${i}` });
    expect(await flood.closed).toBe(4009);
    expect(flood.closeReason).toBe('too many control messages');
    expect(flood.received.notices.filter((n) => n['type'] === 'pong').length).toBeLessThanOrEqual(20);

    const resubscriber = ws();
    await resubscriber.opened;
    for (let i = 0; i < 6; i++) resubscriber.send({ type: 'subscribe', streams: ['sensors'] });
    expect(await resubscriber.closed).toBe(4009);
    expect(resubscriber.closeReason).toBe('too many subscribe requests');

    const wide = ws(bearer(await token({ streams: ['*'] })));
    await wide.opened;
    wide.send({ type: 'subscribe', streams: ['sensors', 'iot.a', 'iot.b'] });
    await eventually(() => wide.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => 'three streams subscribed');
    wide.send({ type: 'subscribe', streams: ['secret'] });
    expect(await wide.closed).toBe(4009);
    expect(wide.closeReason).toBe('at most 3 subscribed streams per connection');
  });

  it('refuses oversized requests: WebSocket 1009, gRPC RESOURCE_EXHAUSTED, SSE 431', async () => {
    const socket = ws();
    await socket.opened;
    socket.send({ type: 'subscribe', streams: ['sensors'], entities: Array.from({ length: 900 }, (_, i) => `${i}`.padStart(80, 'x')) });
    expect(await socket.closed).toBe(1009);
    const call = rpc();
    call.subscribe({ streams: ['sensors'], entityIds: Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(80, 'x')) });
    expect((await grpcStatus(call)).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const events = sse();
    expect(await events.open(sseUrl(`streams=sensors&entities=${'x'.repeat(20_000)}`))).toBe(431);
  });

  it('holds the per-credential connection limit across two edge processes sharing Redis, and heals when one dies', async () => {
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const second = await startService('delivery-edge', { ...edgeEnv, TOPIC_NAMESPACE: scenario.namespace, TOPIC_PARTITIONS: '3', HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort), EDGE_HEARTBEAT_MS: '1000' });
    extraEdges.push(second);
    await waitForStatus(second, '/readyz', 200);

    const subject = `shared-${randomUUID().slice(0, 8)}`;
    const jwt = await token({ sub: subject });
    const onFirst = ws(bearer(jwt));
    await onFirst.opened;
    const onSecond = sse(bearer(jwt));
    expect(await onSecond.open(sseUrl('streams=iot.a', httpPort))).toBe(200);
    // Both slots are taken, one on each process: either process refuses a third connection.
    const third = rpc(bearer(jwt));
    third.subscribe({ streams: ['iot.a'] });
    expect(await grpcStatus(third)).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many open connections for this credential' });
    const fourth = ws(bearer(jwt), '', httpPort);
    expect(await upgradeStatus(fourth)).toBe(429);
    expect(fourth.httpHeaders['retry-after']).toBe('5');

    // A normal close frees its slot at once.
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    const slotKey = `ds:${scenario.namespace}:edge:conn:jwt:${ISSUER}:${subject}`;
    try {
      await onFirst.close();
      await eventually(async () => (await redis.zcard(slotKey)) === 1, 10_000, () => 'the closed connection to free its slot');
      const again = ws(bearer(jwt));
      await again.opened;
      expect(await redis.zcard(slotKey)).toBe(2);
      // kill -9 the second process while its SSE connection holds a slot: the slot expires within a lease.
      second.child.kill('SIGKILL');
      await second.exited;
      await eventually(async () => (await redis.zcount(slotKey, Date.now(), '+inf')) === 1, LEASE_MS * 3, () => 'the dead process’s slot to expire');
      const afterHeal = rpc(bearer(jwt));
      afterHeal.subscribe({ streams: ['iot.a'], from: earliest });
      await eventually(() => afterHeal.received.last('iot.a') >= 10, 30_000, () => 'frames once the slot healed');
    } finally {
      redis.disconnect();
    }
  });
});

describe('delivery edge security: expiry and refresh on open streams', () => {
  it('closes live streams when the token expires: WebSocket 4401, SSE event: error, gRPC UNAUTHENTICATED', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const socket = ws(bearer(await token({ exp })));
    const events = sse(bearer(await token({ exp })));
    const call = rpc(bearer(await token({ exp })));
    await socket.opened;
    socket.send({ type: 'subscribe', streams: ['iot.a'] });
    expect(await events.open(sseUrl('streams=iot.a'))).toBe(200);
    call.subscribe({ streams: ['iot.a'] });

    const [wsCode] = await Promise.all([socket.closed, events.endedPromise, call.endedPromise]);
    const closedAt = Date.now();
    expect(wsCode).toBe(4401);
    expect(socket.closeReason).toBe('token expired');
    expect(events.received.notices.at(-1)).toEqual({ type: 'error', code: 4401, reason: 'token expired' });
    expect(call.error).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'token expired' });
    // Closed at expiry (clock tolerance 0 in this test), not before.
    expect(closedAt).toBeGreaterThanOrEqual(exp * 1000);
    expect(closedAt - exp * 1000).toBeLessThan(3000);
  });

  it('extends a WebSocket connection with an auth refresh; another subject or fewer streams are refused', async () => {
    const subject = `refresh-${randomUUID().slice(0, 8)}`;
    const exp = Math.floor(Date.now() / 1000) + 3;
    const socket = ws(bearer(await token({ sub: subject, exp })));
    await socket.opened;
    socket.send({ type: 'subscribe', streams: ['iot.a'], from: { seq: 8 } });
    await eventually(() => socket.received.last('iot.a') === iotLatest, 30_000, () => 'frames before the refresh');
    const longer = Math.floor(Date.now() / 1000) + 300;
    socket.send({ type: 'auth', id: 'r1', token: await token({ sub: subject, exp: longer }) });
    await eventually(() => socket.received.notices.some((n) => n['type'] === 'authenticated'), 10_000, () => 'the refresh acknowledged');
    expect(socket.received.notices.find((n) => n['type'] === 'authenticated')).toEqual({ type: 'authenticated', id: 'r1', subject, expiresAt: longer * 1000 });
    // Past the first token's expiry the connection is still open and still delivering.
    await eventually(() => Date.now() > exp * 1000 + 1000, 10_000, () => 'the first token to have expired');
    await produceIot(1);
    await eventually(() => socket.received.last('iot.a') === iotLatest, 30_000, () => 'a frame after the first expiry');
    expect(socket.closeCode).toBeUndefined();

    socket.send({ type: 'auth', token: await token({ sub: 'someone-else' }) });
    expect(await socket.closed).toBe(4401);
    expect(socket.closeReason).toBe('the new token is for another subject');

    const narrowed = ws(bearer(await token({ sub: subject })));
    await narrowed.opened;
    narrowed.send({ type: 'subscribe', streams: ['iot.a'] });
    await eventually(() => narrowed.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => 'subscribed');
    narrowed.send({ type: 'auth', token: await token({ sub: subject, streams: ['iot.b'] }) });
    expect(await narrowed.closed).toBe(4403);
    expect(narrowed.closeReason).toBe('stream "iot.a" is not allowed by the new token');
  });

  it('lets an anonymous WebSocket authenticate with an auth message (no token in the URL)', async () => {
    const socket = ws();
    await socket.opened;
    socket.send({ type: 'auth', token: await token() });
    await eventually(() => socket.received.notices.some((n) => n['type'] === 'authenticated'), 10_000, () => 'authenticated');
    socket.send({ type: 'subscribe', streams: ['iot.a'], from: 'earliest' });
    await eventually(() => socket.received.last('iot.a') >= 10, 30_000, () => 'private frames after authenticating');
    const invalid = ws();
    await invalid.opened;
    invalid.send({ type: 'auth', token: unsigned() });
    expect(await invalid.closed).toBe(4401);
  });

  it('counts refusals by protocol and reason in /metrics', async () => {
    const metrics = await (await fetch(`${scenario.service?.url}/metrics`)).text();
    for (const protocol of ['ws', 'sse', 'grpc']) {
      for (const reason of ['expired', 'not_yet_valid', 'audience', 'issuer', 'signature', 'algorithm']) {
        expect(metrics).toMatch(new RegExp(`deltastream_edge_auth_refusals_total\\{(?=[^}]*protocol="${protocol}")(?=[^}]*reason="${reason}")[^}]*\\} [1-9]`));
      }
    }
    expect(metrics).toMatch(/deltastream_edge_rate_limited_total\{(?=[^}]*limit="connect_ip")(?=[^}]*protocol="grpc")[^}]*\} [1-9]/);
    expect(metrics).toMatch(/deltastream_edge_rate_limited_total\{(?=[^}]*limit="control")(?=[^}]*protocol="ws")[^}]*\} [1-9]/);
    // No credential ever reaches the logs.
    expect(scenario.service?.output()).not.toContain(serviceKey);
  });
});

describe('delivery edge security: degraded and changing', () => {
  /** A second edge on the same namespace with `env` over the suite's, ready to serve. */
  async function extraEdge(env: Record<string, string>): Promise<{ service: RunningService; httpPort: number; grpcPort: number }> {
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const service = await startService('delivery-edge', { ...edgeEnv, TOPIC_NAMESPACE: scenario.namespace, TOPIC_PARTITIONS: '3', HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort), EDGE_HEARTBEAT_MS: '1000', ...env });
    extraEdges.push(service);
    await waitForStatus(service, '/readyz', 200);
    return { service, httpPort, grpcPort };
  }

  it('keeps enforcing limits in process memory while Redis is unreachable, and counts each such decision', async () => {
    // Nothing listens on this port: every limiter call to Redis fails.
    const { service, httpPort } = await extraEdge({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const ip = nextIp();
    const outcomes: number[] = [];
    for (let attempt = 0; attempt <= CONNECT_PER_IP; attempt++) {
      const client = sse({ 'x-forwarded-for': ip });
      outcomes.push(await client.open(sseUrl('streams=sensors', httpPort)));
      client.close();
    }
    expect(outcomes).toEqual([...Array<number>(CONNECT_PER_IP).fill(200), 429]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/deltastream_edge_limiter_fallbacks_total\{[^}]*limit="connect_ip"[^}]*\} [1-9]/);
  });

  it('closes the open streams of an API key removed from the key file: WebSocket 4401, SSE event: error, gRPC UNAUTHENTICATED; other keys stream on', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-revoke-'));
    const keysFile = path.join(dir, 'api-keys');
    const revoked = `dsk_${randomBytes(32).toString('base64url')}`;
    writeFileSync(keysFile, `reporting ${hashApiKey(serviceKey)} iot.*\nleaver ${hashApiKey(revoked)} iot.a\n`);
    const { service, httpPort, grpcPort } = await extraEdge({ AUTH_API_KEYS_FILE: keysFile, AUTH_RELOAD_MS: '200', EDGE_MAX_CONNECTIONS_PER_KEY: '10' });
    const wsWith = (key: string) => new WsClient(`ws://127.0.0.1:${httpPort}/v1/ws`, new Received(), { headers: { 'x-api-key': key, 'x-forwarded-for': nextIp() } });
    const socket = wsWith(revoked);
    const kept = wsWith(serviceKey);
    const events = new SseClient(new Received(), { headers: { 'x-api-key': revoked, 'x-forwarded-for': nextIp() } });
    const call = new GrpcClient(grpcPort, new Received(), { metadata: { 'x-api-key': revoked, 'x-forwarded-for': nextIp() } });
    sses.push(events);
    grpcs.push(call);
    try {
      await Promise.all([socket.opened, kept.opened]);
      socket.send({ type: 'subscribe', streams: ['iot.a'] });
      kept.send({ type: 'subscribe', streams: ['iot.a'] });
      expect(await events.open(sseUrl('streams=iot.a', httpPort))).toBe(200);
      call.subscribe({ streams: ['iot.a'] });
      await eventually(() => socket.received.notices.some((n) => n['type'] === 'subscribed'), 10_000, () => 'the WebSocket subscription');

      writeFileSync(keysFile, `reporting ${hashApiKey(serviceKey)} iot.*\n`);
      const [wsCode] = await Promise.all([socket.closed, events.endedPromise, call.endedPromise]);
      expect(wsCode).toBe(4401);
      expect(socket.closeReason).toMatch(/credential no longer accepted/);
      expect(events.received.notices.at(-1)).toMatchObject({ type: 'error', code: 4401 });
      expect(call.error).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      expect(kept.closeCode).toBeUndefined();
      expect(await (await fetch(`${service.url}/metrics`)).text()).toMatch(/deltastream_edge_auth_refusals_total\{[^}]*reason="revoked"[^}]*\} [1-9]/);
    } finally {
      socket.socket.terminate();
      kept.socket.terminate();
    }
  });

  it('picks up a changed API key file without a restart, and keeps the previous keys when the new file is broken', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-reload-'));
    const keysFile = path.join(dir, 'api-keys');
    const added = `dsk_${randomBytes(32).toString('base64url')}`;
    writeFileSync(keysFile, `reporting ${hashApiKey(serviceKey)} iot.*\n`);
    const { service, httpPort } = await extraEdge({ AUTH_API_KEYS_FILE: keysFile, AUTH_RELOAD_MS: '200' });
    const status = async (key: string) => {
      const client = sse({ 'x-api-key': key });
      const code = await client.open(sseUrl('streams=iot.a', httpPort));
      client.close();
      return code;
    };
    expect(await status(added)).toBe(401);

    writeFileSync(keysFile, `reporting ${hashApiKey(serviceKey)} iot.*\nadded ${hashApiKey(added)} iot.a\n`);
    await eventually(async () => (await status(added)) === 200, 10_000, () => 'the added key to be accepted');

    writeFileSync(keysFile, 'this line is not a key entry\n');
    await eventually(async () => /deltastream_edge_key_reloads_total\{[^}]*outcome="failed"[^}]*\} [1-9]/.test(await (await fetch(`${service.url}/metrics`)).text()), 10_000, () => 'the failed reload to be counted');
    expect(await status(added)).toBe(200);
    expect(await status(serviceKey)).toBe(200);
  });
});
