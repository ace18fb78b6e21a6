// Recorded real API traffic, not hand-written fixtures: @octokit/fixtures holds GitHub REST exchanges recorded
// from the real API (Link pagination, ETags, rate-limit headers). A local server replays one scenario and the
// real ingestor — with the real Kafka and Redis — ingests it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, topicCatalog } from '@deltastream/contracts';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { eventually, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';

interface RecordedExchange {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string | string[]>;
  reqheaders: Record<string, string>;
}

const paginateIssues = require('@octokit/fixtures/scenarios/api.github.com/paginate-issues/normalized-fixture.json') as RecordedExchange[];

const logger = createLogger('recorded-api-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const RECORDED_ORIGIN = 'https://api.github.com';

/** Serves a recorded scenario on loopback: the recorded status, headers (links pointed here) and body; 304 for a matching If-None-Match. */
class ReplayServer {
  readonly hits = new Map<string, number>();
  notModified = 0;
  unauthorized = 0;
  private server: Server | undefined;
  origin = '';

  constructor(private readonly exchanges: readonly RecordedExchange[]) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const url = request.url ?? '/';
      const exchange = this.exchanges.find((e) => e.method.toUpperCase() === request.method && sameRequest(e.path, url));
      if (!exchange) {
        response.writeHead(404).end();
        return;
      }
      if (request.headers['authorization'] !== exchange.reqheaders['authorization']) {
        this.unauthorized += 1;
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
        return;
      }
      this.hits.set(exchange.path, (this.hits.get(exchange.path) ?? 0) + 1);
      const etag = exchange.headers['etag'];
      if (typeof etag === 'string' && request.headers['if-none-match'] === etag) {
        this.notModified += 1;
        response.writeHead(304, { etag }).end();
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(exchange.headers)
          .filter(([name]) => !['content-length', 'connection', 'status', 'transfer-encoding'].includes(name))
          .map(([name, value]) => [name, Array.isArray(value) ? value.map((v) => this.local(v)) : this.local(String(value))]),
      );
      response.writeHead(exchange.status, headers).end(JSON.stringify(exchange.response));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.origin = `http://127.0.0.1:${address.port}`;
    return this.origin;
  }

  /** A recorded header value with the recorded API's origin pointed at this server (Link URLs). */
  private local(value: string): string {
    return value.split(RECORDED_ORIGIN).join(this.origin);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Same path and the same query parameters, in any order. */
function sameRequest(recorded: string, actual: string): boolean {
  const a = new URL(recorded, 'http://x');
  const b = new URL(actual, 'http://x');
  if (a.pathname !== b.pathname) return false;
  const sorted = (u: URL) => [...u.searchParams].map(([k, v]) => `${k}=${v}`).sort().join('&');
  return sorted(a) === sorted(b);
}

let kafka: Kafka;
const running: RunningService[] = [];
const readers: TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>[] = [];
const servers: ReplayServer[] = [];

beforeAll(() => {
  kafka = createKafkaClient({ clientId: 'recorded-api-it', brokers, logger });
});

afterEach(async () => {
  for (const service of running.splice(0)) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  await Promise.all(readers.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('ingesting recorded GitHub API traffic (@octokit/fixtures)', () => {
  it('follows Link pagination to the end, ingests every issue exactly once, sends the token, and honours 304 on the last page', async () => {
    const replay = new ReplayServer(paginateIssues);
    servers.push(replay);
    const origin = await replay.start();
    const first = paginateIssues[0];
    if (!first) throw new Error('empty fixture');
    const issues = paginateIssues.flatMap((e) => e.response as { id: number; updated_at: string }[]);
    const namespace = `it-recorded-${randomUUID().slice(0, 8)}`;
    const sourceId = `gh-${randomUUID().slice(0, 6)}`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ds-recorded-')), 'deltastream.yaml');
    writeFileSync(
      file,
      `version: 1
sources:
  - id: ${sourceId}
    stream: issues
    url: ${origin}${new URL(first.path, 'http://x').pathname}
    recordsPath: ''
    entityIdField: id
    versionField: updated_at
    page: { param: per_page, size: 3 }
    cursor: { mode: link }
    pollIntervalMs: 100
    headers:
      authorization: { value: "${first.reqheaders['authorization']}" }
`,
    );
    const topics = topicCatalog({ namespace });
    const service = await startService('ingestor', { DELTASTREAM_CONFIG: file, TOPIC_NAMESPACE: namespace, LOG_LEVEL: 'info' });
    running.push(service);
    await waitForStatus(service, '/readyz', 200);
    const events = await new TopicReader(kafka, topics.events.name, ChangeEventSchema).start();
    const deadLetters = await new TopicReader(kafka, topics.deadLetter.name, DeadLetterSchema).start();
    readers.push(events, deadLetters);

    await eventually(() => events.records.length >= issues.length, 30_000, () => `${issues.length} issues (have ${events.records.length})`);
    // The last page has no next link: it is polled again, and the recorded ETag makes those polls 304s.
    await eventually(() => replay.notModified >= 2, 30_000, () => `304s on the last page (have ${replay.notModified})`);

    const ids = events.records.map((r) => r.message.entityId);
    expect(ids).toHaveLength(issues.length); // exactly once each: counted, not collected into a set
    expect([...ids].sort()).toEqual(issues.map((i) => String(i.id)).sort());
    expect([...replay.hits.keys()].sort()).toEqual(paginateIssues.map((e) => e.path).sort());
    expect(replay.unauthorized).toBe(0);
    expect(deadLetters.records).toHaveLength(0);
  });
});
