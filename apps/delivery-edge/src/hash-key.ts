// API key tool: `node dist/apps/delivery-edge/src/hash-key.js [--name <name>] [--streams <patterns>] [<key> | -]`.
// No key: generates one (printed once, on stderr) — keys are 256-bit random strings, never chosen by hand.
// `-`: reads the key from stdin (keeps it out of shell history and `ps`). Prints the line for the
// API key file (AUTH_API_KEYS_FILE / AUTH_API_KEYS_DIR) on stdout: `<name> sha256:<hex> <patterns>`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateApiKey, hashApiKey, isStreamPattern } from '@deltastream/access';

function main(): number {
  const { values, positionals } = parseArgs({
    options: { name: { type: 'string', default: 'my-service' }, streams: { type: 'string', default: '*' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help || positionals.length > 1) {
    process.stderr.write('usage: hash-key.js [--name <name>] [--streams <pattern,pattern>] [<key> | -]\n');
    return values.help ? 0 : 2;
  }
  const patterns = values.streams.split(',').filter(Boolean);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(values.name) || patterns.length === 0 || !patterns.every(isStreamPattern)) {
    process.stderr.write('--name: 1-64 of A-Z a-z 0-9 . _ -; --streams: comma-separated stream patterns (a-z 0-9 . _ - *)\n');
    return 2;
  }
  let key = positionals[0];
  if (key === '-') key = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (key === undefined) {
    key = generateApiKey();
    process.stderr.write(`new API key (shown once; give it to the client, store only the line below):\n${key}\n\n`);
  } else if (key.length < 32) {
    process.stderr.write('warning: keys shorter than 32 characters are guessable; omit the key to generate one\n');
  }
  process.stdout.write(`${values.name} ${hashApiKey(key)} ${patterns.join(',')}\n`);
  return 0;
}

process.exitCode = main();
