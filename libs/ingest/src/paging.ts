// How each cursor mode asks for a page and moves on: field (max of a record field), token (an opaque next-page
// token), link (the next page's URL: a Link header or a URL in the body) and page (numbers or offsets). Pure:
// the poller (and `source check`) call these with what they fetched.
import type { SourceConfig } from '@deltastream/suite-config';
import { cursorFrom, maxCursor, requestCursor, type FieldCursor } from './cursor';
import type { StoredCursor } from './ports';
import { atPath, type AcceptedRecord } from './records';

/** One page request: the URL (the source's, or a followed link) and the query to add. */
export interface PageRequest {
  readonly url: string;
  readonly query: Readonly<Record<string, string>>;
  /** The request's identity: what ETags and pages fetched ahead are matched by. */
  readonly key: string;
}

export interface Advance {
  readonly next: StoredCursor;
  /** Nothing more to fetch right now: wait the poll interval. */
  readonly caughtUp: boolean;
  /** Why a next page that was offered is not followed (a link to another origin), for a dead letter. */
  readonly refusedLink?: string;
}

/** Where a source with no stored cursor starts. */
export function initialCursor(source: SourceConfig): StoredCursor {
  const { cursor } = source;
  switch (cursor.mode) {
    case 'token':
      return { value: cursor.initial ?? '', position: 0 };
    case 'link':
      return { value: '', position: 0 };
    case 'page':
      return { value: String(cursor.start), position: 0 };
    case 'field': {
      const initial = cursorFrom(cursor.initial, cursor.format);
      // The suite schema refuses such a value at boot; this guards configs built by hand (tests).
      if (initial === undefined) throw new Error(`source ${source.id}: cursor.initial ${String(cursor.initial)} is not a valid ${cursor.format} value`);
      return initial;
    }
  }
}

/** The request for the page at `stored`. A followed link is fetched as it is (its query already says what it wants). */
export function pageRequest(source: SourceConfig, stored: StoredCursor, pageSize: number, recovering: boolean): PageRequest {
  const { cursor } = source;
  if (cursor.mode === 'link' && stored.value !== '') return { url: stored.value, query: {}, key: stored.value };
  const query: Record<string, string> = { [source.page.param]: String(pageSize) };
  if (cursor.mode === 'field') query[cursor.param] = requestCursor(stored, cursor, recovering);
  else if (cursor.mode === 'token' && stored.value !== '') query[cursor.param] = stored.value;
  else if (cursor.mode === 'page') query[cursor.param] = stored.value;
  return { url: source.url, query, key: JSON.stringify(query) };
}

/** The URL of relation `rel` in an RFC 8288 Link header (`<https://…?page=2>; rel="next", <…>; rel="last"`). */
export function linkRelation(header: string | undefined, rel: string): string | undefined {
  if (header === undefined) return undefined;
  // Parameters may hold quoted strings with commas and semicolons (`title="a, b"`).
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*(?:[^;,<"]|"[^"]*")+)*)/g)) {
    const params = match[2] ?? '';
    for (const param of params.matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/gi)) {
      const rels = (param[1] ?? param[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes(rel.toLowerCase())) return match[1];
    }
  }
  return undefined;
}

/** Whether the body's has-more flag (when the source names one) says more pages follow. */
function hasMore(source: SourceConfig, body: unknown): boolean | undefined {
  if (source.hasMorePath === undefined) return undefined;
  const flag = atPath(body, source.hasMorePath);
  return flag === true || flag === 'true' || flag === 1;
}

/** Where the cursor goes after a page, and whether the source is caught up. */
export function advance(
  source: SourceConfig,
  stored: StoredCursor,
  page: { readonly body: unknown; readonly headers: Readonly<Record<string, string>>; readonly url: string; readonly records: number; readonly accepted: readonly AcceptedRecord[] },
  pageFull: boolean,
): Advance {
  const { cursor } = source;
  const more = hasMore(source, page.body) ?? pageFull;
  switch (cursor.mode) {
    case 'field': {
      let next: FieldCursor = stored;
      for (const record of page.accepted) {
        if (record.position !== undefined && record.cursorValue !== undefined) next = maxCursor(next, { value: record.cursorValue, position: record.position });
      }
      return { next, caughtUp: !pageFull };
    }
    case 'token': {
      const raw = cursor.from === 'header' ? page.headers[cursor.path.toLowerCase()] : atPath(page.body, cursor.path);
      const token = typeof raw === 'string' && raw !== '' ? raw : undefined;
      if (token === undefined || token === stored.value) return { next: stored, caughtUp: true };
      return { next: { value: token, position: stored.position + 1 }, caughtUp: !more };
    }
    case 'page': {
      if (!more || page.records === 0) return { next: stored, caughtUp: true };
      const step = cursor.style === 'number' ? 1 : page.records;
      return { next: { value: String(Number(stored.value) + step), position: stored.position + 1 }, caughtUp: false };
    }
    case 'link': {
      const raw = cursor.from === 'header' ? linkRelation(page.headers['link'], cursor.rel) : atPath(page.body, cursor.path ?? '');
      if (typeof raw !== 'string' || raw === '') return { next: stored, caughtUp: true };
      let url: URL;
      try {
        url = new URL(raw, page.url);
      } catch {
        return { next: stored, caughtUp: true, refusedLink: `next link ${JSON.stringify(raw)} is not a URL` };
      }
      // The source's credentials go with every request: never to another origin.
      if (url.origin !== new URL(source.url).origin) return { next: stored, caughtUp: true, refusedLink: `next link ${url.href} leaves the source's origin ${new URL(source.url).origin}; not followed` };
      if (url.href === stored.value) return { next: stored, caughtUp: true };
      return { next: { value: url.href, position: stored.position + 1 }, caughtUp: false };
    }
  }
}
