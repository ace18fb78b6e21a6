import { originAllowed, parseOriginList, type OriginPolicy } from './origin';
import { requestScheme } from './limits';

function policy(list: string): OriginPolicy {
  const parsed = parseOriginList(list);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.policy;
}

describe('Origin allow-list', () => {
  it('lets non-browser clients (no Origin) through and same-origin pages by default', () => {
    const none = policy('');
    expect(originAllowed(none, undefined, 'edge:8080')).toBe(true);
    expect(originAllowed(none, 'http://edge:8080', 'edge:8080')).toBe(true);
    expect(originAllowed(none, 'https://evil.example', 'edge:8080')).toBe(false);
    expect(originAllowed(none, 'null', 'edge:8080')).toBe(false);
  });

  it('matches listed origins exactly (scheme, host, port) and subdomain wildcards', () => {
    const list = policy('https://app.example.com, http://127.0.0.1:5173, https://*.example.org');
    expect(originAllowed(list, 'https://app.example.com', 'edge')).toBe(true);
    expect(originAllowed(list, 'https://APP.example.com:443', 'edge')).toBe(true);
    expect(originAllowed(list, 'http://app.example.com', 'edge')).toBe(false);
    expect(originAllowed(list, 'https://app.example.com.evil.io', 'edge')).toBe(false);
    expect(originAllowed(list, 'http://127.0.0.1:5173', 'edge')).toBe(true);
    expect(originAllowed(list, 'http://127.0.0.1:5174', 'edge')).toBe(false);
    expect(originAllowed(list, 'https://a.b.example.org', 'edge')).toBe(true);
    expect(originAllowed(list, 'https://example.org', 'edge')).toBe(false);
    expect(originAllowed(list, 'https://evilexample.org', 'edge')).toBe(false);
    expect(originAllowed(list, 'https://app.example.com/path', 'edge')).toBe(false);
  });

  it('`*` allows every origin', () => {
    expect(originAllowed(policy('*'), 'https://anything.example', 'edge')).toBe(true);
  });

  it('refuses entries that are not origins', () => {
    expect(parseOriginList('https://a.example/path, ftp://x, example.com')).toEqual({ ok: false, problems: [expect.stringContaining('a.example/path'), expect.stringContaining('ftp://x'), expect.stringContaining('example.com')] });
  });
});

describe('same-origin check knows the scheme', () => {
  const none = { any: false, exact: new Set<string>(), subdomains: [] };
  it('an http page of the host is not the origin of its https edge, and vice versa', () => {
    expect(originAllowed(none, 'https://edge.example.com', 'edge.example.com', 'https')).toBe(true);
    expect(originAllowed(none, 'http://edge.example.com', 'edge.example.com', 'https')).toBe(false);
    expect(originAllowed(none, 'https://edge.example.com', 'edge.example.com', 'http')).toBe(false);
    // Scheme unknown (behind a proxy that does not say): the host alone decides, as before.
    expect(originAllowed(none, 'http://edge.example.com', 'edge.example.com')).toBe(true);
  });
});

describe('requestScheme', () => {
  it('is the socket’s directly, and the nearest trusted proxy’s X-Forwarded-Proto behind proxies', () => {
    expect(requestScheme(true, undefined, 0)).toBe('https');
    expect(requestScheme(false, 'https', 0)).toBe('http'); // a client-written header is not trusted
    expect(requestScheme(false, 'https', 1)).toBe('https');
    expect(requestScheme(false, 'http, https', 1)).toBe('https');
    expect(requestScheme(false, undefined, 1)).toBeUndefined();
    expect(requestScheme(false, 'ftp', 1)).toBeUndefined();
  });
});
