import fc from 'fast-check';
import { parseSuiteConfig, type SourceConfig } from '@deltastream/suite-config';
import { advance, initialCursor, linkRelation, pageRequest } from './paging';

function source(cursor: string, extra = ''): SourceConfig {
  const [parsed] = parseSuiteConfig(`
version: 1
sources:
  - id: api
    stream: things
    url: https://api.example.org/v1/items?state=all
    page: { param: per_page, size: 3 }
    cursor: ${cursor}
${extra}`).sources;
  if (!parsed) throw new Error('no source');
  return parsed;
}

const page = (records: number, body: unknown = {}, headers: Record<string, string> = {}, url = 'https://api.example.org/v1/items') => ({ body, headers, url, records, accepted: [] });

describe('linkRelation', () => {
  it('finds the relation among several links, quoted or not, in any case, beside other parameters', () => {
    const header = '<https://api.github.com/repositories/1000/issues?per_page=3&page=2>; rel="next", <https://api.github.com/repositories/1000/issues?per_page=3&page=5>; rel="last"';
    expect(linkRelation(header, 'next')).toBe('https://api.github.com/repositories/1000/issues?per_page=3&page=2');
    expect(linkRelation(header, 'last')).toBe('https://api.github.com/repositories/1000/issues?per_page=3&page=5');
    expect(linkRelation('</p?a=1,2>; title="x, y"; REL=next', 'next')).toBe('/p?a=1,2');
    expect(linkRelation('<https://x/p2>; rel="prev next"', 'next')).toBe('https://x/p2');
    expect(linkRelation('<https://x/p1>; rel="prev"', 'next')).toBeUndefined();
    expect(linkRelation(undefined, 'next')).toBeUndefined();
    expect(linkRelation('garbage;;;<<>>', 'next')).toBeUndefined();
  });

  it('finds the link it was given among any others (property)', () => {
    const url = fc.webUrl().filter((u) => !u.includes('>'));
    fc.assert(
      fc.property(fc.array(fc.tuple(url, fc.constantFrom('prev', 'last', 'first')), { maxLength: 4 }), url, fc.nat({ max: 4 }), (others, next, at) => {
        const links = others.map(([u, rel]) => `<${u}>; rel="${rel}"`);
        links.splice(Math.min(at, links.length), 0, `<${next}>; rel="next"`);
        expect(linkRelation(links.join(', '), 'next')).toBe(next);
      }),
    );
  });
});

describe('paging by Link header', () => {
  const linked = source('{ mode: link }');

  it('starts at the source URL with the page size, then fetches each next link as it is', () => {
    const start = initialCursor(linked);
    expect(pageRequest(linked, start, 3, false)).toEqual({ url: 'https://api.example.org/v1/items?state=all', query: { per_page: '3' }, key: '{"per_page":"3"}' });
    const moved = advance(linked, start, page(3, [], { link: '</v1/items?state=all&page=2>; rel="next"' }), true);
    expect(moved).toEqual({ next: { value: 'https://api.example.org/v1/items?state=all&page=2', position: 1 }, caughtUp: false });
    expect(pageRequest(linked, moved.next, 3, false)).toEqual({ url: 'https://api.example.org/v1/items?state=all&page=2', query: {}, key: 'https://api.example.org/v1/items?state=all&page=2' });
  });

  it('stays on the last page (polled again) and never follows a link to another origin', () => {
    const at = { value: 'https://api.example.org/v1/items?page=5', position: 4 };
    expect(advance(linked, at, page(2), false)).toEqual({ next: at, caughtUp: true });
    expect(advance(linked, at, page(3, [], { link: '<https://evil.example/steal>; rel="next"' }), true)).toMatchObject({ next: at, caughtUp: true, refusedLink: expect.stringMatching(/leaves the source's origin/) });
  });

  it('reads a next URL from the body when told where', () => {
    const inBody = source('{ mode: link, from: body, path: paging.next }');
    expect(advance(inBody, initialCursor(inBody), page(3, { paging: { next: 'https://api.example.org/v1/items?after=abc' } }), true).next.value).toBe('https://api.example.org/v1/items?after=abc');
  });
});

describe('paging by page number or offset', () => {
  it('asks for the next page number while pages come back full, and stays on the last one', () => {
    const numbered = source('{ mode: page }');
    const start = initialCursor(numbered);
    expect(pageRequest(numbered, start, 3, false).query).toEqual({ per_page: '3', page: '1' });
    const second = advance(numbered, start, page(3), true);
    expect(second).toEqual({ next: { value: '2', position: 1 }, caughtUp: false });
    expect(advance(numbered, second.next, page(1), false)).toEqual({ next: second.next, caughtUp: true });
  });

  it('moves an offset by the records received, and follows a has-more flag instead of full pages', () => {
    const offsets = source('{ mode: page, param: offset, style: offset }', '    hasMorePath: meta.has_more');
    const start = initialCursor(offsets);
    expect(start.value).toBe('0');
    expect(advance(offsets, start, page(2, { meta: { has_more: true } }), false).next.value).toBe('2');
    expect(advance(offsets, start, page(3, { meta: { has_more: false } }), true)).toMatchObject({ caughtUp: true, next: start });
  });

  it('lets a token cursor follow a has-more flag too', () => {
    const token = source('{ mode: token, param: starting_after, path: last_id }', '    hasMorePath: has_more');
    const start = initialCursor(token);
    expect(advance(token, start, page(1, { last_id: 'x1', has_more: true }), false)).toEqual({ next: { value: 'x1', position: 1 }, caughtUp: false });
    expect(advance(token, start, page(3, { last_id: 'x3', has_more: false }), true)).toMatchObject({ caughtUp: true });
  });
});
