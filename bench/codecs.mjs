// `npm run bench:codecs`: per codec and level, the compression ratio and compress / decompress speed on the
// demo streams' frames as the compressor sees them (5 s delta frames) and on the same windows as JSON
// (issue #6); plus what the automatic chooser settles on per stream.
import { barChartSvg, buildAndLoad, machine, markdownTable, progress, updateDocSection, writeChart, writeResults } from './lib/report.mjs';
import { demoRecords, windows } from './lib/demo-windows.mjs';

const [demoData, deltaCodec, compression] = buildAndLoad('demo-data', 'delta-codec', 'compression');
const CHOICES = [
  { codec: 'gzip', level: 6 },
  { codec: 'brotli', level: 5 },
  { codec: 'brotli', level: 11 },
  { codec: 'zstd', level: 3 },
  { codec: 'zstd', level: 9 },
  { codec: 'zstd', level: 19 },
  { codec: 'lz4' },
  { codec: 'snappy' },
];
const label = (c) => (c.level === undefined ? c.codec : `${c.codec}:${c.level}`);
/** Each measurement repeats the whole corpus until it has run this long, for stable MB/s. */
const MIN_MEASURE_MS = 300;

const feeds = demoRecords(demoData, 10);
const corpora = [];
for (const feed of Object.values(feeds)) {
  // The compressor's input with the demo's settings (`partitionKey: stream`): 5 s windows of the whole stream, delta-encoded; and
  // the same windows as JSON.
  const parts = windows(feed, 5000);
  corpora.push({ stream: feed.name, form: 'delta frames', payloads: parts.map((records) => deltaCodec.encodeRecords(records, { entityKey: feed.entityKey })) });
  corpora.push({ stream: feed.name, form: 'JSON windows', payloads: parts.map((records) => new TextEncoder().encode(JSON.stringify(records))) });
}

function timed(work) {
  let rounds = 0;
  const started = performance.now();
  do {
    work();
    rounds += 1;
  } while (performance.now() - started < MIN_MEASURE_MS);
  return (performance.now() - started) / rounds;
}

const rows = [];
const bar = progress('codecs × corpora', CHOICES.length * corpora.length);
for (const corpus of corpora) {
  const rawBytes = corpus.payloads.reduce((sum, p) => sum + p.byteLength, 0);
  for (const choice of CHOICES) {
    let compressed = [];
    const compressMs = timed(() => {
      compressed = corpus.payloads.map((p) => compression.compress(choice.codec, p, choice.level));
    });
    const decompressMs = timed(() => {
      compressed.forEach((c, i) => compression.decompress(choice.codec, c, { rawSize: corpus.payloads[i].byteLength, maxBytes: 1 << 26 }));
    });
    const compressedBytes = compressed.reduce((sum, c) => sum + c.byteLength, 0);
    rows.push({
      stream: corpus.stream,
      form: corpus.form,
      codec: label(choice),
      frames: corpus.payloads.length,
      rawBytes,
      compressedBytes,
      ratio: compressedBytes / rawBytes,
      compressMBps: rawBytes / 1e6 / (compressMs / 1000),
      decompressMBps: rawBytes / 1e6 / (decompressMs / 1000),
    });
    bar.tick();
  }
}
bar.end();

// The automatic chooser on each stream's delta frames, in order, as the compressor runs it.
const auto = [];
for (const corpus of corpora.filter((c) => c.form === 'delta frames')) {
  const chooser = new compression.AutoCodecChooser();
  const used = new Map();
  for (const payload of corpus.payloads) {
    const frame = compression.compressFrame(payload, { codec: 'auto' }, chooser);
    used.set(frame.codec, (used.get(frame.codec) ?? 0) + 1);
  }
  auto.push({ stream: corpus.stream, settledOn: compression.choiceKey(chooser.current), switches: chooser.switches, framesByCodec: Object.fromEntries(used) });
}

const file = writeResults('codecs', { corpus: '10 simulated minutes of the demo streams, 5 s windows', machine: machine(), rows, auto });
const deltaRows = rows.filter((r) => r.form === 'delta frames');
const streams = [...new Set(rows.map((r) => r.stream))];
const ratioChart = writeChart(
  'codecs-ratio.svg',
  barChartSvg({
    title: 'Compressed ÷ raw on 5 s delta frames (lower is better)',
    unit: 'ratio',
    categories: CHOICES.map(label),
    series: streams.map((stream) => ({ name: stream, values: CHOICES.map((c) => deltaRows.find((r) => r.stream === stream && r.codec === label(c))?.ratio ?? NaN) })),
    format: (v) => v.toFixed(3),
  }),
);
const speedChart = writeChart(
  'codecs-speed.svg',
  barChartSvg({
    title: 'Compression speed on 5 s delta frames (sensors)',
    unit: 'MB/s of raw input',
    log: true,
    categories: CHOICES.map(label),
    series: [
      { name: 'compress', values: CHOICES.map((c) => deltaRows.find((r) => r.stream === 'sensors' && r.codec === label(c))?.compressMBps ?? NaN) },
      { name: 'decompress', values: CHOICES.map((c) => deltaRows.find((r) => r.stream === 'sensors' && r.codec === label(c))?.decompressMBps ?? NaN) },
    ],
    format: (v) => v.toFixed(0),
  }),
);
const table = markdownTable(
  ['stream', 'input', 'codec', 'avg frame (B)', 'ratio', 'compress MB/s', 'decompress MB/s'],
  rows.map((r) => [r.stream, r.form, r.codec, (r.rawBytes / r.frames).toFixed(0), r.ratio.toFixed(3), r.compressMBps.toFixed(0), r.decompressMBps.toFixed(0)]),
);
const m = machine();
updateDocSection(
  'codecs',
  `## Codecs (\`npm run bench:codecs\`)

Every codec on the frames the compressor actually sees with the demo's settings (\`partitionKey: stream\`) — 5 s windows of the demo
streams, delta-encoded — and, for comparison, on the same windows as JSON. Ratio = compressed ÷ raw
(lower is better); speeds in MB/s of raw input, single-threaded, repeated for ≥ ${MIN_MEASURE_MS} ms each.
Delta frames are already dense (about a kilobyte per 5 s window), so codecs win far less on them than on
JSON — which is why frames under \`minBytes\` (256 B) go uncompressed and \`auto\` weighs CPU against bytes
saved. Speeds are per call on such small inputs, so fixed per-call costs dominate the MB/s.

![ratio per codec](benchmarks/codecs-ratio.svg)
![speed per codec](benchmarks/codecs-speed.svg)

${table}

\`auto\` (AutoCodecChooser, default candidates) over each stream's frames, in order:

${markdownTable(['stream', 'settled on', 'switches', 'frames by codec'], auto.map((a) => [a.stream, a.settledOn, String(a.switches), Object.entries(a.framesByCodec).map(([c, n]) => `${c} ${n}`).join(', ')]))}

Measured ${m.date} on ${m.cpus} × ${m.cpuModel}, Node ${m.node}. Raw data: \`${file}\`.`,
);
console.log(`codecs: ${file}, ${ratioChart}, ${speedChart}, docs/benchmarks.md updated`);
for (const r of deltaRows) console.log(`  ${r.stream.padEnd(8)} ${r.codec.padEnd(10)} ratio ${r.ratio.toFixed(3)}  ${r.compressMBps.toFixed(0).padStart(5)} MB/s in  ${r.decompressMBps.toFixed(0).padStart(5)} MB/s out`);
console.log(auto);
