// The npm package as a user gets it: built by the `package` target, packed, installed from the tarball
// into a directory outside the repository with `npm install --offline` (it has no dependencies), and
// examples/node-subscribe.mjs run from there against the real edge — on Node 24 (global WebSocket) and
// on the system's Node 20 (no WebSocket: SSE, or the `ws` package when installed). Then the browser
// example's server: its module graph resolves and it passes WebSocket and SSE through to the edge; and the
// page itself in headless Chromium (puppeteer-core driving the Debian package's browser).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { eventually, freePort } from '@deltastream/testing';
import { EdgeScenario, recordsFor } from './edge-fixture';

const root = path.resolve(__dirname, '../../..');
const started: ChildProcess[] = [];
let scenario: EdgeScenario;
let work: string;

/** The system's Node 20 (the repo's scripts run Node 24), when this machine has one. */
function systemNode20(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (version.status === 0 && version.stdout.startsWith('v20.')) return candidate;
  }
  return undefined;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Runs a Node script to its end (or kills it after `timeoutMs`); resolves with its exit code and output. */
function runScript(node: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A user's project with the tarball installed (and, when asked, the `ws` package beside it). */
function userProject(tarball: string, withWs: boolean): string {
  const dir = mkdtempSync(path.join(work, withWs ? 'with-ws-' : 'plain-'));
  run('npm', ['init', '-y'], dir);
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], dir);
  // `ws` has no dependencies of its own: copying it is what `npm install ws` would leave.
  if (withWs) cpSync(path.join(root, 'node_modules/ws'), path.join(dir, 'node_modules/ws'), { recursive: true });
  cpSync(path.join(root, 'examples/node-subscribe.mjs'), path.join(dir, 'node-subscribe.mjs'));
  return dir;
}

/** What node-subscribe.mjs prints for frames 1..n of `sensors`. */
function expectedOutput(n: number): string[] {
  const lines: string[] = [];
  for (let seq = 1; seq <= n; seq++) {
    lines.push(`sensors #${seq}: 3 records`);
    for (const record of recordsFor(seq)) lines.push(`  ${JSON.stringify(record)}`);
  }
  return lines;
}

const printed = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => line.replace(/^(sensors #\d+: \d+ records).*$/, '$1'));

let tarball: string;
let plain: string;
let withWs: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deltastream-client-pkg-'));
  run(process.execPath, [path.join(root, 'libs/client/scripts/package.mjs')], root);
  run('npm', ['pack', '--pack-destination', work], path.join(root, 'dist/packages/client'));
  const name = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!name) throw new Error('npm pack made no tarball');
  tarball = path.join(work, name);
  plain = userProject(tarball, false);
  withWs = userProject(tarball, true);
  scenario = await new EdgeScenario().setUp();
  await scenario.produce('sensors', 1, 5);
  // For the browser page: zstd frames take the client's pure-JS decoder (DecompressionStream has no zstd).
  // `trades` because the edge serves the streams of its suite config (the demo's by default).
  await scenario.produce('trades', 1, 4, { codec: 'zstd' });
  await scenario.startEdge();
}, 180_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await scenario?.tearDown();
  rmSync(work, { recursive: true, force: true });
});

describe('@deltastream/client as an installed package', () => {
  it('installs offline with nothing but itself, and exposes ESM with types', () => {
    const installed = path.join(plain, 'node_modules');
    expect(readdirSync(installed).filter((entry) => !entry.startsWith('.'))).toEqual(['@deltastream']);
    expect(readdirSync(path.join(installed, '@deltastream/client'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'package.json', 'README.md', 'vendor', 'internal']));
  });

  it('examples/node-subscribe.mjs prints the records on Node 24 (global WebSocket)', async () => {
    const result = await runScript(process.execPath, ['node-subscribe.mjs', '--url', scenario.url, '--from', 'earliest', '--frames', '3'], plain);
    expect(result.stderr).toContain('connected over websocket');
    expect(printed(result.stdout)).toEqual(expectedOutput(3));
    expect(result.stderr).toContain('positions: {"sensors":3}');
    expect(result.code).toBe(0);
  });

  it('examples/node-subscribe.mjs on the system Node 20: SSE without `ws`, WebSocket with it', async () => {
    const node20 = systemNode20();
    if (!node20) throw new Error('no Node 20 at /usr/bin/node or /usr/local/bin/node: the package promises Node >= 20, so this must be checked');
    const sse = await runScript(node20, ['node-subscribe.mjs', '--url', scenario.url, '--from', 'earliest', '--frames', '3'], plain);
    expect(sse.stderr).toContain('connected over sse');
    expect(printed(sse.stdout)).toEqual(expectedOutput(3));
    const ws = await runScript(node20, ['node-subscribe.mjs', '--url', scenario.url, '--from', '2', '--frames', '2'], withWs);
    expect(ws.stderr).toContain('connected over websocket');
    expect(printed(ws.stdout)).toEqual(expectedOutput(4).slice(8));
  });

  it('the browser example server resolves the whole module graph and passes WebSocket and SSE through to the edge', async () => {
    const base = await startExampleServer();

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("import { createClient } from '/client/index.js'");
    // Every module a browser would load, following the import statements from the entry point.
    const seen = new Set<string>();
    const queue = [`${base}/client/index.js`];
    while (queue.length > 0) {
      const url = queue.pop() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await fetch(url);
      expect([url, response.status, response.headers.get('content-type')]).toEqual([url, 200, 'text/javascript; charset=utf-8']);
      for (const match of (await response.text()).matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const specifier = match[1] ?? match[2] ?? '';
        expect(specifier.startsWith('.')).toBe(true); // no bare specifiers: loadable without an import map
        queue.push(new URL(specifier, url).toString());
      }
    }
    expect(seen.size).toBeGreaterThan(30);

    for (const transport of ['websocket', 'sse']) {
      const result = await runScript(process.execPath, ['node-subscribe.mjs', '--url', base, '--from', 'earliest', '--frames', '2', '--transport', transport], plain);
      expect(result.stderr).toContain(`connected over ${transport}`);
      expect(printed(result.stdout)).toEqual(expectedOutput(2));
    }
  });

  it('the browser page in headless Chromium: live over WebSocket and over SSE, gzip and zstd frames decoded, the table shows every entity’s latest state', async () => {
    const base = await startExampleServer();

    const browser = await puppeteer.launch({ executablePath: chromium(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      for (const [query, transport, stream, frames] of [
        ['stream=sensors&from=earliest', 'websocket', 'sensors', 5],
        ['stream=sensors&from=earliest&transport=sse', 'sse', 'sensors', 5],
        ['stream=trades&key=id&from=earliest', 'websocket', 'trades', 4],
      ] as const) {
        const context = await browser.createBrowserContext(); // fresh localStorage: no stored position
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (error) => problems.push(String(error)));
        page.on('console', (message) => message.type() === 'error' && problems.push(`${message.text()} ${message.location().url ?? ''}`));
        await page.goto(`${base}/?${query}`);
        await page.waitForFunction((n: number) => document.getElementById('counters')?.textContent?.startsWith(`${n} frames`), { timeout: 30_000 }, frames).catch(async (error: unknown) => {
          const state = await page.evaluate(() => ['status', 'counters', 'log'].map((id) => document.getElementById(id)?.textContent).join(' | '));
          throw new Error(`${query}: ${frames} frames not shown (${String(error)}); page: ${state}; problems: ${problems.join('; ')}`);
        });
        const shown = await page.evaluate(() => ({
          status: document.getElementById('status')?.textContent,
          head: Array.from(document.querySelectorAll('#head th'), (th) => th.textContent),
          rows: Array.from(document.querySelectorAll('#rows tr'), (tr) => Array.from(tr.children, (td) => td.textContent)),
          log: document.getElementById('log')?.textContent ?? '',
        }));
        expect({ stream, status: shown.status, problems, log: shown.log }).toEqual({ stream, status: `live over ${transport}`, problems: [], log: '' });
        const latest = new Map<string, Record<string, unknown>>();
        for (let seq = 1; seq <= frames; seq++) for (const record of recordsFor(seq)) latest.set(String(record['id']), { ...latest.get(String(record['id'])), ...record });
        expect(shown.head).toEqual(['id', 'seq', 'temp', 'note']);
        expect(shown.rows).toEqual([...latest.keys()].sort().map((id) => ['id', 'seq', 'temp', 'note'].map((column) => String(latest.get(id)?.[column]))));
        await context.close();
      }
    } finally {
      await browser.close();
    }
  });
});

/** examples/serve.mjs in front of the scenario's edge, listening; its base URL. */
async function startExampleServer(): Promise<string> {
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(root, 'examples/serve.mjs'), '--port', String(port), '--edge', scenario.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(server);
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => output.includes('browser example:'), 10_000, () => 'serve.mjs to listen');
  return `http://127.0.0.1:${port}`;
}

/** Chromium for the browser test: CHROMIUM_PATH, else the Debian package's (.ci/run installs it). */
function chromium(): string {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => c !== undefined && c !== '');
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: install the Debian package \`chromium\` (what .ci/run does) or set CHROMIUM_PATH — the package promises browsers, so this must be checked`);
  return found;
}
