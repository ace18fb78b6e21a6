#!/usr/bin/env node
// Prints the records of a stream as they arrive from a running delivery edge (`npm start` runs one with
// the demo `sensors` and `trades` streams). Uses the published package: see README.md beside this file.
//
//   node node-subscribe.mjs [--url http://127.0.0.1:8080] [--stream sensors] [--from latest|earliest|<seq>]
//                           [--frames <n>] [--transport auto|websocket|sse] [--token <jwt>]
//
// Ctrl-C prints the positions reached; pass one back as --from <seq> to resume exactly there.
import { parseArgs } from 'node:util';
import { createClient } from '@deltastream/client';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.DELTASTREAM_URL ?? 'http://127.0.0.1:8080' },
    stream: { type: 'string', default: 'sensors' },
    from: { type: 'string', default: 'latest' },
    frames: { type: 'string' },
    transport: { type: 'string', default: 'auto' },
    token: { type: 'string', default: process.env.DELTASTREAM_TOKEN },
  },
});

const from = /^\d+$/.test(args.from) ? { seq: Number(args.from) } : args.from;
const stopAfter = args.frames === undefined ? Infinity : Number(args.frames);
const log = (...parts) => console.error(`[${new Date().toISOString().slice(11, 23)}]`, ...parts);

const client = createClient({
  url: args.url,
  streams: [args.stream],
  from,
  transport: args.transport,
  ...(args.token ? { token: args.token } : {}),
  // The demo streams name their entities `id` (sensors) and `symbol` (trades).
  entityKeys: { trades: 'symbol' },
});

client.on('open', ({ transport, attempt }) => log(`connected over ${transport}${attempt ? ` after ${attempt} failed attempts` : ''}`));
client.on('subscribed', ({ streams }) => log(`subscribed to ${streams.join(', ')}`));
client.on('disconnected', ({ code, reason, reconnectInMs }) => log(`disconnected (${code} ${reason})${reconnectInMs === undefined ? '' : `, reconnecting in ${reconnectInMs} ms`}`));
client.on('resumed', ({ recovered, streams }) => log(`resumed ${JSON.stringify(streams)}: ${recovered ? 'nothing lost' : 'SOME FRAMES ARE LOST (see the gap above)'}`));
client.on('gap', (gap) => log(`gap in ${gap.stream}: seqs ${gap.firstMissingSeq}–${gap.lastMissingSeq} will not arrive (${gap.reason})`));
client.on('error', (error) => log(`${error.fatal ? 'fatal' : 'warning'}: ${error.message}`));
client.on('snapshot', ({ stream, asOfSeq, records }) => {
  console.log(`${stream} snapshot as of #${asOfSeq}: ${records.length} entities`);
  for (const record of records) console.log(`  ${JSON.stringify(record)}`);
});

let frames = 0;
client.on('frame', ({ stream, seq, records, windowStartMs, windowEndMs, minObservedAtMs, codec, bytes }) => {
  const window = `${new Date(windowStartMs).toISOString().slice(11, 19)}–${new Date(windowEndMs).toISOString().slice(11, 19)}`;
  console.log(`${stream} #${seq}: ${records.length} records, window ${window}, ${bytes} bytes ${codec}, ${Date.now() - minObservedAtMs} ms after the first was observed`);
  for (const record of records) console.log(`  ${JSON.stringify(record)}`);
  if (++frames >= stopAfter) void stop();
});

async function stop() {
  await client.close();
  log(`positions: ${JSON.stringify(client.positions())}`);
}

process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
client.on('closed', ({ error }) => {
  process.exitCode = error ? 1 : 0;
});
