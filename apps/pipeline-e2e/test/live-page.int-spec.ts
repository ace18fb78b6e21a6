import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { eventually, freePort, startService, waitForStatus, type RunningService } from '@deltastream/testing';

// The live page `npm start` serves (examples/browser/live.html through examples/serve.mjs, the SDK from the
// built package) in headless Chromium against the real pipeline: the demo upstream, the five services, Kafka
// and Redis. The chart and the tables fill, and the bytes the page says it received agree with what the
// edge's own metrics say it wrote. Screenshots are kept in .cache/screenshots/.

const root = path.resolve(__dirname, '../../..');
const SERVICES = ['ingestor', 'windower', 'enricher', 'compressor', 'delivery-edge'] as const;
const running: RunningService[] = [];
const children: ChildProcess[] = [];
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGTERM');
  for (const service of running.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }
});

/** The repository's own suite file (what `npm start` runs), pointed at this test's demo upstream. */
function suiteFor(demoPort: number): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-live-')), 'deltastream.yaml');
  writeFileSync(file, readFileSync(path.join(root, 'config/deltastream.yaml'), 'utf8').replaceAll('127.0.0.1:8090', `127.0.0.1:${demoPort}`));
  return file;
}

/** Sum of a Prometheus counter's samples matching `labels`, from a /metrics text. */
function counter(metrics: string, name: string, labels: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

function chromium(): string {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => c !== undefined && c !== '');
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: install the Debian package \`chromium\` (what .ci/run does) or set CHROMIUM_PATH`);
  return found;
}

interface PageState {
  events: number;
  frames: number;
  bytes: number;
  naiveBytes: number;
  samples: number;
  chartPoints: Record<string, number>;
  ratio: string;
  status: string;
  streams: Record<string, { stats: string; rows: number; position: number; events: number }>;
}

describe('the live page', () => {
  it('fills its tables and chart in headless Chromium over WebSocket and SSE, and its byte count agrees with the edge', async () => {
    const namespace = `e2e-live-${randomUUID().slice(0, 8)}`;
    const demo = await startService('demo-source', { DEMO_SPEED: '10', DEMO_START: new Date().toISOString(), DEMO_SEED: 'live-page' });
    running.push(demo);
    await waitForStatus(demo, '/readyz', 200, 60_000);
    const env = { TOPIC_NAMESPACE: namespace, DELTASTREAM_CONFIG: suiteFor(demo.port), GRPC_PORT: String(await freePort()) };
    const services = await Promise.all(SERVICES.map((name) => startService(name, env)));
    running.push(...services);
    await Promise.all(services.map((service) => waitForStatus(service, '/readyz', 200, 90_000)));
    const edge = services[SERVICES.indexOf('delivery-edge')] as RunningService;

    if (!existsSync(path.join(root, 'dist/packages/client/index.js'))) {
      const built = spawnSync(process.execPath, [path.join(root, 'libs/client/scripts/package.mjs')], { cwd: root, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`client package: ${built.stderr}`);
    }
    const serve = spawn(process.execPath, [path.join(root, 'examples/serve.mjs'), '--edge', edge.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(serve);
    let printed = '';
    serve.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await eventually(() => /live page: \S+/.test(printed), 10_000, () => `serve.mjs to print the live page's address (printed: ${printed})`);
    const livePage = /live page: (\S+)/.exec(printed)?.[1] ?? '';

    browser = await puppeteer.launch({ executablePath: chromium(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    for (const transport of ['websocket', 'sse'] as const) {
      const protocol = transport === 'websocket' ? 'ws' : 'sse';
      const before = counter(await (await fetch(`${edge.url}/metrics`)).text(), 'deltastream_edge_bytes_delivered_total', `protocol="${protocol}"`);
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      await page.goto(`${livePage}?transport=${transport}&from=earliest`);
      // Both demo streams: every sensor and every symbol shown, several chart samples drawn.
      await page
        .waitForFunction(
          () => {
            const live = (window as unknown as { live?: { samples: unknown[]; streams: Record<string, { entities: number; frames: number }> } }).live;
            return live !== undefined && live.samples.length >= 3 && (live.streams['sensors']?.entities ?? 0) >= 50 && (live.streams['trades']?.entities ?? 0) >= 4 && (live.streams['trades']?.frames ?? 0) >= 3;
          },
          { timeout: 60_000, polling: 250 },
        )
        .catch(async (error: unknown) => {
          const state = await page.evaluate(() => document.body.innerText.slice(0, 600));
          throw new Error(`${transport}: the page did not fill (${String(error)}); page: ${state}; problems: ${problems.join('; ')}`);
        });
      // Close the connection before reading the edge's counter, so both count the same frames.
      const state = await page.evaluate((): PageState => {
        const live = (window as unknown as { live: { events: number; frames: number; bytes: number; naiveBytes: number; samples: unknown[]; streams: Record<string, { position: number; events: number; section: HTMLElement }> }; deltastream: { close(): void } }).live;
        (window as unknown as { deltastream: { close(): void } }).deltastream.close();
        return {
          events: live.events,
          frames: live.frames,
          bytes: live.bytes,
          naiveBytes: live.naiveBytes,
          samples: live.samples.length,
          chartPoints: Object.fromEntries(Array.from(document.querySelectorAll('#chart polyline'), (p) => [(p as SVGElement).dataset['series'] ?? '', (p.getAttribute('points') ?? '').trim().split(/\s+/).length])),
          ratio: document.getElementById('ratio')?.textContent ?? '',
          status: document.getElementById('status')?.textContent ?? '',
          streams: Object.fromEntries(
            Object.entries(live.streams).map(([stream, s]) => [stream, { stats: s.section.querySelector('.stats')?.textContent ?? '', rows: s.section.querySelectorAll('tbody tr').length, position: s.position, events: s.events }]),
          ),
        };
      });
      mkdirSync(path.join(root, '.cache/screenshots'), { recursive: true });
      await page.screenshot({ path: path.join(root, `.cache/screenshots/live-page-${transport}.png`) });
      let edgeBytes = 0;
      await eventually(
        async () => {
          edgeBytes = counter(await (await fetch(`${edge.url}/metrics`)).text(), 'deltastream_edge_bytes_delivered_total', `protocol="${protocol}"`) - before;
          return edgeBytes >= state.bytes * 0.9;
        },
        10_000,
        () => `the edge's bytes_delivered for ${protocol} (${edgeBytes}) to reach what the page counted (${state.bytes})`,
      );
      await context.close();

      expect(problems).toEqual([]);
      expect(state.status).toMatch(new RegExp(`^live over ${transport} · \\d+ frames`));
      expect(state.streams['sensors']?.rows).toBe(50);
      expect(state.streams['trades']?.rows).toBe(4);
      for (const stream of ['sensors', 'trades']) {
        const s = state.streams[stream];
        expect(s?.stats).toMatch(new RegExp(`frames/s · \\d+ events/s · position #${s?.position} · `));
        expect(s?.position).toBeGreaterThan(0);
      }
      expect(state.chartPoints['received']).toBe(state.samples);
      expect(state.chartPoints['naive']).toBe(state.samples);
      // The savings: what the page received (frames + their framing) against the same events as JSON messages.
      expect(state.naiveBytes / state.bytes).toBeGreaterThan(5);
      expect(state.ratio).toBe(`${(state.naiveBytes / state.bytes).toFixed(1)}×`);
      // The edge counts what it wrote to this one client: the frames (and, for SSE, their base64 and event
      // lines, which the page estimates), plus a few notices. Within 10% of each other.
      expect(Math.abs(edgeBytes - state.bytes) / edgeBytes).toBeLessThan(0.1);
    }
  });
});
