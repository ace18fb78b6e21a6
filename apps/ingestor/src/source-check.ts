// `npm run source:check -- <source-id> [--config <suite.yaml>]`: fetches one page of a source with its real
// configuration (URL, headers and secrets, paths, cursor start) and prints what the ingestor would extract
// per record, what it would dead-letter and why, the next request, and hints where the paths do not match.
// Writes nothing (no Kafka, no Redis). Exit: 0 usable, 1 not usable (nothing accepted), 2 fetch failed,
// 78 invalid configuration.
import { parseArgs } from 'node:util';
import { checkPage, firstRequest, type PageCheck, type PageRequest } from '@deltastream/ingest';
import { loadSuiteConfig, resolveSecret, SuiteConfigError, type SourceConfig } from '@deltastream/suite-config';
import { defaultFetchPolicy, HttpPageFetcher } from './upstream/http-page-fetcher';
import { upstreamAuth, type UpstreamAuth } from './upstream/upstream-auth';

const EXIT_UNUSABLE = 1;
const EXIT_FETCH_FAILED = 2;
const EXIT_CONFIG = 78;

const out = (line = '') => process.stdout.write(`${line}\n`);

function urlOf(request: PageRequest): string {
  const url = new URL(request.url);
  for (const [key, value] of Object.entries(request.query)) url.searchParams.set(key, value);
  return url.toString();
}

function print(source: SourceConfig, check: PageCheck, url: string): void {
  out(`source ${source.id} → stream ${source.stream}`);
  out(`GET ${url}`);
  if (check.records === undefined) {
    out('no records array found');
  } else {
    out(`${check.records} records: ${check.accepted.length} accepted, ${check.refused.length} would be dead-lettered`);
    const shown = check.accepted.slice(0, 10);
    if (shown.length > 0) out('\naccepted (first 10): entity id | version | cursor | event time');
    for (const r of shown) out(`  ${r.entityId} | ${r.version} | ${r.cursorValue ?? '–'} | ${r.occurredAtMs === undefined ? '–' : new Date(r.occurredAtMs).toISOString()}`);
    const byReason = new Map<string, number[]>();
    for (const r of check.refused) byReason.set(`${r.kind}: ${r.reason.replace(/record \S+ /, 'record ')}`, [...(byReason.get(`${r.kind}: ${r.reason.replace(/record \S+ /, 'record ')}`) ?? []), r.index]);
    if (byReason.size > 0) out('\nwould be dead-lettered:');
    for (const [reason, indexes] of byReason) out(`  ${indexes.length} × ${reason} (records ${indexes.slice(0, 5).join(', ')}${indexes.length > 5 ? ', …' : ''})`);
  }
  out(`\nnext request: ${check.next ? urlOf(check.next) : 'this page again, after the poll interval'}`);
  if (check.hints.length > 0) {
    out('\nhints:');
    for (const hint of check.hints) out(`  - ${hint}`);
  }
  out(`\n${check.usable ? 'usable' : 'NOT usable: nothing on this page would be ingested'}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  const file = values.config ?? process.env['DELTASTREAM_CONFIG'] ?? 'config/deltastream.yaml';
  if (values.help || positionals.length !== 1) {
    process.stderr.write('usage: npm run source:check -- <source-id> [--config <suite.yaml>]  (default: $DELTASTREAM_CONFIG or config/deltastream.yaml)\n');
    return values.help ? 0 : EXIT_FETCH_FAILED;
  }
  let source: SourceConfig | undefined;
  let headers: Record<string, string>;
  let auth: UpstreamAuth | undefined;
  try {
    const suite = loadSuiteConfig(file);
    source = suite.sources.find((s) => s.id === positionals[0]);
    if (!source) {
      process.stderr.write(`no source "${positionals[0]}" in ${file}; sources: ${suite.sources.map((s) => s.id).join(', ') || '(none)'}\n`);
      return EXIT_CONFIG;
    }
    headers = Object.fromEntries(Object.entries(source.headers).map(([name, ref]) => [name, resolveSecret(ref)]));
    auth = upstreamAuth(source.auth, source.timeoutMs);
  } catch (error) {
    process.stderr.write(`${error instanceof SuiteConfigError ? error.message : (error as Error).message}\n`);
    return EXIT_CONFIG;
  }
  const request = firstRequest(source);
  const url = urlOf(request);
  const fetcher = new HttpPageFetcher(headers, { ...defaultFetchPolicy, maxAttempts: 1 }, Date.now, auth ? { auth } : {});
  let result;
  try {
    result = await fetcher.fetch({ url: request.url, query: request.query, timeoutMs: source.timeoutMs, maxBytes: source.maxResponseBytes, maxDepth: source.maxJsonDepth });
  } catch (error) {
    process.stderr.write(`GET ${url} failed: ${(error as Error).message}\n`);
    return EXIT_FETCH_FAILED;
  }
  if (result.kind !== 'page') {
    process.stderr.write(`GET ${url}: ${result.kind === 'not_modified' ? '304 Not Modified' : `${result.rejectKind}: ${result.reason}`}\n`);
    return EXIT_FETCH_FAILED;
  }
  const check = checkPage(source, result.body, result.headers);
  print(source, check, url);
  return check.usable ? 0 : EXIT_UNUSABLE;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(EXIT_FETCH_FAILED);
  },
);
