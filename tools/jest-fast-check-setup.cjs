// Every unit test file runs with this first (jest `setupFiles`). Property tests draw a fresh seed on each run
// — that is how CI finds counterexamples nobody thought of — and fast-check prints the failing `seed` and
// `path`. Setting them here replays exactly that failure (docs/testing.md):
//   FC_SEED=<seed> FC_PATH=<path> npx jest -c libs/<project>/jest.config.cjs <file> -t '<test name>'
// FC_NUM_RUNS raises (or lowers) the number of runs of every property that does not set its own.
const fc = require('fast-check');

/** @param {string} name @returns {number | undefined} */
function integerFromEnv(name) {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer (fast-check prints it as "seed: …"), got ${JSON.stringify(text)}`);
  return value;
}

const seed = integerFromEnv('FC_SEED');
const numRuns = integerFromEnv('FC_NUM_RUNS');
const path = process.env.FC_PATH?.trim() || undefined;
if (path !== undefined && seed === undefined) throw new Error('FC_PATH replays a failure only together with the FC_SEED it was printed with');
if (path !== undefined && !/^\d+(:\d+)*$/.test(path)) throw new Error(`FC_PATH must look like "12:0:3" (fast-check prints it as "path: …"), got ${JSON.stringify(path)}`);
if (numRuns !== undefined && numRuns < 1) throw new Error(`FC_NUM_RUNS must be at least 1, got ${numRuns}`);

fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  ...(seed !== undefined ? { seed } : {}),
  ...(path !== undefined ? { path } : {}),
  ...(numRuns !== undefined ? { numRuns } : {}),
});
