import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashApiKey } from '@deltastream/access';
import { loadKeyMaterial } from './key-material';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A directory laid out like a mounted Kubernetes Secret: files are links into a hidden ..data directory. */
function secretMount(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-keys-'));
  const data = path.join(dir, '..2026_01_01_00_00_00.000000000');
  mkdirSync(data);
  symlinkSync(path.basename(data), path.join(dir, '..data'));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(data, name), text);
    symlinkSync(path.join('..data', name), path.join(dir, name));
  }
  return dir;
}

describe('loadKeyMaterial', () => {
  it('reads key directories mounted from Kubernetes Secrets, env secrets and API key files', () => {
    const jwtDir = secretMount({ 'issuer.pem': spki, 'svc.hs256': 's'.repeat(40) });
    const apiDir = secretMount({ keys: `billing ${hashApiKey('k1')} sensors\n` });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-api-')), 'more-keys');
    writeFileSync(file, `reports ${hashApiKey('k2')} *\n`);
    const loaded = loadKeyMaterial({ jwtKeysDir: jwtDir, jwtHs256Secret: 'e'.repeat(32), apiKeysDir: apiDir, apiKeysFile: file });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    expect(loaded.material.jwt.keys.map((k) => k.kid ?? k.source)).toEqual(['issuer', 'svc', 'AUTH_JWT_HS256_SECRET']);
    expect(loaded.material.apiKeys.entries.map((e) => e.name)).toEqual(['billing', 'reports']);
  });

  it('changes its fingerprint only when an input changes', () => {
    const dir = secretMount({ 'a.hs256': 'a'.repeat(32) });
    const first = loadKeyMaterial({ jwtKeysDir: dir });
    const second = loadKeyMaterial({ jwtKeysDir: dir });
    writeFileSync(path.join(dir, 'a.hs256'), 'b'.repeat(32));
    const third = loadKeyMaterial({ jwtKeysDir: dir });
    if (!first.ok || !second.ok || !third.ok) throw new Error('expected keys');
    expect(second.material.fingerprint).toBe(first.material.fingerprint);
    expect(third.material.fingerprint).not.toBe(first.material.fingerprint);
  });

  it('names the variable and the file of every problem', () => {
    const loaded = loadKeyMaterial({ jwtKeysDir: '/nonexistent/jwt', jwtHs256Secret: 'short', apiKeysFile: '/nonexistent/api', jwtJwksFile: '/nonexistent/x.jwks.json' });
    expect(loaded).toEqual({
      ok: false,
      problems: [
        { variable: 'AUTH_JWT_KEYS_DIR', message: '/nonexistent/jwt cannot be read: ENOENT' },
        { variable: 'AUTH_JWT_JWKS_FILE', message: '/nonexistent/x.jwks.json cannot be read: ENOENT' },
        { variable: 'AUTH_JWT_HS256_SECRET', message: 'AUTH_JWT_HS256_SECRET: an HS256 secret needs at least 32 bytes (has 5)' },
        { variable: 'AUTH_API_KEYS_FILE', message: '/nonexistent/api cannot be read: ENOENT' },
      ],
    });
  });

  it('has no keys when nothing is configured (anonymous streams only)', () => {
    const loaded = loadKeyMaterial({});
    expect(loaded.ok && loaded.material.jwt.keys.length + loaded.material.apiKeys.entries.length).toBe(0);
  });
});
