// Shared pieces of the benchmarks: the built libraries, a progress line, an SVG bar chart, results files
// and in-place updates of docs/benchmarks.md sections (between <!-- bench:<name>:start/end --> markers).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`benchmarks need Node.js 24 (this is ${process.version}): run them with npm run bench:<name>, which uses the workspace's Node 24`);
  process.exit(1);
}

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** Builds once (swc, ~1 s) and loads a library from dist/. */
export function buildAndLoad(...libs) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('build failed');
  return libs.map((lib) => require(path.join(root, 'dist/libs', lib, 'src/index.js')));
}

/** A one-line progress indicator with a rate, rewritten in place on a terminal. */
export function progress(label, total) {
  const started = performance.now();
  let done = 0;
  const draw = (final = false) => {
    const seconds = (performance.now() - started) / 1000;
    const width = 24;
    const filled = Math.round((done / total) * width);
    const line = `${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${(done / Math.max(seconds, 1e-3)).toFixed(1)}/s`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
    else if (final) console.log(line);
  };
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    end() {
      draw(true);
    },
  };
}

export function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.arch()}`, date: new Date().toISOString().slice(0, 10) };
}

/** The commit the bench ran on, `+dirty` when the work tree had uncommitted changes to tracked files. */
export function commitSha() {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const sha = git('rev-parse', 'HEAD').stdout.trim() || 'unknown';
  return git('diff', '--quiet', 'HEAD').status === 1 ? `${sha}+dirty` : sha;
}

/**
 * `bench/results/<name>.json` holds the latest run (what the docs show); every run is also appended, one
 * JSON line each with its commit and machine, to `bench/results/<name>.runs.jsonl`, so medians and spread
 * across runs can be computed later.
 */
export function writeResults(name, data) {
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const run = { commit: commitSha(), machine: machine(), at: new Date().toISOString(), ...data };
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  appendFileSync(path.join(dir, `${name}.runs.jsonl`), `${JSON.stringify(run)}\n`);
  return path.relative(root, file);
}

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grouped horizontal bar chart: one group per category, one bar per series. Values are drawn to scale
 * (`log` for ranges spanning orders of magnitude) and printed at the bar's end.
 */
export function barChartSvg({ title, unit, categories, series, log = false, format = (v) => v.toFixed(1) }) {
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
  const barH = 14;
  const gap = 4;
  const groupGap = 14;
  const left = 170;
  const width = 760;
  const plotW = width - left - 90;
  const all = categories.flatMap((_, c) => series.map((s) => s.values[c])).filter((v) => Number.isFinite(v) && v > 0);
  const max = Math.max(...all);
  const min = log ? Math.min(...all) / 2 : 0;
  const scale = (v) => (log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : v / max) * plotW;
  let y = 48;
  const parts = [];
  categories.forEach((category, c) => {
    const groupTop = y;
    series.forEach((s, i) => {
      const v = s.values[c];
      if (!Number.isFinite(v)) return;
      const w = Math.max(1, scale(v));
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colors[i % colors.length]}"/>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11">${escape(format(v))}</text>`);
      y += barH + gap;
    });
    parts.push(`<text x="${left - 8}" y="${((groupTop + y - gap) / 2 + 4).toFixed(1)}" font-size="12" text-anchor="end">${escape(category)}</text>`);
    y += groupGap;
  });
  const legendY = y + 6;
  series.forEach((s, i) => {
    const x = left + i * 140;
    parts.push(`<rect x="${x}" y="${legendY}" width="12" height="12" fill="${colors[i % colors.length]}"/><text x="${x + 16}" y="${legendY + 10}" font-size="11">${escape(s.name)}</text>`);
  });
  const height = legendY + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" font-size="15" text-anchor="middle" font-weight="bold">${escape(title)}</text>
<text x="${width / 2}" y="38" font-size="11" text-anchor="middle" fill="#555">${escape(unit)}${log ? ' (log scale)' : ''}</text>
${parts.join('\n')}
</svg>
`;
}

export function writeChart(file, svg) {
  const target = path.join(root, 'docs/benchmarks', file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, svg);
  return path.relative(root, target);
}

export function markdownTable(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Replaces (or appends) the section between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`. */
export function updateDocSection(name, markdown) {
  const file = path.join(root, 'docs/benchmarks.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text = from >= 0 && to > from ? `${text.slice(0, from)}${block}${text.slice(to + end.length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
