/**
 * The browser Origin allow-list of the edge. Non-browser clients send no Origin and are not subject to
 * it (they can send any header anyway); browsers always send one on WebSocket upgrades, so the list
 * decides which web pages may open connections with their users' tokens.
 */
export interface OriginPolicy {
  /** `*`: any origin (development only). */
  readonly any: boolean;
  /** Exact origins, `scheme://host[:port]` lower case, default ports removed. */
  readonly exact: ReadonlySet<string>;
  /** `scheme://*.example.com` entries, stored as [scheme, '.example.com']. */
  readonly subdomains: readonly (readonly [string, string])[];
}

export type OriginListResult = { readonly ok: true; readonly policy: OriginPolicy } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parses a comma-separated list: `*`, exact origins (`https://app.example.com`, `http://127.0.0.1:5173`)
 * and subdomain wildcards (`https://*.example.com`, which does not match `https://example.com` itself).
 * Empty: same-origin pages only (see originAllowed).
 */
export function parseOriginList(value: string): OriginListResult {
  const exact = new Set<string>();
  const subdomains: Array<readonly [string, string]> = [];
  const problems: string[] = [];
  let any = false;
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    if (entry === '*') {
      any = true;
      continue;
    }
    const wildcard = /^(https?):\/\/\*\.([a-z0-9.-]+(?::\d{1,5})?)$/i.exec(entry);
    if (wildcard?.[1] && wildcard[2]) {
      subdomains.push([wildcard[1].toLowerCase(), `.${wildcard[2].toLowerCase()}`]);
      continue;
    }
    const normalized = normalizeOrigin(entry);
    if (normalized === undefined) problems.push(`"${entry}" is not an origin (scheme://host[:port], no path)`);
    else exact.add(normalized);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy: { any, exact, subdomains } };
}

/**
 * Whether a request with this `Origin` (undefined: header absent) may connect. Absent: yes (not a
 * browser). `null` (sandboxed frames, file: pages): no, unless the list is `*`. Same origin as the
 * request — same `Host`, and the same scheme when the request's scheme is known — : yes (a page served by
 * the same host; an `http:` page of the host is not the origin of its `https:` edge). Otherwise it must be
 * listed.
 */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined, scheme?: 'http' | 'https'): boolean {
  if (origin === undefined) return true;
  if (policy.any) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (policy.exact.has(normalized)) return true;
  const url = new URL(normalized);
  if (host !== undefined && url.host === host.toLowerCase() && (scheme === undefined || url.protocol === `${scheme}:`)) return true;
  return policy.subdomains.some(([scheme, suffix]) => url.protocol === `${scheme}:` && url.host.endsWith(suffix));
}

function normalizeOrigin(value: string): string | undefined {
  if (value === 'null' || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return undefined;
    // An Origin header never carries a path; `new URL` adds "/" to bare origins, so compare without it.
    if (!/^https?:\/\/[^/]+\/?$/i.test(value)) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
