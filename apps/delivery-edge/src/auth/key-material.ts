import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { apiKeyRingFromFiles, hmacKey, KeyMaterialError, keyRingFromFiles, type ApiKeyRing, type JwtKeyRing, type KeyFile, type VerificationKey } from '@deltastream/access';

/** Where the edge reads credentials' verification material (environment variables, see docs/security.md). */
export interface KeySources {
  /** AUTH_JWT_KEYS_DIR: `<kid>.pem`, `<name>.jwks.json`, `<kid>.hs256|hs384|hs512`. */
  readonly jwtKeysDir?: string | undefined;
  /** AUTH_JWT_PUBLIC_KEY_FILE: one PEM public key or certificate (kid: the file name without `.pem`). */
  readonly jwtPublicKeyFile?: string | undefined;
  /** AUTH_JWT_JWKS_FILE: a JWKS document. */
  readonly jwtJwksFile?: string | undefined;
  /** AUTH_JWT_HS256_SECRET: an HMAC secret given directly (no kid). */
  readonly jwtHs256Secret?: string | undefined;
  /** AUTH_API_KEYS_DIR: every file holds API key lines. */
  readonly apiKeysDir?: string | undefined;
  /** AUTH_API_KEYS_FILE: one file of API key lines. */
  readonly apiKeysFile?: string | undefined;
}

export interface KeyMaterial {
  readonly jwt: JwtKeyRing;
  readonly apiKeys: ApiKeyRing;
  /** Hash of every input, so a reload can tell whether anything changed. Not secret-revealing. */
  readonly fingerprint: string;
}

export interface KeyProblem {
  readonly variable: string;
  readonly message: string;
}

export type KeyMaterialResult = { readonly ok: true; readonly material: KeyMaterial } | { readonly ok: false; readonly problems: readonly KeyProblem[] };

/**
 * Reads and checks every configured source, collecting all problems (a broken file stops the edge at
 * boot, exit 78; at a reload the previous keys stay in use). Synchronous so it runs inside the zod
 * config schema; the files are small.
 */
export function loadKeyMaterial(sources: KeySources): KeyMaterialResult {
  const problems: KeyProblem[] = [];
  const fingerprint = createHash('sha256');
  const collect = <T>(variable: string, load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      const messages = error instanceof KeyMaterialError ? error.problems : [(error as Error).message];
      problems.push(...messages.map((message) => ({ variable, message })));
      return undefined;
    }
  };
  const track = (files: KeyFile[]) => {
    for (const file of files) fingerprint.update(`${file.name}\0${file.text}\0`);
    return files;
  };

  const jwtKeys: VerificationKey[] = [];
  if (sources.jwtKeysDir) jwtKeys.push(...(collect('AUTH_JWT_KEYS_DIR', () => keyRingFromFiles(track(readKeyDir(sources.jwtKeysDir ?? ''))).keys) ?? []));
  if (sources.jwtPublicKeyFile) {
    const file = sources.jwtPublicKeyFile;
    const name = path.basename(file).endsWith('.pem') ? path.basename(file) : `${path.basename(file)}.pem`;
    jwtKeys.push(...(collect('AUTH_JWT_PUBLIC_KEY_FILE', () => keyRingFromFiles(track([{ name, text: readText(file) }])).keys) ?? []));
  }
  if (sources.jwtJwksFile) {
    const file = sources.jwtJwksFile;
    jwtKeys.push(...(collect('AUTH_JWT_JWKS_FILE', () => keyRingFromFiles(track([{ name: `${path.basename(file, '.json').replace(/\.jwks$/, '')}.jwks.json`, text: readText(file) }])).keys) ?? []));
  }
  if (sources.jwtHs256Secret) {
    const secret = sources.jwtHs256Secret;
    fingerprint.update(`AUTH_JWT_HS256_SECRET\0${secret}\0`);
    const key = collect('AUTH_JWT_HS256_SECRET', () => hmacKey('AUTH_JWT_HS256_SECRET', secret, 'HS256'));
    if (key) jwtKeys.push(key);
  }
  const apiFiles: KeyFile[] = [];
  if (sources.apiKeysDir) apiFiles.push(...(collect('AUTH_API_KEYS_DIR', () => readKeyDir(sources.apiKeysDir ?? '')) ?? []));
  if (sources.apiKeysFile) {
    const file = sources.apiKeysFile;
    apiFiles.push(...(collect('AUTH_API_KEYS_FILE', () => [{ name: path.basename(file), text: readText(file) }]) ?? []));
  }
  const apiKeys = collect(sources.apiKeysDir ? 'AUTH_API_KEYS_DIR' : 'AUTH_API_KEYS_FILE', () => apiKeyRingFromFiles(track(apiFiles)));
  if (problems.length > 0 || !apiKeys) return { ok: false, problems };
  return { ok: true, material: { jwt: { keys: jwtKeys }, apiKeys, fingerprint: fingerprint.digest('hex') } };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * The regular files of a directory (symlinks followed: a mounted Kubernetes Secret is links into
 * `..data`), skipping names that start with `.`.
 */
function readKeyDir(dir: string): KeyFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new Error(`${dir} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .filter((name) => statSync(path.join(dir, name)).isFile())
    .map((name) => ({ name, text: readText(path.join(dir, name)) }));
}
