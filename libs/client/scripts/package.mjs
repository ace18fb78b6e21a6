// Builds the npm package @deltastream/client into dist/packages/client: ES modules + .d.ts, with
// everything it needs from the monorepo inside (the delta decoder, CRC32C, the pure-JS zstd decoder), so
// a user installs one tarball with no dependencies (the `ws` package is an optional peer for Node < 22).
//
// No bundler is installed here, so: the sources are copied to a staging tree, their imports rewritten to
// relative ES module paths (`.js` endings, monorepo aliases → ./internal/…, fzstd → ./vendor/…), and tsc
// compiles that tree with `types: []` and the DOM lib only — a Node API on the client's path fails the build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const out = path.join(root, 'dist/packages/client');
const staging = mkdtempSync(path.join(os.tmpdir(), 'deltastream-client-package-'));
const src = path.join(staging, 'src');

/** Copies the .ts sources of `from` (recursively, without specs and test helpers) to `to`. */
function copySources(from, to, skip = () => false) {
  for (const entry of readdirSync(from)) {
    const source = path.join(from, entry);
    if (skip(entry)) continue;
    if (statSync(source).isDirectory()) copySources(source, path.join(to, entry), skip);
    else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(source, path.join(to, entry));
    }
  }
}

copySources(path.join(root, 'libs/client/src'), src, (entry) => entry === 'testing');
copySources(path.join(root, 'libs/delta-codec/src'), path.join(src, 'internal/delta-codec'), (entry) => entry === 'fixtures');
mkdirSync(path.join(src, 'vendor'), { recursive: true });
cpSync(path.join(root, 'libs/compression/src/crc32c.ts'), path.join(src, 'internal/crc32c.ts'));
cpSync(path.join(root, 'node_modules/fzstd/lib/index.d.ts'), path.join(src, 'vendor/fzstd.d.ts'));

/** Bare specifiers that must resolve inside the package. */
const internal = {
  '@deltastream/delta-codec': 'internal/delta-codec/index.js',
  '@deltastream/compression/crc32c': 'internal/crc32c.js',
  fzstd: 'vendor/fzstd.js',
};

function rewrite(file) {
  const dir = path.dirname(file);
  const text = readFileSync(file, 'utf8').replace(/(from\s+|import\(\s*)(['"])([^'"]+)\2/g, (match, lead, quote, specifier) => {
    let target;
    if (internal[specifier]) {
      target = path.relative(dir, path.join(src, internal[specifier]));
      if (!target.startsWith('.')) target = `./${target}`;
    } else if (specifier.startsWith('.')) {
      const base = path.join(dir, specifier);
      target = existsSync(`${base}.ts`) ? `${specifier}.js` : existsSync(path.join(base, 'index.ts')) ? `${specifier}/index.js` : undefined;
      if (target === undefined) throw new Error(`${path.relative(staging, file)}: cannot resolve ${specifier}`);
    } else if (specifier.startsWith('@deltastream/')) {
      throw new Error(`${path.relative(staging, file)} imports ${specifier}, which the package does not contain`);
    } else return match;
    return `${lead}${quote}${target.split(path.sep).join('/')}${quote}`;
  });
  writeFileSync(file, text);
}

function walk(dir, visit) {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) walk(file, visit);
    else if (file.endsWith('.ts') && !file.endsWith('.d.ts')) visit(file);
  }
}
walk(src, rewrite);

writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ type: 'module' }));
writeFileSync(
  path.join(staging, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      noEmitOnError: true,
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      isolatedModules: true,
      skipLibCheck: true,
      declaration: true,
      removeComments: false,
      outDir: out,
      rootDir: 'src',
    },
    include: ['src'],
  }),
);

rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', staging], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error(`package: tsc failed (staging kept in ${staging})`);
  process.exit(tsc.status ?? 1);
}
rmSync(staging, { recursive: true, force: true });

cpSync(path.join(root, 'node_modules/fzstd/esm/index.mjs'), path.join(out, 'vendor/fzstd.js'));
cpSync(path.join(root, 'node_modules/fzstd/lib/index.d.ts'), path.join(out, 'vendor/fzstd.d.ts'));
cpSync(path.join(root, 'node_modules/fzstd/LICENSE'), path.join(out, 'vendor/fzstd.LICENSE'));
cpSync(path.join(root, 'libs/client/README.md'), path.join(out, 'README.md'));

const monorepo = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const fzstd = JSON.parse(readFileSync(path.join(root, 'node_modules/fzstd/package.json'), 'utf8'));
writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify(
    {
      name: '@deltastream/client',
      version: monorepo.version,
      description: 'Deltastream client SDK for browsers and Node 20+: WebSocket (SSE fallback), delta-frame decoding, checksums, resume by seq without duplicates.',
      license: monorepo.license,
      type: 'module',
      main: './index.js',
      types: './index.d.ts',
      exports: { '.': { types: './index.d.ts', import: './index.js', default: './index.js' }, './package.json': './package.json' },
      engines: { node: '>=20' },
      sideEffects: false,
      files: ['**/*.js', '**/*.d.ts', 'vendor/', 'README.md'],
      // Node < 22 has no global WebSocket: the client imports `ws` when it is installed, else uses SSE.
      peerDependencies: { ws: '^8.0.0' },
      peerDependenciesMeta: { ws: { optional: true } },
      // Bundled, not depended on: vendor/fzstd.js is fzstd (MIT, see vendor/fzstd.LICENSE).
      bundledSources: { fzstd: fzstd.version },
      keywords: ['deltastream', 'websocket', 'sse', 'streaming', 'delta', 'client'],
    },
    null,
    2,
  )}\n`,
);
console.log(`package: @deltastream/client ${monorepo.version} → ${path.relative(root, out)}`);
