import { etagMatches, strongEtag } from './http-reply';

describe('ETags', () => {
  it('are strong, quoted and follow the body', () => {
    const a = strongEtag('{"records":[]}');
    expect(a).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(strongEtag('{"records":[]}')).toBe(a);
    expect(strongEtag('{"records":[1]}')).not.toBe(a);
  });

  it('match If-None-Match lists, weak forms and *', () => {
    const tag = strongEtag('x');
    expect(etagMatches(undefined, tag)).toBe(false);
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`"other", ${tag}`, tag)).toBe(true);
    expect(etagMatches(`W/${tag}`, tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(true);
    expect(etagMatches('"other"', tag)).toBe(false);
  });
});
