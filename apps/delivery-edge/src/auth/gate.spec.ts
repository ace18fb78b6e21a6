import type Redis from 'ioredis';
import { SignJWT } from 'jose';
import { generateApiKey, hashApiKey, hmacKey, apiKeyRingFromFiles, parseOriginList, type OriginPolicy } from '@deltastream/access';
import { CloseCode } from '@deltastream/delivery';
import { createLogger } from '@deltastream/observability';
import type { EdgeMetrics } from '../metrics';
import { Authenticator } from './authenticator';
import { ConnectionSlots } from './connection-slots';
import { Gate } from './gate';
import { SharedRateLimit } from './rate-limits';

const logger = createLogger('gate-test', 'silent');
const secret = 's'.repeat(32);
const serviceKey = generateApiKey();

/** Redis that never answers: every limit falls back to this process (which is what is tested here). */
const downRedis = { status: 'end', eval: () => Promise.reject(new Error('down')), zrem: () => Promise.reject(new Error('down')) } as unknown as Redis;

function recordingMetrics() {
  const events: string[] = [];
  const metrics = {
    authRefusal: (protocol: string, reason: string) => events.push(`auth:${protocol}:${reason}`),
    rateLimited: (protocol: string, limit: string) => events.push(`limited:${protocol}:${limit}`),
    limiterFallback: (limit: string) => events.push(`fallback:${limit}`),
  } as unknown as EdgeMetrics;
  return { events, metrics };
}

function gate(options: { origins?: string; perIp?: number; perKey?: number; maxPerKey?: number } = {}) {
  const { events, metrics } = recordingMetrics();
  const authenticator = new Authenticator({
    keys: () => ({ jwt: { keys: [hmacKey('test', secret, 'HS256')] }, apiKeys: apiKeyRingFromFiles([{ name: 'keys', text: `svc ${hashApiKey(serviceKey)} sensors` }]), fingerprint: '' }),
    algorithms: undefined,
    audience: undefined,
    issuer: undefined,
    clockToleranceSec: 0,
    requireExp: true,
    streamsClaim: 'streams',
  });
  const origins = parseOriginList(options.origins ?? '') as { ok: true; policy: OriginPolicy };
  const limit = (name: string, points: number) => new SharedRateLimit({ redis: downRedis, prefix: 't:', name, rate: { points, durationMs: 60_000 }, logger, onFallback: () => metrics.limiterFallback(name) });
  const instance = new Gate({
    authenticator,
    origins: origins.policy,
    connectPerIp: limit('connect_ip', options.perIp ?? 100),
    connectPerKey: limit('connect_key', options.perKey ?? 100),
    slots: new ConnectionSlots({ redis: downRedis, prefix: 't:', leaseMs: 30_000, logger, onFallback: () => metrics.limiterFallback('connections') }),
    maxConnectionsPerKey: options.maxPerKey ?? 10,
    maxAnonymousConnectionsPerIp: 10,
    metrics,
    logger,
  });
  return { gate: instance, events };
}

const token = (sub: string, expInSec = 60) =>
  new SignJWT({ sub, streams: ['iot.*'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expInSec)
    .sign(new TextEncoder().encode(secret));

describe('Gate', () => {
  it('admits anonymous, token and API-key connections with their principal', async () => {
    const { gate: g } = gate();
    const anonymous = await g.admit({ protocol: 'ws', ip: '10.0.0.1', credential: { kind: 'none' } });
    const bearer = await g.admit({ protocol: 'sse', ip: '10.0.0.1', credential: { kind: 'jwt', token: await token('alice') } });
    const service = await g.admit({ protocol: 'grpc', ip: '10.0.0.1', credential: { kind: 'apiKey', key: serviceKey } });
    expect([anonymous, bearer, service].map((a) => (a.ok ? a.principal.id : a.reason))).toEqual(['anonymous:10.0.0.1', 'jwt::alice', 'apiKey:svc']);
  });

  it('refuses foreign origins (403), bad credentials (401) and counts each refusal by reason', async () => {
    const { gate: g, events } = gate({ origins: 'https://app.example' });
    expect(await g.admit({ protocol: 'ws', ip: '1.1.1.1', origin: 'https://evil.example', host: 'edge', credential: { kind: 'none' } })).toEqual({ ok: false, code: CloseCode.StreamNotAllowed, reason: 'origin not allowed' });
    expect((await g.admit({ protocol: 'ws', ip: '1.1.1.1', origin: 'https://app.example', host: 'edge', credential: { kind: 'none' } })).ok).toBe(true);
    expect(await g.admit({ protocol: 'sse', ip: '1.1.1.1', credential: { kind: 'apiKey', key: 'wrong' } })).toEqual({ ok: false, code: CloseCode.Unauthorized, reason: 'invalid API key' });
    expect(await g.admit({ protocol: 'grpc', ip: '1.1.1.1', credential: { kind: 'jwt', token: await token('bob', -10) } })).toEqual({ ok: false, code: CloseCode.Unauthorized, reason: 'token expired' });
    expect(events.filter((e) => e.startsWith('auth:'))).toEqual(['auth:ws:origin', 'auth:sse:api_key', 'auth:grpc:expired']);
  });

  it('limits connection attempts per IP before looking at credentials, and per credential', async () => {
    const { gate: g, events } = gate({ perIp: 2, perKey: 1 });
    const attempt = (ip: string) => g.admit({ protocol: 'ws', ip, credential: { kind: 'apiKey', key: 'guess' } });
    expect((await attempt('2.2.2.2')).ok).toBe(false);
    expect((await attempt('2.2.2.2')).ok).toBe(false);
    expect(await attempt('2.2.2.2')).toMatchObject({ ok: false, code: CloseCode.RateLimited, retryAfterSec: expect.any(Number) });
    expect((await g.admit({ protocol: 'ws', ip: '3.3.3.3', credential: { kind: 'apiKey', key: serviceKey } })).ok).toBe(true);
    expect(await g.admit({ protocol: 'ws', ip: '4.4.4.4', credential: { kind: 'apiKey', key: serviceKey } })).toMatchObject({ ok: false, code: CloseCode.RateLimited });
    expect(events.filter((e) => e.startsWith('limited:'))).toEqual(['limited:ws:connect_ip', 'limited:ws:connect_key']);
    // Redis is down in this test: every decision was taken locally, and said so.
    expect(events).toContain('fallback:connect_ip');
  });

  it('limits open connections per credential and frees a slot on release', async () => {
    const { gate: g, events } = gate({ maxPerKey: 2 });
    const open = () => g.admit({ protocol: 'grpc', ip: '5.5.5.5', credential: { kind: 'apiKey', key: serviceKey } });
    const first = await open();
    expect((await open()).ok).toBe(true);
    expect(await open()).toMatchObject({ ok: false, code: CloseCode.RateLimited, reason: 'too many open connections for this credential', retryAfterSec: 5 });
    if (first.ok) first.lease.release();
    expect((await open()).ok).toBe(true);
    expect(events).toContain('fallback:connections');
  });

  it('refreshes a token for the same subject only, and moves an anonymous connection to the token’s slot', async () => {
    const { gate: g } = gate();
    const bearer = await g.admit({ protocol: 'ws', ip: '6.6.6.6', credential: { kind: 'jwt', token: await token('alice', 5) } });
    if (!bearer.ok) throw new Error(bearer.reason);
    const refreshed = await g.reauthenticate('ws', bearer.principal, bearer.lease, await token('alice', 600));
    expect(refreshed).toMatchObject({ ok: true, principal: { subject: 'alice' } });
    expect(refreshed.ok && refreshed.lease).toBe(bearer.lease);
    expect(await g.reauthenticate('ws', bearer.principal, bearer.lease, await token('mallory'))).toMatchObject({ ok: false, code: CloseCode.Unauthorized, reason: 'the new token is for another subject' });
    expect(await g.reauthenticate('ws', bearer.principal, bearer.lease, await token('alice', -5))).toMatchObject({ ok: false, code: CloseCode.Unauthorized, reason: 'token expired' });
    const anonymous = await g.admit({ protocol: 'ws', ip: '6.6.6.6', credential: { kind: 'none' } });
    if (!anonymous.ok) throw new Error(anonymous.reason);
    const upgraded = await g.reauthenticate('ws', anonymous.principal, anonymous.lease, await token('carol'));
    expect(upgraded.ok && upgraded.lease.key).toBe('jwt::carol');
    const service = await g.admit({ protocol: 'ws', ip: '6.6.6.6', credential: { kind: 'apiKey', key: serviceKey } });
    if (!service.ok) throw new Error(service.reason);
    expect(await g.reauthenticate('ws', service.principal, service.lease, await token('alice'))).toMatchObject({ ok: false, code: CloseCode.Unauthorized });
  });
});
