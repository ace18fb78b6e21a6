// How fast the packaged SDK turns received Frame bytes into records: parseFrame + decodeFrame (inflate,
// CRC32C, delta decode) per codec, on sensor-like frames made by the real compressor code — with the
// browser decoders (DecompressionStream, fzstd) and with node:zlib, which the client uses on Node.
//
//   npm run build && npx nx run client:package && node libs/client/scripts/bench-decode.mjs [frames] [records]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const require = createRequire(import.meta.url);
const { create, toBinary } = require('@bufbuild/protobuf');
const { FrameSchema } = require(path.join(root, 'dist/libs/contracts/src/index.js'));
const { compressFrame, toProtoCodec } = require(path.join(root, 'dist/libs/compression/src/index.js'));
const { encodeRecords } = require(path.join(root, 'dist/libs/delta-codec/src/index.js'));
const { parseFrame, decodeFrame, runtimeDecompressors, nodeDecompressors } = await import(path.join(root, 'dist/packages/client/index.js'));

const frameCount = Number(process.argv[2] ?? 400);
const perFrame = Number(process.argv[3] ?? 50);

function records(seq) {
  return Array.from({ length: perFrame }, (_, i) => ({
    id: `sensor-${String(i).padStart(3, '0')}`,
    version: seq * perFrame + i,
    timestamp: new Date(1_767_225_600_000 + seq * 5000 + i * 37).toISOString(),
    temp: Math.round((20 + Math.sin(seq / 7 + i) * 5) * 100) / 100,
    humidity: Math.round((50 + Math.cos(seq / 11 + i) * 10) * 10) / 10,
    battery: 100 - ((seq + i) % 40),
    status: (seq + i) % 17 === 0 ? 'degraded' : 'ok',
  }));
}

function frames(codec) {
  return Array.from({ length: frameCount }, (_, seq) => {
    const raw = encodeRecords(records(seq), { entityKey: 'id' });
    const c = compressFrame(raw, { codec, minBytes: 0, fallback: false });
    return toBinary(
      FrameSchema,
      create(FrameSchema, { stream: 'sensors', seq: BigInt(seq + 1), encoding: 2, codec: toProtoCodec(c.codec), rawSize: c.rawSize, payload: c.payload, checksum: { algorithm: 1, value: BigInt(c.checksum) } }),
    );
  });
}

const web = runtimeDecompressors();
const node = { ...web, ...(await nodeDecompressors()) };
console.log(`node ${process.version}, ${frameCount} frames × ${perFrame} records; µs per frame (parse + inflate + CRC32C + decode)`);

async function measure(decompressors, input) {
  const options = { decompressors, maxFrameBytes: 64 << 20, verifyChecksums: true };
  let records = 0;
  for (let round = 0; round < 3; round++) {
    // Rounds 0 and 1 warm the JIT up; round 2 is measured.
    const started = performance.now();
    records = 0;
    for (const bytes of input) records += (await decodeFrame(parseFrame(bytes), options)).records.length;
    if (round === 2) return { ms: performance.now() - started, records };
  }
  throw new Error('unreachable');
}

for (const codec of ['none', 'gzip', 'zstd', 'brotli']) {
  let input;
  try {
    input = frames(codec);
  } catch (error) {
    console.log(`${codec.padEnd(6)} (cannot make ${codec} frames on this Node: ${error.message})`);
    continue;
  }
  const size = input.reduce((n, b) => n + b.length, 0) / frameCount;
  const cells = [];
  for (const [name, decompressors] of [['browser', web], ['node:zlib', node]]) {
    if (!decompressors[codec]) {
      cells.push(`${name}: —`);
      continue;
    }
    const { ms, records } = await measure(decompressors, input);
    cells.push(`${name}: ${((ms / frameCount) * 1000).toFixed(0).padStart(4)} µs (${((records / ms) * 1000 / 1e6).toFixed(2)} M records/s)`);
  }
  console.log(`${codec.padEnd(6)} ${size.toFixed(0).padStart(5)} B/frame   ${cells.join('   ')}`);
}
