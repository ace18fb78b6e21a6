// Compiles apps/ and libs/ to dist/ with swc (type-checking is `npm run typecheck`, done by tsc).
// Import aliases (@deltastream/*) are rewritten to relative paths, so `node dist/apps/<app>/src/main.js`
// runs without a resolver hook.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { root, swcConfig } = require('./swc-config.cjs');

const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const configFile = path.join(dist, '.swcrc');
writeFileSync(configFile, JSON.stringify({ ...swcConfig({ rewriteAliases: true }), exclude: ['\\.spec\\.ts$', '\\.int-spec\\.ts$'] }));

const started = Date.now();
const result = spawnSync(
  'swc',
  ['apps', 'libs', '-d', 'dist', '--config-file', configFile, '--quiet'],
  { cwd: root, stdio: 'inherit' },
);
if (result.status !== 0) {
  console.error('build: swc failed');
  process.exit(result.status ?? 1);
}
console.log(`build: compiled apps/ and libs/ to dist/ in ${Date.now() - started} ms`);
