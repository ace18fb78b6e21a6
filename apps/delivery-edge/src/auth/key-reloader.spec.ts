import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@deltastream/observability';
import { loadKeyMaterial } from './key-material';
import { KeyReloader } from './key-reloader';

describe('KeyReloader', () => {
  it('adopts changed key files, keeps the keys in use when a reload is broken, and reports each outcome', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-reload-'));
    writeFileSync(path.join(dir, 'old.hs256'), 'o'.repeat(32));
    const initial = loadKeyMaterial({ jwtKeysDir: dir });
    if (!initial.ok) throw new Error('expected keys');
    const outcomes: string[] = [];
    const reloader = new KeyReloader({ sources: { jwtKeysDir: dir }, initial: initial.material, intervalMs: 0, logger: createLogger('reload-test', 'silent'), onReload: (o) => outcomes.push(o) });

    reloader.reload();
    expect(outcomes).toEqual([]);
    writeFileSync(path.join(dir, 'new.hs256'), 'n'.repeat(32));
    reloader.reload();
    expect(reloader.current.jwt.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    writeFileSync(path.join(dir, 'broken.hs256'), 'short');
    reloader.reload();
    expect(reloader.current.jwt.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(outcomes).toEqual(['changed', 'failed']);
  });
});
