import { createPublicKey, createSecretKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';

/** Signature algorithms the edge can verify. `none` is not one of them, ever. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export function isJwtAlgorithm(value: string): value is JwtAlgorithm {
  return (JWT_ALGORITHMS as readonly string[]).includes(value);
}

/** One key that can verify tokens, and the algorithms it may verify (a key is never used across families). */
export interface VerificationKey {
  /** Matched against the token header's `kid`; absent: the key is tried for tokens of its algorithms. */
  readonly kid?: string;
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  readonly key: KeyObject;
  /** Where it came from (file name, variable), for messages. Never key material. */
  readonly source: string;
}

export interface JwtKeyRing {
  readonly keys: readonly VerificationKey[];
}

/** Key material that cannot be used; `problems` name the source and what is wrong, one per entry. */
export class KeyMaterialError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'KeyMaterialError';
  }
}

const HMAC_MIN_BYTES: Record<'HS256' | 'HS384' | 'HS512', number> = { HS256: 32, HS384: 48, HS512: 64 };
const EC_ALGORITHM: Record<string, JwtAlgorithm> = { prime256v1: 'ES256', 'P-256': 'ES256', secp384r1: 'ES384', 'P-384': 'ES384', secp521r1: 'ES512', 'P-521': 'ES512' };
const RSA_MIN_BITS = 2048;

/**
 * An HMAC secret (HS256/384/512). RFC 7518 §3.2: the key must be at least as long as the hash, so
 * shorter secrets are refused instead of being accepted as easy to guess.
 */
export function hmacKey(source: string, secret: string | Uint8Array, algorithm: 'HS256' | 'HS384' | 'HS512', kid?: string): VerificationKey {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const min = HMAC_MIN_BYTES[algorithm];
  if (bytes.byteLength < min) throw new KeyMaterialError([`${source}: an ${algorithm} secret needs at least ${min} bytes (has ${bytes.byteLength})`]);
  return { ...(kid === undefined ? {} : { kid }), algorithms: new Set([algorithm]), key: createSecretKey(bytes), source };
}

/**
 * A PEM public key (SPKI, PKCS#1) or X.509 certificate: RSA (RS*, PS*), EC P-256/384/521 (ES256/384/512)
 * or Ed25519 (EdDSA). Private keys are refused: the edge only verifies, and a private key on its disk
 * would let anyone who reads it mint tokens.
 */
export function pemKey(source: string, pem: string, kid?: string): VerificationKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new KeyMaterialError([`${source}: is a private key; give the edge only the public key (openssl pkey -pubout)`]);
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new KeyMaterialError([`${source}: not a PEM public key or certificate (${(error as Error).message})`]);
  }
  return { ...(kid === undefined ? {} : { kid }), algorithms: asymmetricAlgorithms(source, key), key, source };
}

/**
 * A JWKS document (`{"keys": [...]}`). Keys with `use` other than `sig` are skipped; a JWK's `alg`, when
 * present, narrows the key to that algorithm. Private JWKs (`d`) are refused like private PEM keys.
 */
export function jwksKeys(source: string, text: string): VerificationKey[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new KeyMaterialError([`${source}: not JSON`]);
  }
  const keys = typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new KeyMaterialError([`${source}: a JWKS is an object with a "keys" array`]);
  const problems: string[] = [];
  const result: VerificationKey[] = [];
  keys.forEach((jwk: unknown, index) => {
    const where = `${source} keys[${index}]`;
    try {
      const key = jwkKey(where, jwk);
      if (key) result.push(key);
    } catch (error) {
      problems.push(...(error instanceof KeyMaterialError ? error.problems : [`${where}: ${(error as Error).message}`]));
    }
  });
  if (problems.length > 0) throw new KeyMaterialError(problems);
  return result;
}

function jwkKey(where: string, value: unknown): VerificationKey | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KeyMaterialError([`${where}: not a JWK object`]);
  const jwk = value as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  const alg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  if (alg !== undefined && !isJwtAlgorithm(alg)) throw new KeyMaterialError([`${where}: alg ${alg} is not supported (${JWT_ALGORITHMS.join(', ')})`]);
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new KeyMaterialError([`${where}: an oct JWK needs "k"`]);
    const hs = alg ?? 'HS256';
    if (hs !== 'HS256' && hs !== 'HS384' && hs !== 'HS512') throw new KeyMaterialError([`${where}: an oct key verifies HS256/384/512 only, not ${hs}`]);
    return hmacKey(where, Buffer.from(jwk.k, 'base64url'), hs, kid);
  }
  if (jwk.d !== undefined) throw new KeyMaterialError([`${where}: is a private key; publish only the public part`]);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw new KeyMaterialError([`${where}: not a usable public JWK (${(error as Error).message})`]);
  }
  const algorithms = asymmetricAlgorithms(where, key);
  if (alg !== undefined && !algorithms.has(alg)) throw new KeyMaterialError([`${where}: alg ${alg} does not fit a ${key.asymmetricKeyType} key`]);
  return { ...(kid === undefined ? {} : { kid }), algorithms: alg === undefined ? algorithms : new Set([alg]), key, source: where };
}

function asymmetricAlgorithms(source: string, key: KeyObject): ReadonlySet<JwtAlgorithm> {
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS) throw new KeyMaterialError([`${source}: RSA keys need at least ${RSA_MIN_BITS} bits (has ${bits})`]);
      return new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
    }
    case 'rsa-pss':
      return new Set(['PS256', 'PS384', 'PS512']);
    case 'ec': {
      const algorithm = EC_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!algorithm) throw new KeyMaterialError([`${source}: EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported (P-256, P-384, P-521)`]);
      return new Set([algorithm]);
    }
    case 'ed25519':
      return new Set(['EdDSA', 'Ed25519']);
    default:
      throw new KeyMaterialError([`${source}: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported (RSA, EC, Ed25519)`]);
  }
}

/** A file of a key directory: its name (no directory) and text. */
export interface KeyFile {
  readonly name: string;
  readonly text: string;
}

/**
 * The key ring of a key directory, by file name:
 * - `<kid>.pem` — a public key or certificate; the file name (without `.pem`) is the key's `kid`;
 * - `<name>.jwks.json` — a JWKS (kids from the JWKs);
 * - `<kid>.hs256` / `.hs384` / `.hs512` — an HMAC secret: the file's bytes, one trailing newline removed.
 * Names starting with `.` are skipped (Kubernetes Secret mounts keep `..data` links there); any other name
 * is a problem, so a misnamed key is reported rather than silently unused. Every problem is collected.
 */
export function keyRingFromFiles(files: readonly KeyFile[]): JwtKeyRing {
  const keys: VerificationKey[] = [];
  const problems: string[] = [];
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    if (file.name.startsWith('.')) continue;
    try {
      keys.push(...keysOfFile(file));
    } catch (error) {
      problems.push(...(error instanceof KeyMaterialError ? error.problems : [`${file.name}: ${(error as Error).message}`]));
    }
  }
  if (problems.length > 0) throw new KeyMaterialError(problems);
  return { keys };
}

function keysOfFile(file: KeyFile): VerificationKey[] {
  const hmac = /^(.+)\.(hs256|hs384|hs512)$/.exec(file.name);
  if (hmac?.[1] && hmac[2]) {
    const secret = file.text.replace(/\r?\n$/, '');
    return [hmacKey(file.name, secret, hmac[2].toUpperCase() as 'HS256' | 'HS384' | 'HS512', hmac[1])];
  }
  if (file.name.endsWith('.jwks.json')) return jwksKeys(file.name, file.text);
  const pem = /^(.+)\.pem$/.exec(file.name);
  if (pem?.[1]) return [pemKey(file.name, file.text, pem[1])];
  throw new KeyMaterialError([`${file.name}: unknown key file; name it <kid>.pem, <name>.jwks.json or <kid>.hs256 (.hs384, .hs512)`]);
}

/** The algorithms a key ring can verify (the default allow list when none is configured). */
export function algorithmsOf(ring: JwtKeyRing): JwtAlgorithm[] {
  const all = new Set<JwtAlgorithm>();
  for (const key of ring.keys) for (const algorithm of key.algorithms) all.add(algorithm);
  return JWT_ALGORITHMS.filter((algorithm) => all.has(algorithm));
}
