// `npm run source:check -- <source-id>`: what the ingestor would make of one page of a source, with hints
// where the configured paths do not match the records. Pure: the CLI (apps/ingestor) fetches and prints.
import type { SourceConfig } from '@deltastream/suite-config';
import { formatPosition } from './cursor';
import { advance, initialCursor, pageRequest, type PageRequest } from './paging';
import { acceptRecord, acceptSnapshotRecord, atPath, recordsOf, type AcceptedRecord, type RejectKind } from './records';

export interface PageCheck {
  /** Records found at `recordsPath`, or undefined when there is no array there. */
  readonly records: number | undefined;
  readonly accepted: readonly AcceptedRecord[];
  readonly refused: readonly { readonly index: number; readonly kind: RejectKind; readonly reason: string }[];
  /** The request the next poll would make; undefined when the source would poll this page again. */
  readonly next: PageRequest | undefined;
  readonly hints: readonly string[];
  /** Usable: a page of records of which at least one is accepted (or an empty page: nothing to refuse yet). */
  readonly usable: boolean;
}

const MAX_SEARCH_DEPTH = 6;

/** Paths (dotted, or a JSON Pointer where a key holds a dot) under `value` that end in key `wanted`. */
function pathsEndingIn(value: unknown, wanted: string, prefix: string[] = [], found: string[] = []): string[] {
  if (prefix.length >= MAX_SEARCH_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return found;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const path = [...prefix, key];
    if (key === wanted && child !== null && child !== undefined && typeof child !== 'object') found.push(path.some((k) => k.includes('.') || k.includes('/')) ? `/${path.map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}` : path.join('.'));
    pathsEndingIn(child, wanted, path, found);
  }
  return found;
}

/** Paths under `value` that hold an array (where the records may be). */
function arrayPaths(value: unknown, prefix: string[] = [], found: { path: string; length: number }[] = []): { path: string; length: number }[] {
  if (prefix.length >= MAX_SEARCH_DEPTH || value === null || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    found.push({ path: prefix.join('.'), length: value.length });
    return found;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) arrayPaths(child, [...prefix, key], found);
  return found;
}

/** For a configured path that some records lack: where the same key sits in the records, and how often. */
function hintFor(label: string, configured: string, records: readonly unknown[], missing: number): string | undefined {
  if (missing === 0) return undefined;
  const lastKey = configured.startsWith('/') ? (configured.split('/').at(-1) ?? '').replace(/~1/g, '/').replace(/~0/g, '~') : (configured.split('.').at(-1) ?? '');
  const counts = new Map<string, number>();
  for (const record of records) for (const path of new Set(pathsEndingIn(record, lastKey))) counts.set(path, (counts.get(path) ?? 0) + 1);
  counts.delete(configured);
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  const where = `${label} "${configured}" is missing in ${missing} of ${records.length} records`;
  return best ? `${where}; found "${best[0]}" in ${best[1]} of ${records.length} records` : `${where}; no field named "${lastKey}" anywhere in them`;
}

/** The first request a source makes (no stored cursor). */
export function firstRequest(source: SourceConfig): PageRequest {
  return pageRequest(source, initialCursor(source), source.page.size, false);
}

/** What the ingestor would make of the first page of `source`: `body` and `headers` answered `firstRequest(source)`. */
export function checkPage(source: SourceConfig, body: unknown, headers: Readonly<Record<string, string>>): PageCheck {
  const list = recordsOf(body, source.recordsPath);
  if (!Array.isArray(list)) {
    const arrays = arrayPaths(body).filter((a) => a.length > 0);
    const hint = arrays.length > 0 ? `arrays in the response: ${arrays.map((a) => `"${a.path}" (${a.length})`).join(', ')} — set recordsPath to one of them` : 'the response holds no array at all';
    return { records: undefined, accepted: [], refused: [], next: undefined, hints: [`${list.reason}; ${hint}`], usable: false };
  }
  const accepted: AcceptedRecord[] = [];
  const refused: { index: number; kind: RejectKind; reason: string }[] = [];
  list.forEach((raw, index) => {
    // A snapshot source's versions are not read but derived: they count each entity's changes.
    const checked = source.snapshot === undefined ? acceptRecord(raw, source) : snapshotRecord(raw, source);
    if (checked.ok) accepted.push(checked);
    else refused.push({ index, kind: checked.kind, reason: checked.reason });
  });

  const hints: string[] = [];
  const missingAt = (path: string) => list.filter((r) => atPath(r, path) === undefined).length;
  const idPaths = typeof source.entityIdField === 'string' ? [source.entityIdField] : source.entityIdField;
  for (const path of idPaths) {
    const hint = hintFor('id field', path, list, missingAt(path));
    if (hint) hints.push(hint);
  }
  for (const [label, path] of [
    ['version field', source.snapshot === undefined ? source.versionField : undefined],
    ['cursor field', source.cursor.mode === 'field' ? source.cursor.field : undefined],
    ['event time field', source.occurredAtField],
  ] as const) {
    if (path === undefined) continue;
    const hint = hintFor(label, path, list, missingAt(path));
    if (hint) hints.push(hint);
  }

  const stored = initialCursor(source);
  const request = pageRequest(source, stored, source.page.size, false);
  const moved = advance(source, stored, { body, headers, url: request.url, records: list.length, accepted }, list.length >= source.page.size);
  if (moved.refusedLink) hints.push(moved.refusedLink);
  const next = moved.next === stored && moved.caughtUp ? undefined : pageRequest(source, moved.next, source.page.size, false);
  const { cursor } = source;
  if (cursor.mode === 'field' && moved.next.position === stored.position && list.length > 0) {
    hints.push(`the cursor would not move past ${formatPosition(stored.position, cursor.format)}: no accepted record has a "${cursor.field}" value`);
  }
  if (cursor.mode !== 'field' && next === undefined && list.length >= source.page.size) {
    hints.push(`a full page but no next page from cursor mode ${cursor.mode}${cursor.mode === 'token' ? ` (${cursor.from} "${cursor.path}")` : ''}: ${source.snapshot === undefined ? 'the source would poll this page again' : 'each walk of the list would end here, and entities on later pages would be tombstoned'}`);
  }
  return { records: list.length, accepted, refused, next, hints, usable: list.length === 0 || accepted.length > 0 };
}

function snapshotRecord(raw: unknown, source: SourceConfig): ReturnType<typeof acceptRecord> {
  const checked = acceptSnapshotRecord(raw, source);
  return checked.ok ? { ...checked, version: '(counts changes: 1 when first seen)' } : checked;
}
