import { generateKeyPairSync } from 'node:crypto';
import { algorithmsOf, hmacKey, jwksKeys, KeyMaterialError, keyRingFromFiles, pemKey } from './jwt-keys';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const spki = (key: import('node:crypto').KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof KeyMaterialError) return error.problems;
    throw error;
  }
  throw new Error('expected a KeyMaterialError');
}

describe('JWT key material', () => {
  it('reads a key directory by file name: pem (kid = name), jwks, hmac secrets; skips dot entries', () => {
    const ring = keyRingFromFiles([
      { name: 'issuer-2026.pem', text: spki(ec.publicKey) },
      { name: 'rsa.pem', text: spki(rsa.publicKey) },
      { name: 'ed.pem', text: spki(ed.publicKey) },
      { name: 'partner.jwks.json', text: JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'p1' }, { kty: 'RSA', use: 'enc', n: 'x', e: 'AQAB' }] }) },
      { name: 'internal.hs256', text: `${'s'.repeat(32)}\n` },
      { name: '..data', text: 'ignored' },
    ]);
    expect(ring.keys.map((k) => [k.kid, [...k.algorithms].join(',')])).toEqual([
      ['ed', 'EdDSA,Ed25519'],
      ['internal', 'HS256'],
      ['issuer-2026', 'ES256'],
      ['p1', 'ES256'],
      ['rsa', 'RS256,RS384,RS512,PS256,PS384,PS512'],
    ]);
    expect(algorithmsOf(ring)).toEqual(['HS256', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'EdDSA', 'Ed25519']);
  });

  it('reports every broken file with its name', () => {
    const found = problems(() =>
      keyRingFromFiles([
        { name: 'private.pem', text: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
        { name: 'short.hs256', text: 'too-short' },
        { name: 'garbage.pem', text: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
        { name: 'notes.txt', text: 'hello' },
        { name: 'bad.jwks.json', text: '{"keys": [{"kty": "EC", "crv": "P-256", "x": "1", "y": "2", "d": "3"}]}' },
        { name: 'small.pem', text: spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey) },
      ]),
    );
    expect(found).toEqual([
      expect.stringMatching(/^bad\.jwks\.json keys\[0\]: is a private key/),
      expect.stringMatching(/^garbage\.pem: not a PEM public key/),
      expect.stringMatching(/^notes\.txt: unknown key file/),
      expect.stringMatching(/^private\.pem: is a private key/),
      expect.stringMatching(/^short\.hs256: an HS256 secret needs at least 32 bytes/),
      expect.stringMatching(/^small\.pem: RSA keys need at least 2048 bits/),
    ]);
  });

  it('checks JWKS documents', () => {
    expect(problems(() => jwksKeys('x.jwks.json', 'nope'))).toEqual(['x.jwks.json: not JSON']);
    expect(problems(() => jwksKeys('x.jwks.json', '{}'))).toEqual(['x.jwks.json: a JWKS is an object with a "keys" array']);
    expect(problems(() => jwksKeys('x.jwks.json', JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), alg: 'RS256' }] })))).toEqual([
      'x.jwks.json keys[0]: alg RS256 does not fit a ec key',
    ]);
    const oct = jwksKeys('x.jwks.json', JSON.stringify({ keys: [{ kty: 'oct', k: Buffer.alloc(48, 1).toString('base64url'), alg: 'HS384', kid: 'o' }] }));
    expect(oct.map((k) => [k.kid, [...k.algorithms]])).toEqual([['o', ['HS384']]]);
  });

  it('takes certificates and refuses short HMAC secrets', () => {
    expect(() => hmacKey('AUTH_JWT_HS256_SECRET', 'x'.repeat(31), 'HS256')).toThrow(KeyMaterialError);
    expect(hmacKey('AUTH_JWT_HS256_SECRET', 'x'.repeat(32), 'HS256').kid).toBeUndefined();
    expect(() => pemKey('c.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow(KeyMaterialError);
  });
});
