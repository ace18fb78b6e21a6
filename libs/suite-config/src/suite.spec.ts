import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSuiteConfig, parseSuiteConfig, resolveSecret, SuiteConfigError } from './index';

const minimal = `
version: 1
sources:
  - id: demo-sensors
    stream: sensors
    url: http://127.0.0.1:8090/v1/sensors/changes
    recordsPath: records
    cursor: { mode: field, field: timestamp, param: since }
  - id: demo-trades
    stream: trades
    url: http://127.0.0.1:8090/v1/trades
    recordsPath: trades
    entityIdField: symbol
    cursor: { mode: token, param: cursor, path: next_cursor }
streams:
  - name: sensors
    window: { ms: 5000 }
`;

function problemsOf(text: string): readonly string[] {
  try {
    parseSuiteConfig(text);
  } catch (error) {
    if (error instanceof SuiteConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a SuiteConfigError');
}

describe('suite configuration', () => {
  it('fills defaults for a minimal file', () => {
    const suite = parseSuiteConfig(minimal);
    const [sensors, trades] = suite.sources;
    expect(sensors).toMatchObject({ id: 'demo-sensors', entityIdField: 'id', versionField: 'version', pollIntervalMs: 1000, maxResponseBytes: 16 * 1024 * 1024, page: { param: 'limit', size: 1000 } });
    expect(sensors).toMatchObject({ partitionKey: 'entity', changesPerRecord: 1, recordFormat: 'struct' });
    expect(sensors?.cursor).toEqual({ mode: 'field', field: 'timestamp', param: 'since', initial: '1970-01-01T00:00:00.000Z', format: 'iso8601', overlap: 5000 });
    expect(trades?.cursor).toMatchObject({ mode: 'token', from: 'body', path: 'next_cursor', overlapPages: 2 });
    expect(suite.streams[0]?.window).toMatchObject({ ms: 5000, mode: 'all', allowedLatenessMs: 1000 });
    expect(suite.streams[0]?.access).toEqual({ anonymous: false });
  });

  it('reads per-stream access, private unless marked anonymous', () => {
    const suite = parseSuiteConfig(`${minimal}    access: { anonymous: true }\n  - name: trades\n`);
    expect(suite.streams.map((s) => [s.name, s.access.anonymous])).toEqual([
      ['sensors', true],
      ['trades', false],
    ]);
    expect(problemsOf(`${minimal}    access: { anonymous: yes-please }\n`)).toEqual([expect.stringMatching(/^streams\.0\.access\.anonymous: /)]);
    expect(problemsOf(`${minimal}    access: { public: true }\n`)).toEqual([expect.stringMatching(/^streams\.0\.access: .*public/)]);
  });

  it('names each problem by its path', () => {
    const problems = problemsOf(`
version: 1
sources:
  - id: Bad Id
    stream: s
    url: ftp://x
    cursor: { mode: sometimes, param: since }
    pollIntervalMs: -5
    surprise: true
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sources\.0\.id: use 1–63 lowercase/),
        expect.stringMatching(/^sources\.0\.url: /),
        expect.stringMatching(/^sources\.0\.cursor\.mode: /),
        expect.stringMatching(/^sources\.0\.pollIntervalMs: /),
        expect.stringMatching(/^sources\.0: .*surprise/),
      ]),
    );
  });

  it('reads how a source writes its records, and names a wrong value', () => {
    const suite = parseSuiteConfig(minimal.replace('recordsPath: records', 'recordsPath: records\n    recordFormat: json\n    changesPerRecord: 500'));
    expect(suite.sources[0]).toMatchObject({ recordFormat: 'json', changesPerRecord: 500 });
    expect(problemsOf(minimal.replace('recordsPath: records', 'recordsPath: records\n    recordFormat: yaml'))).toEqual([expect.stringMatching(/^sources\.0\.recordFormat: .*"struct".*"json"/)]);
  });

  const quakes = (fields: string) => `
version: 1
sources:
  - id: quakes
    stream: quakes
    url: http://127.0.0.1:9/feed
    recordsPath: features
${fields}
`;

  it('reads paths and composite ids wherever a field is named, and refuses malformed ones by their path', () => {
    const suite = parseSuiteConfig(
      quakes(`    entityIdField: [properties.net, /properties/code]
    versionField: properties.updated
    occurredAtField: /properties/time
    cursor: { mode: field, field: properties.updated, param: since, format: epoch-ms }`),
    );
    expect(suite.sources[0]).toMatchObject({ entityIdField: ['properties.net', '/properties/code'], versionField: 'properties.updated', occurredAtField: '/properties/time' });
    const problems = problemsOf(
      quakes(`    entityIdField: properties..id
    versionField: /a~2
    cursor: { mode: token, param: page, path: meta..next }`),
    );
    expect([...problems].sort()).toEqual([
      expect.stringMatching(/^sources\.0\.cursor\.path: .*empty segment/),
      expect.stringMatching(/^sources\.0\.entityIdField: .*empty segment/),
      expect.stringMatching(/^sources\.0\.versionField: .*JSON Pointer/),
    ]);
  });

  it('gives a field cursor the start of time in its own format, and refuses an initial value it could never use', () => {
    const cursorOf = (cursor: string) => parseSuiteConfig(quakes(`    cursor: ${cursor}`)).sources[0]?.cursor;
    expect(cursorOf('{ mode: field, field: updated, param: since, format: epoch-ms }')).toMatchObject({ initial: 0 });
    expect(cursorOf('{ mode: field, field: updated, param: since, format: epoch-s }')).toMatchObject({ initial: 0 });
    expect(cursorOf('{ mode: field, field: updated, param: since, format: number }')).toMatchObject({ initial: 0 });
    expect(cursorOf('{ mode: field, field: updated, param: since }')).toMatchObject({ initial: '1970-01-01T00:00:00.000Z' });
    expect(cursorOf('{ mode: field, field: updated, param: since, format: epoch-ms, initial: "1717000000000" }')).toMatchObject({ initial: '1717000000000' });
    expect(problemsOf(quakes('    cursor: { mode: field, field: updated, param: since, format: epoch-ms, initial: "2024-01-01T00:00:00Z" }'))).toEqual([
      expect.stringMatching(/^sources\.0\.cursor\.initial: "2024-01-01T00:00:00Z" is not a valid epoch-ms value/),
    ]);
    expect(problemsOf(quakes('    cursor: { mode: field, field: updated, param: since, initial: 0 }'))).toEqual([expect.stringMatching(/^sources\.0\.cursor\.initial: 0 is not a valid iso8601 value/)]);
  });

  it('reads a snapshot source: no cursor needed (Link headers followed), a field cursor refused, a cursor still required otherwise', () => {
    const source = parseSuiteConfig(quakes('    snapshot: {}')).sources[0];
    expect(source?.snapshot).toEqual({ tombstones: true, deletedField: '$deleted', deleteAfterWalks: 2, maxEntities: 100_000, maxDeleteFraction: 0.5 });
    expect(source?.cursor).toMatchObject({ mode: 'link', from: 'header', rel: 'next' });
    expect(parseSuiteConfig(quakes('    snapshot: { tombstones: false }\n    cursor: { mode: page, param: page }')).sources[0]?.cursor).toMatchObject({ mode: 'page' });
    expect(problemsOf(quakes('    snapshot: {}\n    cursor: { mode: field, field: updated, param: since }'))).toEqual([expect.stringMatching(/^sources\.0\.cursor\.mode: a snapshot source walks the whole list/)]);
    expect(problemsOf(quakes('    versionField: v'))).toEqual([expect.stringMatching(/^sources\.0\.cursor: required \(or `snapshot`/)]);
    expect(problemsOf(quakes('    snapshot: { maxDeleteFraction: 2 }'))).toEqual([expect.stringMatching(/^sources\.0\.snapshot\.maxDeleteFraction/)]);
  });

  it('refuses duplicate source ids and stream names', () => {
    const text = `${minimal}  - name: sensors\n`.replace('id: demo-trades', 'id: demo-sensors');
    expect(problemsOf(text)).toEqual(['sources.1.id: duplicate source id "demo-sensors"', 'streams.1.name: duplicate stream "sensors"']);
  });

  it('reports YAML syntax errors and unreadable files clearly', () => {
    expect(problemsOf('version: [1')[0]).toMatch(/^not valid YAML: /);
    expect(() => loadSuiteConfig('/nonexistent/deltastream.yaml')).toThrow(/cannot be read: ENOENT/);
  });

  it('loads the file shipped in config/ (what npm start uses)', () => {
    const suite = loadSuiteConfig(path.resolve(__dirname, '../../../config/deltastream.yaml'));
    expect(suite.sources.map((s) => s.id)).toEqual(expect.arrayContaining(['demo-sensors', 'demo-trades']));
    // The demo streams are readable without a token, so `npm start` works out of the box.
    expect(suite.streams.every((s) => s.access.anonymous)).toBe(true);
  });
});

describe('resolveSecret', () => {
  it('reads env and files, and names the missing reference without its value', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-secret-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, 's3cret\n');
    expect(resolveSecret({ fromFile: file })).toBe('s3cret');
    expect(resolveSecret({ fromEnv: 'DS_TEST_TOKEN' }, { DS_TEST_TOKEN: 'abc' })).toBe('abc');
    expect(resolveSecret({ value: 'inline' })).toBe('inline');
    expect(() => resolveSecret({ fromEnv: 'DS_MISSING' }, {})).toThrow('environment variable DS_MISSING is not set');
    expect(() => resolveSecret({ fromFile: path.join(dir, 'nope') })).toThrow(/secret file .* cannot be read: ENOENT/);
  });
});
