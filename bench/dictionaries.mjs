// `npm run bench:dictionaries`: would per-stream zstd dictionaries pay on real feeds (issue #21)? Offline,
// on the corpus (bench/lib/corpus.mjs) cut into the windows the bandwidth bench uses: each window is
// delta-encoded, and the form the compressor would keep (the smaller of delta and JSON after zstd:3) is the
// baseline. A dictionary is the raw content of the stream's last K kept payloads (zstd accepts any bytes as
// a "raw content" dictionary; node:zlib has no dictionary trainer), built once K windows exist and rebuilt
// every R windows. A client pays for each dictionary once (sent zstd:19-compressed), so the "net" column
// adds that transfer to the frames: it is what a client that stays for this whole feed receives. Every
// window is decompressed with its dictionary and compared, so the numbers are lossless.
import { isDeepStrictEqual } from 'node:util';
import zlib from 'node:zlib';
import { corpusFeeds } from './lib/corpus.mjs';
import { buildAndLoad, machine, markdownTable, updateDocSection, writeResults } from './lib/report.mjs';

const [deltaCodec] = buildAndLoad('delta-codec');
const WINDOW_S = 2;
const MAX_DICTIONARY = 64 * 1024;
const PLANS = [
  { keep: 4, rebuildEvery: Infinity },
  { keep: 8, rebuildEvery: Infinity },
  { keep: 4, rebuildEvery: 16 },
];

const level = (n) => ({ params: { [zlib.constants.ZSTD_c_compressionLevel]: n } });
const zstd = (bytes, n, dictionary) => zlib.zstdCompressSync(bytes, { ...level(n), ...(dictionary ? { dictionary } : {}) });
const brotli11 = (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

const rows = [];
for (const feed of corpusFeeds()) {
  const perWindow = feed.rate * WINDOW_S;
  const windows = [];
  for (let i = 0; i < feed.records.length; i += perWindow) {
    const records = feed.records.slice(i, i + perWindow);
    const delta = Buffer.from(deltaCodec.encodeRecords(records, { entityKey: feed.entityField }));
    if (!isDeepStrictEqual(deltaCodec.decodeRecords(delta), records)) throw new Error(`LOSSY: ${feed.name}`);
    windows.push({ events: records.length, delta, json: Buffer.from(JSON.stringify(records)) });
  }
  const events = windows.reduce((sum, w) => sum + w.events, 0);
  const baseline = windows.reduce((sum, w) => sum + Math.min(zstd(w.delta, 3).length, zstd(w.json, 3).length), 0);
  const brotli = windows.reduce((sum, w) => sum + brotli11(w.json), 0);
  for (const plan of PLANS) {
    const kept = [];
    let dictionary;
    let sinceBuild = 0;
    let frames = 0;
    let transfer = 0;
    let dictionaries = 0;
    for (const w of windows) {
      const forms = [w.delta, w.json].map((raw) => ({ raw, compressed: zstd(raw, 3, dictionary) }));
      const best = forms[0].compressed.length <= forms[1].compressed.length ? forms[0] : forms[1];
      const back = zlib.zstdDecompressSync(best.compressed, dictionary ? { dictionary } : {});
      if (!back.equals(best.raw)) throw new Error(`LOSSY: ${feed.name} with a dictionary`);
      frames += best.compressed.length;
      kept.push(best.raw);
      if (kept.length > plan.keep) kept.shift();
      sinceBuild++;
      if ((dictionary === undefined && kept.length >= plan.keep) || sinceBuild >= plan.rebuildEvery) {
        dictionary = Buffer.concat(kept).subarray(-MAX_DICTIONARY);
        transfer += zstd(dictionary, 19).length;
        dictionaries++;
        sinceBuild = 0;
      }
    }
    rows.push({
      stream: feed.name,
      events,
      windows: windows.length,
      plan: `last ${plan.keep} windows${plan.rebuildEvery === Infinity ? ', built once' : `, rebuilt every ${plan.rebuildEvery}`}`,
      dictionaries,
      baselineBytesPerEvent: baseline / events,
      framesBytesPerEvent: frames / events,
      netBytesPerEvent: (frames + transfer) / events,
      brotliBatchBytesPerEvent: brotli / events,
    });
  }
}

const file = writeResults('dictionaries', { windowS: WINDOW_S, maxDictionaryBytes: MAX_DICTIONARY, machine: machine(), rows });
const fmt = (v) => v.toFixed(1);
const pct = (v, base) => `${v <= base ? '−' : '+'}${Math.abs((100 * (v - base)) / base).toFixed(0)}%`;
const table = markdownTable(
  ['stream', 'events', 'dictionary', 'without (B/event)', 'frames with it', 'net of transfer', 'vs without', 'JSON batch + brotli 11'],
  rows.map((r) => [r.stream, r.events, r.plan, fmt(r.baselineBytesPerEvent), fmt(r.framesBytesPerEvent), `**${fmt(r.netBytesPerEvent)}**`, pct(r.netBytesPerEvent, r.baselineBytesPerEvent), fmt(r.brotliBatchBytesPerEvent)]),
);
const m = machine();
updateDocSection(
  'dictionaries',
  `## Dictionaries, measured before building them (\`npm run bench:dictionaries\`)

Would per-stream zstd dictionaries pay on real feeds? Offline, on the corpus streams in ${WINDOW_S} s windows: the
baseline is what the compressor sends today (the smaller of the delta and JSON forms after zstd:3); a dictionary
is the raw content of the stream's last kept payloads (≤ ${MAX_DICTIONARY / 1024} KiB; zstd takes any bytes as a "raw content"
dictionary, and node:zlib has no trainer). Each client pays for each dictionary once (zstd:19), so "net" is what a
client that stays for the whole feed receives. Lossless: every window is decompressed with its dictionary and compared.

${table}

Measured ${m.date} on ${m.cpus} × ${m.cpuModel}, Node ${m.node}. Raw data: \`${file}\`.`,
);
console.log(`dictionaries: ${file}, docs/benchmarks.md updated`);
for (const r of rows) console.log(`  ${r.stream.padEnd(12)} ${r.plan.padEnd(34)} without ${fmt(r.baselineBytesPerEvent).padStart(6)}  frames ${fmt(r.framesBytesPerEvent).padStart(6)}  net ${fmt(r.netBytesPerEvent).padStart(6)}  (${pct(r.netBytesPerEvent, r.baselineBytesPerEvent)})  brotli batch ${fmt(r.brotliBatchBytesPerEvent)}`);
