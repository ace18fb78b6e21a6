import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeyMaterialError, type KeyFile } from './jwt-keys';
import type { Principal } from './principal';
import { isStreamPattern, MAX_STREAM_PATTERNS } from './stream-pattern';

/** One API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyEntry {
  readonly name: string;
  readonly sha256: Buffer;
  readonly streams: readonly string[];
  readonly source: string;
}

export interface ApiKeyRing {
  readonly entries: readonly ApiKeyEntry[];
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const HASH = /^sha256:([0-9a-f]{64})$/;
/** Presented keys longer than this are refused before hashing. */
export const MAX_API_KEY_CHARS = 512;
/** Generated keys: 32 random bytes (256 bits), base64url, with a recognisable prefix for secret scanners. */
const GENERATED_PREFIX = 'dsk_';

/**
 * `sha256:<hex>` of a key, the form stored in API key files. SHA-256 rather than a slow password hash:
 * keys are 256-bit random strings (see generateApiKey), so there is nothing to brute-force, and a fast
 * hash lets every connection be checked against every stored key in constant time per entry.
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export function generateApiKey(): string {
  return `${GENERATED_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * API key files: one key per line, `<name> <sha256:hex> <pattern>[,<pattern>…]` separated by spaces,
 * `#` starts a comment. Names are unique across all files (they identify the key in limits and logs).
 * Every problem is collected with its file and line.
 */
export function apiKeyRingFromFiles(files: readonly KeyFile[]): ApiKeyRing {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    if (file.name.startsWith('.')) continue;
    file.text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === '') return;
      const where = `${file.name}:${index + 1}`;
      const [name, hash, patterns, ...rest] = line.split(/\s+/);
      if (!name || !hash || !patterns || rest.length > 0) {
        problems.push(`${where}: expected "<name> sha256:<hex> <pattern>[,<pattern>…]"`);
        return;
      }
      if (!NAME.test(name)) problems.push(`${where}: name must be 1-64 letters, digits, ".", "_" or "-"`);
      else if (names.has(name)) problems.push(`${where}: duplicate key name "${name}"`);
      const digest = HASH.exec(hash)?.[1];
      if (!digest) problems.push(`${where}: the hash must be sha256:<64 hex digits> (hash a key with hash-key.js; never store the key itself)`);
      const streams = patterns.split(',').filter((pattern) => pattern !== '');
      if (streams.length === 0 || streams.length > MAX_STREAM_PATTERNS || !streams.every(isStreamPattern)) {
        problems.push(`${where}: streams must be 1-${MAX_STREAM_PATTERNS} comma-separated stream patterns (a-z 0-9 . _ - *)`);
      }
      names.add(name);
      if (digest) entries.push({ name, sha256: Buffer.from(digest, 'hex'), streams: [...new Set(streams)], source: where });
    });
  }
  if (problems.length > 0) throw new KeyMaterialError(problems);
  return { entries };
}

/**
 * The principal of a presented key, or undefined. Compares the key's SHA-256 with every entry using
 * timingSafeEqual and without stopping at a match, so the time taken tells nothing about which entry
 * (or how much of a hash) matched.
 */
export function verifyApiKey(presented: string, ring: ApiKeyRing): Principal | undefined {
  if (presented.length === 0 || presented.length > MAX_API_KEY_CHARS) return undefined;
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKeyEntry | undefined;
  for (const entry of ring.entries) {
    if (timingSafeEqual(digest, entry.sha256) && !found) found = entry;
  }
  return found ? { kind: 'apiKey', id: `apiKey:${found.name}`, streams: found.streams } : undefined;
}
