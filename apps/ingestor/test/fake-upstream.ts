import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface UpstreamRecord {
  [key: string]: unknown;
  updated_at: string;
}

/** One scripted answer that replaces the normal page for a single request. */
export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'malformed' }
  | { kind: 'oversize'; bytes: number }
  | { kind: 'page'; records: unknown[] };

/**
 * A real HTTP upstream with a field cursor (`since` exclusive, ordered by updated_at then id) whose
 * answers tests can script: error storms, 429 with Retry-After, malformed and oversize bodies, bad records.
 */
export class FakeUpstream {
  records: UpstreamRecord[] = [];
  readonly faults: Fault[] = [];
  /** Fails this fraction of requests (deterministic sequence) with 500 or 429. */
  stormRate = 0;
  requests = 0;
  /**
   * Serve `records` as a plain list (no cursor, no version): `limit` per page, `?page=n`, a `Link: rel="next"`
   * header while more follow — what a `snapshot` source walks.
   */
  plainList = false;
  private server: Server | undefined;
  private stormCounter = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    return `http://127.0.0.1:${address.port}/changes`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const url = new URL(req.url ?? '/', 'http://x');
    if (this.stormRate > 0) {
      this.stormCounter += 1;
      // A fixed, interleaved pattern: reproducible, and never more than a few failures in a row.
      if ((this.stormCounter * 7919) % 100 < this.stormRate * 100) {
        const throttle = this.stormCounter % 2 === 0;
        res.writeHead(throttle ? 429 : 500, throttle ? { 'retry-after': '0' } : {}).end('storm');
        return;
      }
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }).end();
      return;
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items": [{"id": "x", "vers');
      return;
    }
    if (fault?.kind === 'oversize') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"items": [${'"x",'.repeat(Math.ceil(fault.bytes / 4))}"x"]}`);
      return;
    }
    if (this.plainList) {
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const page = Number(url.searchParams.get('page') ?? '1');
      const items = this.records.slice((page - 1) * limit, page * limit);
      const next = page * limit < this.records.length ? { link: `<http://${req.headers.host}/changes?page=${page + 1}&limit=${limit}>; rel="next"` } : {};
      res.writeHead(200, { 'content-type': 'application/json', ...next }).end(JSON.stringify({ items }));
      return;
    }
    // ISO-8601, or epoch milliseconds for sources with an epoch-ms cursor.
    const sinceText = url.searchParams.get('since') ?? '1970-01-01T00:00:00Z';
    const since = /^-?\d+$/.test(sinceText) ? Number(sinceText) : Date.parse(sinceText);
    const limit = Number(url.searchParams.get('limit') ?? '100');
    const items =
      fault?.kind === 'page'
        ? fault.records
        : this.records
            .filter((r) => Date.parse(r.updated_at) > since)
            .sort((a, b) => Date.parse(a.updated_at) - Date.parse(b.updated_at) || String(a['id']).localeCompare(String(b['id'])))
            .slice(0, limit);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
  }
}

export function sourceYaml(id: string, url: string, extra = ''): string {
  return `
  - id: ${id}
    stream: things
    url: ${url}
    recordsPath: items
    cursor: { mode: field, field: updated_at, param: since, overlap: 2000 }
    page: { param: limit, size: 20 }
    pollIntervalMs: 50
    maxResponseBytes: 65536
${extra}`;
}
