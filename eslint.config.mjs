// Lint: typescript-eslint recommended rules plus Nx module boundaries. The boundaries keep the
// data-path layering honest: apps wire things; adapters talk to Kafka/Redis/HTTP; domain libs are pure
// (no Nest, Kafka, Redis imports) and contracts depend on nothing of ours.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nx from '@nx/eslint-plugin';

// The boundary rule reads Nx's cached project graph and silently skips itself when there is none (a bare
// `eslint .` on a fresh clone): build the graph first, so the boundaries hold however eslint is invoked.
const root = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(root, '.nx/workspace-data/project-graph.json'))) {
  const nxPackage = createRequire(import.meta.url).resolve('nx/package.json');
  const nxBin = path.join(path.dirname(nxPackage), JSON.parse(readFileSync(nxPackage, 'utf8')).bin.nx);
  execFileSync(process.execPath, [nxBin, 'show', 'projects'], { cwd: root, stdio: 'ignore', env: { ...process.env, NX_DAEMON: 'false' } });
}

const infraPackages = ['@nestjs/*', 'kafkajs', 'ioredis', '@grpc/*', 'ws', 'express', '@platformatic/*'];
// Domain libraries also take no telemetry or logging: they return what happened; adapters record it.
const domainBannedPackages = [...infraPackages, '@opentelemetry/*', 'pino'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', 'libs/contracts/src/gen/**', '.cache/**', '.stack/**', '.nx/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:contracts'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:contracts'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: domainBannedPackages,
            },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: infraPackages },
          ],
        },
      ],
      // Focused or skipped tests never land: they silently shrink what `npm test` checks.
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].flatMap((object) => [
          { object, property: 'only', message: 'Focused tests never land.' },
          { object, property: 'skip', message: 'Skipped tests never land: fix or delete the test.' },
        ]),
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fdescribe', message: 'Focused tests never land.' },
        { name: 'fit', message: 'Focused tests never land.' },
        { name: 'xdescribe', message: 'Skipped tests never land.' },
        { name: 'xit', message: 'Skipped tests never land.' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The delta decoder also runs in browsers (client SDK): no Node built-ins, no Buffer/process.
    files: ['libs/delta-codec/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'zlib', 'crypto', 'buffer', 'stream', 'util'], message: 'delta-codec runs in browsers: use web-standard APIs only.' }] }],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'Use Uint8Array (browser-safe).' }, { name: 'process', message: 'No process in browsers.' }],
    },
  },
  {
    // The client SDK runs in browsers (its Node extras — the `ws` package, node:zlib — are reached only
    // through dynamic imports): no Node built-ins, no Buffer/process. Specs and their fake edge are Node-only.
    files: ['libs/client/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/client/src/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'zlib', 'crypto', 'buffer', 'stream', 'util', 'http', 'https', 'net', 'events', 'ws'], message: 'the client SDK runs in browsers: use web-standard APIs only.' }] }],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'Use Uint8Array (browser-safe).' }, { name: 'process', message: 'No process in browsers.' }],
    },
  },
];
