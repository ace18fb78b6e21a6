import { parseSuiteConfig, type SourceConfig } from '@deltastream/suite-config';
import { checkPage } from './source-check';

function source(fields: string): SourceConfig {
  const [parsed] = parseSuiteConfig(`
version: 1
sources:
  - id: quakes
    stream: quakes
    url: http://127.0.0.1:9/feed
${fields}
`).sources;
  if (!parsed) throw new Error('no source');
  return parsed;
}

/** A GeoJSON feed: records under `features`, identity and version nested, cursor in epoch ms. */
const feed = {
  type: 'FeatureCollection',
  metadata: { count: 3 },
  features: [1, 2, 3].map((i) => ({ type: 'Feature', id: `us${i}`, properties: { updated: 1717000000000 + i, mag: i / 2 } })),
};

describe('checkPage', () => {
  it('says where the records and the fields really are when the paths are top-level guesses', () => {
    const guessed = checkPage(source('    recordsPath: items\n    cursor: { mode: field, field: updated, param: since, format: epoch-ms }'), feed, {});
    expect(guessed.usable).toBe(false);
    expect(guessed.hints).toEqual([expect.stringMatching(/^"items" is not an array; arrays in the response: "features" \(3\)/)]);

    const check = checkPage(source('    recordsPath: features\n    cursor: { mode: field, field: updated, param: since, format: epoch-ms }'), feed, {});
    expect(check).toMatchObject({ records: 3, usable: false });
    expect(check.refused.map((r) => r.kind)).toEqual(['missing_version', 'missing_version', 'missing_version']);
    expect(check.hints).toContain('version field "version" is missing in 3 of 3 records; no field named "version" anywhere in them');
    expect(check.hints).toContain('cursor field "updated" is missing in 3 of 3 records; found "properties.updated" in 3 of 3 records');
  });

  it('extracts id, version and cursor with the paths it suggested, and gives the next request', () => {
    const check = checkPage(source('    recordsPath: features\n    versionField: properties.updated\n    cursor: { mode: field, field: properties.updated, param: since, format: epoch-ms }'), feed, {});
    expect(check.usable).toBe(true);
    expect(check.accepted.map((r) => [r.entityId, r.version])).toEqual([
      ['us1', '1717000000001'],
      ['us2', '1717000000002'],
      ['us3', '1717000000003'],
    ]);
    expect(check.next?.query).toEqual({ limit: '1000', since: '1717000000002' });
    expect(check.hints).toEqual([]);
  });

  it('warns when a full page has no next token (the source would poll this page again)', () => {
    const check = checkPage(source('    recordsPath: features\n    versionField: properties.updated\n    page: { size: 3 }\n    cursor: { mode: token, param: cursor, path: links.next }'), feed, {});
    expect(check.next).toBeUndefined();
    expect(check.hints).toContain('a full page but no next page from cursor mode token (body "links.next"): the source would poll this page again');
  });

  it('follows a Link header to the next page, and refuses one that leaves the origin', () => {
    const linked = source('    recordsPath: features\n    versionField: properties.updated\n    cursor: { mode: link }');
    const next = checkPage(linked, feed, { link: '<http://127.0.0.1:9/feed?page=2&per_page=3>; rel="next", <http://127.0.0.1:9/feed?page=9>; rel="last"' });
    expect(next.next).toEqual({ url: 'http://127.0.0.1:9/feed?page=2&per_page=3', query: {}, key: 'http://127.0.0.1:9/feed?page=2&per_page=3' });
    const away = checkPage(linked, feed, { link: '<https://elsewhere.example/feed?page=2>; rel="next"' });
    expect(away.next).toBeUndefined();
    expect(away.hints).toContain("next link https://elsewhere.example/feed?page=2 leaves the source's origin http://127.0.0.1:9; not followed");
  });

  it('checks a snapshot source for ids alone (its versions count changes), and warns when the walk would stop at a full page', () => {
    const check = checkPage(source('    recordsPath: features\n    snapshot: {}\n    page: { param: limit, size: 3 }'), feed, {});
    expect(check.usable).toBe(true);
    expect(check.refused).toEqual([]);
    expect(check.accepted.map((r) => [r.entityId, r.version])).toEqual([1, 2, 3].map((i) => [`us${i}`, '(counts changes: 1 when first seen)']));
    expect(check.hints).toEqual([expect.stringMatching(/entities on later pages would be tombstoned$/)]);
  });
});
