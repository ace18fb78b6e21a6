import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { verifyJwt, type JwtPolicy } from './jwt';
import { hmacKey, jwksKeys, pemKey, type JwtKeyRing } from './jwt-keys';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const nowSec = NOW / 1000;
const secret = 'a-shared-secret-of-at-least-32-bytes!';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const ring: JwtKeyRing = {
  keys: [hmacKey('env', secret, 'HS256'), pemKey('rsa.pem', pem(rsa.publicKey), 'rsa'), pemKey('ec.pem', pem(ec.publicKey), 'ec')],
};
const policy: JwtPolicy = { algorithms: ['HS256', 'RS256', 'ES256'], audience: 'deltastream', issuer: 'https://issuer.example', clockToleranceSec: 0, requireExp: true };

async function sign(payload: JWTPayload, alg: string, key: KeyObject | Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', aud: 'deltastream', iss: 'https://issuer.example', exp: nowSec + 60, streams: ['iot.*'], ...payload })
    .setProtectedHeader({ alg, ...header })
    .sign(key);
}
const hs = (payload: JWTPayload = {}, header: Record<string, unknown> = {}) => sign(payload, 'HS256', new TextEncoder().encode(secret), header);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyJwt', () => {
  it('accepts HS256, RS256 and ES256 tokens and returns the principal', async () => {
    for (const token of [await hs(), await sign({}, 'RS256', rsa.privateKey, { kid: 'rsa' }), await sign({}, 'ES256', ec.privateKey)]) {
      const result = await verifyJwt(token, ring, policy, NOW);
      expect(result).toEqual({ ok: true, principal: { kind: 'jwt', id: 'jwt:https://issuer.example:alice', subject: 'alice', streams: ['iot.*'], expiresAtMs: NOW + 60_000 } });
    }
  });

  it.each([
    ['expired', { exp: nowSec - 1 }, 'token expired'],
    ['not yet valid', { nbf: nowSec + 30 }, 'token not yet valid'],
    ['wrong audience', { aud: 'someone-else' }, 'wrong audience'],
    ['wrong issuer', { iss: 'https://evil.example' }, 'wrong issuer'],
    ['without exp', { exp: undefined }, 'missing required "exp" claim'],
    ['without sub', { sub: undefined }, 'missing required "sub" claim'],
    ['with a malformed streams claim', { streams: 'iot.*' }, 'the streams claim must be an array of stream patterns'],
  ])('refuses a token %s', async (_what, payload, reason) => {
    expect(await verifyJwt(await hs(payload as JWTPayload), ring, policy, NOW)).toMatchObject({ ok: false, reason });
  });

  it('applies the clock tolerance to exp and nbf', async () => {
    const tolerant = { ...policy, clockToleranceSec: 5 };
    expect((await verifyJwt(await hs({ exp: nowSec - 3 }), ring, tolerant, NOW)).ok).toBe(true);
    expect((await verifyJwt(await hs({ nbf: nowSec + 3 }), ring, tolerant, NOW)).ok).toBe(true);
    expect((await verifyJwt(await hs({ exp: nowSec - 6 }), ring, tolerant, NOW)).ok).toBe(false);
  });

  it('refuses wrong signatures, whatever the algorithm', async () => {
    const wrongSecret = await sign({}, 'HS256', new TextEncoder().encode('another-secret-of-at-least-32-bytes'));
    const wrongEc = await sign({}, 'ES256', otherEc.privateKey);
    const [head, body] = (await hs()).split('.');
    const tampered = `${head}.${b64({ sub: 'mallory', aud: 'deltastream', iss: 'https://issuer.example', exp: nowSec + 60, streams: ['*'] })}.${(await hs()).split('.')[2]}`;
    for (const token of [wrongSecret, wrongEc, tampered]) expect(await verifyJwt(token, ring, policy, NOW)).toMatchObject({ ok: false, refusal: 'signature', reason: 'invalid signature' });
    expect(body).toBeDefined();
  });

  it('refuses alg none in any spelling, and algorithms not on the list', async () => {
    const claims = { sub: 'alice', aud: 'deltastream', iss: 'https://issuer.example', exp: nowSec + 60, streams: ['*'] };
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`;
      expect(await verifyJwt(unsigned, ring, { ...policy, algorithms: ['HS256'] }, NOW)).toMatchObject({ ok: false, refusal: 'algorithm' });
    }
    const rsOnly = { ...policy, algorithms: ['RS256' as const] };
    expect(await verifyJwt(await hs(), ring, rsOnly, NOW)).toMatchObject({ ok: false, refusal: 'algorithm', reason: 'algorithm HS256 is not allowed' });
  });

  it('never uses an RSA public key as an HMAC secret (key confusion)', async () => {
    const publicPem = pem(rsa.publicKey);
    const forged = `${b64({ alg: 'HS256' })}.${b64({ sub: 'mallory', aud: 'deltastream', iss: 'https://issuer.example', exp: nowSec + 60, streams: ['*'] })}`;
    const signature = createHmac('sha256', publicPem).update(forged).digest('base64url');
    const rsaOnly: JwtKeyRing = { keys: [pemKey('rsa.pem', publicPem, 'rsa')] };
    expect(await verifyJwt(`${forged}.${signature}`, rsaOnly, { ...policy, algorithms: ['HS256', 'RS256'] }, NOW)).toMatchObject({ ok: false, refusal: 'no_key' });
  });

  it('picks keys by kid and tries kid-less keys too', async () => {
    const rotated: JwtKeyRing = { keys: [pemKey('old.pem', pem(otherEc.publicKey), 'old'), pemKey('new.pem', pem(ec.publicKey), 'new')] };
    expect((await verifyJwt(await sign({}, 'ES256', ec.privateKey, { kid: 'new' }), rotated, policy, NOW)).ok).toBe(true);
    expect((await verifyJwt(await sign({}, 'ES256', ec.privateKey), rotated, policy, NOW)).ok).toBe(true);
    expect(await verifyJwt(await sign({}, 'ES256', ec.privateKey, { kid: 'gone' }), rotated, policy, NOW)).toMatchObject({ ok: false, refusal: 'no_key', reason: 'no key for kid "gone"' });
    expect(await verifyJwt(await sign({}, 'ES256', ec.privateKey, { kid: 'old' }), rotated, policy, NOW)).toMatchObject({ ok: false, refusal: 'signature' });
  });

  it('verifies with JWKS keys', async () => {
    const jwks = JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    const fromJwks: JwtKeyRing = { keys: jwksKeys('issuer.jwks.json', jwks) };
    expect((await verifyJwt(await sign({}, 'ES256', ec.privateKey, { kid: 'k1' }), fromJwks, policy, NOW)).ok).toBe(true);
  });

  it('reads stream patterns from scope too, and accepts tokens without aud/iss when not configured', async () => {
    const token = await hs({ streams: undefined, scope: 'openid streams:read:sensors streams:read:iot.*', aud: undefined, iss: undefined });
    const open = { algorithms: ['HS256' as const], clockToleranceSec: 0, requireExp: true };
    expect(await verifyJwt(token, ring, open, NOW)).toMatchObject({ ok: true, principal: { id: 'jwt::alice', streams: ['sensors', 'iot.*'] } });
  });

  it('refuses garbage without throwing', async () => {
    for (const token of ['', 'abc', 'a.b.c', '...', `${'x'.repeat(9000)}.a.b`, `${b64({ alg: 'HS256', crit: ['exp'] })}.${b64({})}.x`]) {
      expect((await verifyJwt(token, ring, policy, NOW)).ok).toBe(false);
    }
  });
});
