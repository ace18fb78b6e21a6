// Compiles apps/ and libs/ to dist/ with swc (type-checking is `npm run typecheck`, done by tsc).
// Import aliases (@deltastream/*) are rewritten to relative paths, so `node dist/apps/<app>/src/main.js`
// runs without a resolver hook.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { root, swcConfig } = require('./swc-config.cjs');

const dist = path.join(root, 'dist');
// Build beside dist/ and swap it in, so services started from dist/ meanwhile (another terminal's
// tests, `npm start`) never see a half-written tree.
const staging = path.join(root, `.dist-staging-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const configFile = path.join(staging, '.swcrc');
writeFileSync(configFile, JSON.stringify({ ...swcConfig({ rewriteAliases: true }), exclude: ['\\.spec\\.ts$', '\\.int-spec\\.ts$'] }));

const started = Date.now();
const result = spawnSync(
  'swc',
  ['apps', 'libs', '-d', path.basename(staging), '--config-file', configFile, '--quiet'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}` } },
);
if (result.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  console.error('build: swc failed');
  process.exit(result.status ?? 1);
}
const retired = `${staging}-old`;
if (existsSync(dist)) renameSync(dist, retired);
renameSync(staging, dist);
rmSync(retired, { recursive: true, force: true });
console.log(`build: compiled apps/ and libs/ to dist/ in ${Date.now() - started} ms`);
