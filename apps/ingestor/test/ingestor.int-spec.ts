import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import { ChangeEventSchema, DeadLetterSchema, IngestKind, topicCatalog } from '@deltastream/contracts';
import { signBody } from '@deltastream/ingest';
import { createKafkaClient } from '@deltastream/kafka';
import { createLogger } from '@deltastream/observability';
import { createRedisClient } from '@deltastream/redis';
import { eventually, startService, TopicReader, waitForStatus, type RunningService } from '@deltastream/testing';
import { FakeUpstream, sourceYaml } from './fake-upstream';

const logger = createLogger('ingestor-it', 'warn');
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const LEASE_TTL_MS = 1500;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

let kafka: Kafka;
let redis: Redis;
const running: RunningService[] = [];
const readers: TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>[] = [];
const upstreams: FakeUpstream[] = [];
const watchers: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  kafka = createKafkaClient({ clientId: 'ingestor-it', brokers, logger });
  redis = createRedisClient(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', logger);
  await redis.connect();
});

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop().catch(() => undefined)));
  for (const service of running.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGCONT');
      service.child.kill('SIGKILL');
      await service.exited;
    }
  }
  await Promise.all(readers.splice(0).map((r) => r.stop()));
  await Promise.all(upstreams.splice(0).map((u) => u.stop()));
});

afterAll(async () => {
  redis.disconnect();
});

/** A fresh namespace (topics) and suite file per test, so tests never see each other's records. */
function scenario(sourcesYaml: string) {
  const namespace = `it-ingest-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'ds-ingest-'));
  const file = path.join(dir, 'deltastream.yaml');
  writeFileSync(file, `version: 1\nsources:\n${sourcesYaml}`);
  const topics = topicCatalog({ namespace });
  const start = async (replica: string, env: Record<string, string> = {}) => {
    const service = await startService('ingestor', { DELTASTREAM_CONFIG: file, TOPIC_NAMESPACE: namespace, INGESTOR_LEASE_TTL_MS: String(LEASE_TTL_MS), INGESTOR_REPLICA_ID: replica, LOG_LEVEL: 'info', ...env });
    running.push(service);
    await waitForStatus(service, '/readyz', 200);
    return service;
  };
  const read = async <S extends typeof ChangeEventSchema | typeof DeadLetterSchema>(topic: string, schema: S) => {
    const reader = await new TopicReader(kafka, topic, schema).start();
    readers.push(reader as TopicReader<typeof ChangeEventSchema | typeof DeadLetterSchema>);
    return reader;
  };
  return { namespace, topics, start, read };
}

async function upstream(): Promise<{ fake: FakeUpstream; url: string }> {
  const fake = new FakeUpstream();
  upstreams.push(fake);
  return { fake, url: await fake.start() };
}

const keysOf = (reader: TopicReader<typeof ChangeEventSchema>) => new Set(reader.records.map((r) => `${r.message.entityId}@${r.message.version}`));

/** Records produced more than once: every (entity, version) counted, not collected into a set. */
function duplicatesIn(reader: TopicReader<typeof ChangeEventSchema>, source?: string): number {
  const counts = new Map<string, number>();
  for (const r of reader.records) {
    if (source !== undefined && r.message.source !== source) continue;
    const key = `${r.message.entityId}@${r.message.version}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
}

async function cursorOf(namespace: string, sourceId: string): Promise<{ position: number; fence: number } | undefined> {
  const [position, fence] = await redis.hmget(`ds:${namespace}:ingest:{${sourceId}}:cursor`, 'position', 'fence');
  return position === null || position === undefined ? undefined : { position: Number(position), fence: Number(fence) };
}

/** Samples the stored cursor and fails if it ever moves backwards. */
function watchCursor(namespace: string, sourceId: string) {
  const samples: { position: number; fence: number; at: number }[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const cursor = await cursorOf(namespace, sourceId);
      if (cursor) samples.push({ ...cursor, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const watcher = {
    samples,
    async stop() {
      if (stopped) return;
      stopped = true;
      await done;
      for (let i = 1; i < samples.length; i += 1) {
        const [prev, next] = [samples[i - 1], samples[i]];
        if (prev && next && next.position < prev.position) throw new Error(`cursor moved backwards: ${prev.position} → ${next.position}`);
      }
    },
  };
  watchers.push(watcher);
  return watcher;
}

describe('ingestor against the real broker and Redis', () => {
  it('dead-letters every kind of bad input and keeps polling the good records', async () => {
    const { fake, url } = await upstream();
    const sourceId = `bad-${randomUUID().slice(0, 8)}`;
    fake.records = Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, version: 1, updated_at: at(1000 * (i + 1)) }));
    fake.faults.push(
      { kind: 'page', records: [{ id: 'first', version: 1, updated_at: at(200) }, { version: 1, updated_at: at(210) }, { id: 'nov', updated_at: at(220) }, { id: { a: 1 }, version: 1, updated_at: at(230) }, 'a string', { id: 'second', version: 2, updated_at: at(400) }] },
      { kind: 'malformed' },
      { kind: 'oversize', bytes: 100_000 },
    );
    const { topics, start, read } = scenario(sourceYaml(sourceId, url));
    const service = await start('solo');
    const events = await read(topics.events.name, ChangeEventSchema);
    const deadLetters = await read(topics.deadLetter.name, DeadLetterSchema);

    const expected = ['first@1', 'second@2', ...fake.records.map((r) => `${String(r['id'])}@1`)];
    await eventually(() => expected.every((k) => keysOf(events).has(k)), 30_000, () => `all good records (have ${[...keysOf(events)].join(',')})`);
    await eventually(() => deadLetters.records.length >= 6, 30_000, () => `6 dead letters (have ${deadLetters.records.length})`);

    const kinds = deadLetters.records.map((r) => r.message.errorKind).sort();
    expect(kinds).toEqual(['malformed_json', 'missing_id', 'missing_version', 'not_an_object', 'response_too_large', 'wrong_type']);
    for (const { message } of deadLetters.records) {
      expect(message).toMatchObject({ service: 'ingestor', source: sourceId, topic: `http:${sourceId}` });
      expect(message.reason.length).toBeGreaterThan(10);
    }
    const missingId = deadLetters.records.find((r) => r.message.errorKind === 'missing_id');
    expect(JSON.parse(Buffer.from(missingId?.message.original ?? new Uint8Array()).toString())).toEqual({ version: 1, updated_at: at(210) });
    expect(events.records.every((r) => r.message.source === sourceId && r.message.stream === 'things')).toBe(true);
    expect(service.child.exitCode).toBeNull();
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    for (const kind of ['missing_id', 'malformed_json', 'response_too_large']) {
      expect(metrics).toMatch(new RegExp(`deltastream_ingest_dead_letters_total\\{[^}]*kind="${kind}"[^}]*\\} 1`));
    }
    expect(metrics).toMatch(/deltastream_ingest_events_produced_total\{[^}]*\} 12/);
  });

  it('a source whose every record is refused stalls visibly and backs off: each bad record is dead-lettered once, not once per poll', async () => {
    const { fake, url } = await upstream();
    const sourceId = `stuck-${randomUUID().slice(0, 8)}`;
    // The commonest misconfiguration: the version is nested, the source names a top-level field.
    fake.records = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, properties: { rev: i + 1 }, updated_at: at(1000 * (i + 1)) }));
    const { topics, start, read } = scenario(sourceYaml(sourceId, url));
    const service = await start('solo', { INGESTOR_STALLED_MAX_BACKOFF_MS: '1000' });
    const deadLetters = await read(topics.deadLetter.name, DeadLetterSchema);
    const readyz = async () => (await (await fetch(`${service.url}/readyz`)).json()) as { status: string; details?: { stalled_sources?: Record<string, { reason: string }> } };

    await eventually(async () => (await readyz()).details?.stalled_sources?.[sourceId] !== undefined, 30_000, () => 'the source reported stalled in /readyz');
    const report = await readyz();
    expect(report.status).toBe('ready');
    expect(report.details?.stalled_sources?.[sourceId]?.reason).toMatch(/all 5 records refused, first: missing_version/);
    // A measurement window, not a sync point: without the backoff a 50 ms poll interval refetches ~60 times in 3 s.
    const requestsBefore = fake.requests;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fake.requests - requestsBefore).toBeLessThan(12);
    await eventually(() => deadLetters.records.length >= 5, 30_000, () => `5 dead letters (have ${deadLetters.records.length})`);
    expect(deadLetters.records).toHaveLength(5);
    expect(new Set(deadLetters.records.map((r) => r.message.errorKind))).toEqual(new Set(['missing_version']));
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`deltastream_ingest_source_stalled\\{[^}]*source="${sourceId}"[^}]*\\} 1`));
    expect(metrics).toMatch(new RegExp(`deltastream_ingest_dead_letters_suppressed_total\\{[^}]*source="${sourceId}"[^}]*\\} [1-9]`));

    // The upstream starts sending versions: the next poll gets past it and the source is no longer stalled.
    const events = await read(topics.events.name, ChangeEventSchema);
    fake.records = fake.records.map((r) => ({ ...r, version: 1 }));
    await eventually(() => keysOf(events).size >= 5, 30_000, () => `5 events (have ${keysOf(events).size})`);
    await eventually(async () => (await readyz()).details === undefined, 10_000, () => 'the stall cleared from /readyz');
  });

  it('reads identity, version and cursor from nested paths and composite ids (epoch-ms cursor, no initial)', async () => {
    const { fake, url } = await upstream();
    const sourceId = `nested-${randomUUID().slice(0, 8)}`;
    fake.records = Array.from({ length: 6 }, (_, i) => ({
      type: 'Feature',
      properties: { net: i % 2 ? 'us' : 'ak', code: `c${i}`, updated: Date.UTC(2026, 0, 1) + i * 1000 },
      updated_at: at(i * 1000),
    }));
    const yaml = `
  - id: ${sourceId}
    stream: quakes
    url: ${url}
    recordsPath: /items
    entityIdField: [properties.net, /properties/code]
    versionField: properties.updated
    cursor: { mode: field, field: properties.updated, param: since, format: epoch-ms }
    pollIntervalMs: 50
`;
    const { topics, start, read } = scenario(yaml);
    await start('solo');
    const events = await read(topics.events.name, ChangeEventSchema);
    await eventually(() => keysOf(events).size >= 6, 30_000, () => `6 events (have ${[...keysOf(events)].join(',')})`);
    expect([...keysOf(events)].sort()).toEqual(fake.records.map((r, i) => `${i % 2 ? 'us' : 'ak'}:c${i}@${Date.UTC(2026, 0, 1) + i * 1000}`).sort());
  });

  it('a snapshot source (a plain list, no cursor, no version) emits each entity once, then only changes and tombstones — across a kill -9 too', async () => {
    const { fake, url } = await upstream();
    fake.plainList = true;
    const sourceId = `list-${randomUUID().slice(0, 8)}`;
    const item = (id: number, name = `item ${id}`) => ({ id, name, updated_at: at(0) });
    fake.records = [1, 2, 3, 4, 5].map((id) => item(id));
    const yaml = `
  - id: ${sourceId}
    stream: things
    url: ${url}
    recordsPath: items
    snapshot: {}
    page: { param: limit, size: 2 }
    pollIntervalMs: 50
`;
    const { topics, start, read } = scenario(yaml);
    const first = await start('a');
    const events = await read(topics.events.name, ChangeEventSchema);
    const seen = () => events.records.map((r) => `${r.message.entityId}@${r.message.version}${r.message.deleted ? ' deleted' : ''}`);
    await eventually(() => events.records.length >= 5, 30_000, () => `5 events (have ${seen().join(', ')})`);

    fake.records = [item(1), item(2, 'renamed'), item(3), item(5), item(6)];
    await eventually(() => events.records.length >= 8, 30_000, () => `8 events (have ${seen().join(', ')})`);
    const tombstone = events.records.find((r) => r.message.deleted);
    expect(JSON.parse(tombstone?.message.recordJson === '' ? JSON.stringify(tombstone?.message.record ?? {}) : (tombstone?.message.recordJson ?? '{}'))).toEqual({ id: 4, $deleted: true });

    // kill -9 and a new replica: the stored hashes carry over, nothing is emitted again.
    first.child.kill('SIGKILL');
    await first.exited;
    await start('b');
    const requestsAfter = fake.requests;
    await eventually(() => fake.requests >= requestsAfter + 9, 30_000, () => 'three more walks of the list');
    fake.records = [item(1), item(2, 'renamed'), item(3), item(5), item(6, 'changed')];
    await eventually(() => events.records.length >= 9, 30_000, () => `9 events (have ${seen().join(', ')})`);
    const requestsAtEnd = fake.requests;
    await eventually(() => fake.requests >= requestsAtEnd + 6, 30_000, () => 'two more walks');
    expect(seen().sort()).toEqual(['1@1', '2@1', '2@2', '3@1', '4@1', '4@2 deleted', '5@1', '6@1', '6@2'].sort());
  });

  it('loses nothing through a 5xx/429 storm and a kill -9 restart', async () => {
    const { fake, url } = await upstream();
    const sourceId = `storm-${randomUUID().slice(0, 8)}`;
    fake.records = Array.from({ length: 200 }, (_, i) => ({ id: `e${i % 40}`, version: Math.floor(i / 40) + 1, updated_at: at(100 * (i + 1)) }));
    fake.stormRate = 0.4;
    const { namespace, topics, start, read } = scenario(sourceYaml(sourceId, url));
    const first = await start('storm-a');
    const events = await read(topics.events.name, ChangeEventSchema);
    const cursor = watchCursor(namespace, sourceId);

    await eventually(() => keysOf(events).size >= 60, 30_000, () => 'a third of the records before the crash');
    first.child.kill('SIGKILL');
    await first.exited;
    await start('storm-b');

    const expected = fake.records.map((r) => `${String(r['id'])}@${String(r['version'])}`);
    await eventually(() => expected.every((k) => keysOf(events).has(k)), 60_000, () => `all 200 records (have ${keysOf(events).size})`);
    await cursor.stop();
    expect((await cursorOf(namespace, sourceId))?.position).toBe(Date.parse(at(20_000)));
    expect(events.records.filter((r) => r.message.ingestKind === IngestKind.RECOVERY).length).toBeGreaterThan(0);
    // Errors rewind by the overlap, whose records the seen keys suppress; only the page in flight at the
    // kill (published, its cursor not yet committed) can be produced twice: at most one page (20).
    expect(duplicatesIn(events)).toBeLessThanOrEqual(20);
  });

  it('shares sources between two replicas; kill -9 of an owner hands its source over within the lease TTL, with no gap', async () => {
    const a = await upstream();
    const b = await upstream();
    const ids = [`two-a-${randomUUID().slice(0, 6)}`, `two-b-${randomUUID().slice(0, 6)}`];
    const { namespace, topics, start, read } = scenario(sourceYaml(ids[0] as string, a.url) + sourceYaml(ids[1] as string, b.url));
    let n = 0;
    const feed = setInterval(() => {
      n += 1;
      for (const { fake } of [a, b]) fake.records.push({ id: `e${n % 7}`, version: n, updated_at: at(10 * n) });
    }, 20);
    try {
      const replicas = { r1: await start('r1'), r2: await start('r2') };
      const events = await read(topics.events.name, ChangeEventSchema);
      const owners = async () => Promise.all(ids.map(async (id) => (await redis.get(`ds:${namespace}:ingest:{${id}}:lease`))?.split('|')[0]));
      let snapshot: (string | undefined)[] = [];
      await eventually(
        async () => {
          snapshot = await owners();
          return snapshot.every((owner) => owner === 'r1' || owner === 'r2') && new Set(snapshot).size === 2;
        },
        15_000,
        () => `each replica owning one source (owners: ${snapshot.join(',')})`,
      );
      const victimSource = ids[0] as string;
      const victim = snapshot[0] as 'r1' | 'r2';
      const survivor = victim === 'r1' ? 'r2' : 'r1';
      const cursor = watchCursor(namespace, victimSource);
      await eventually(() => events.records.some((r) => r.message.source === victimSource), 15_000);

      const killedAt = Date.now();
      replicas[victim].child.kill('SIGKILL');
      await eventually(async () => (await redis.get(`ds:${namespace}:ingest:{${victimSource}}:lease`))?.startsWith(`${survivor}|`) ?? false, 10_000, () => 'the survivor to take the lease');
      const takeoverMs = Date.now() - killedAt;
      // The dead owner's lease lives at most one TTL after its last renewal; the survivor looks every TTL/3.
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_TTL_MS + LEASE_TTL_MS / 3 + 500);

      await new Promise((resolve) => setTimeout(resolve, 500));
      clearInterval(feed);
      const expected = a.fake.records.map((r) => `${String(r['id'])}@${String(r['version'])}`);
      const ofVictim = () => new Set(events.records.filter((r) => r.message.source === victimSource).map((r) => `${r.message.entityId}@${r.message.version}`));
      await eventually(() => expected.every((k) => ofVictim().has(k)), 30_000, () => `every record of ${victimSource} (have ${ofVictim().size}/${expected.length})`);
      await cursor.stop();
      // A takeover re-fetches from the stored cursor: only the dead owner's page in flight can come twice.
      expect(duplicatesIn(events, victimSource)).toBeLessThanOrEqual(20);
      const fences = cursor.samples.map((s) => s.fence);
      expect(fences).toEqual([...fences].sort((x, y) => x - y));
    } finally {
      clearInterval(feed);
    }
  });

  it('a SIGSTOPped owner resumed after a takeover cannot move the cursor and produces at most the page it was producing (fencing)', async () => {
    const { fake, url } = await upstream();
    const sourceId = `stop-${randomUUID().slice(0, 8)}`;
    let n = 0;
    const feed = setInterval(() => {
      n += 1;
      fake.records.push({ id: `e${n % 5}`, version: n, updated_at: at(10 * n) });
    }, 20);
    try {
      const { namespace, topics, start, read } = scenario(sourceYaml(sourceId, url));
      const first = await start('p1');
      const events = await read(topics.events.name, ChangeEventSchema);
      await eventually(async () => (await cursorOf(namespace, sourceId)) !== undefined, 15_000, () => 'a first cursor write');
      const oldFence = (await cursorOf(namespace, sourceId))?.fence as number;
      const second = await start('p2');

      first.child.kill('SIGSTOP');
      await eventually(async () => ((await cursorOf(namespace, sourceId))?.fence ?? 0) > oldFence, 15_000, () => 'p2 to take over and commit');
      const takenAt = Date.now();
      const cursor = watchCursor(namespace, sourceId);
      first.child.kill('SIGCONT');
      await eventually(() => /lease renewal failed|lease lost/.test(first.output()), 10_000, () => 'the resumed owner to notice it lost the lease');
      await new Promise((resolve) => setTimeout(resolve, LEASE_TTL_MS));
      await cursor.stop();

      expect(cursor.samples.filter((s) => s.at >= takenAt).every((s) => s.fence > oldFence)).toBe(true);
      // The resumed replica re-checks its fence right before producing, so a page it fetched before the takeover
      // is never produced. What is left (docs/architecture.md): a SIGSTOP that lands after that check, while the
      // page is being produced, lets that one page through — duplicates bounded by one page (20 here), never
      // more; without the check every page the stale replica polled was produced (seen in fault runs: 126).
      expect(duplicatesIn(events)).toBeLessThanOrEqual(20);
      expect((await redis.get(`ds:${namespace}:ingest:{${sourceId}}:lease`))?.startsWith('p2|')).toBe(true);
      expect(second.child.exitCode).toBeNull();
    } finally {
      clearInterval(feed);
    }
  });

  it('accepts signed webhooks onto Kafka and refuses bad, old, replayed, malformed, deep and oversized ones', async () => {
    const sourceId = `push-${randomUUID().slice(0, 8)}`;
    const { fake, url } = await upstream();
    const extra = `    poll: false\n    maxJsonDepth: 32\n    push: { secret: { value: hook-secret }, maxBodyBytes: 262144, maxRecords: 100 }\n`;
    const { topics, start, read } = scenario(sourceYaml(sourceId, url, extra));
    const service = await start('hooks');
    const events = await read(topics.events.name, ChangeEventSchema);
    const signed = (body: string, options: { secret?: string; ageSeconds?: number } = {}) => {
      const ts = Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
      return { 'content-type': 'application/json', 'x-deltastream-timestamp': String(ts), 'x-deltastream-signature': signBody(options.secret ?? 'hook-secret', ts, body) };
    };
    const send = (body: string, headers: Record<string, string>) => fetch(`${service.url}/v1/sources/${sourceId}/events`, { method: 'POST', headers, body });
    const post = (body: string, options: { secret?: string; ageSeconds?: number } = {}) => send(body, signed(body, options));

    const goodBody = JSON.stringify([{ id: 'w1', version: 3, updated_at: at(1) }, { id: 'w2', version: 1, updated_at: at(2) }]);
    const goodHeaders = signed(goodBody);
    const good = await send(goodBody, goodHeaders);
    expect(good.status).toBe(202);
    expect(await good.json()).toEqual({ accepted: 2, rejected: 0 });
    // The very same signed request again (a replay inside the timestamp window): refused, nothing ingested.
    const replayed = await send(goodBody, goodHeaders);
    expect(replayed.status).toBe(409);
    await eventually(() => keysOf(events).has('w1@3') && keysOf(events).has('w2@1'), 15_000, () => 'the pushed records on Kafka');
    expect(events.records.every((r) => r.message.ingestKind === IngestKind.PUSH)).toBe(true);

    expect((await post('{"id":"x","version":1}', { secret: 'wrong' })).status).toBe(401);
    expect((await post('{"id":"x","version":1}', { ageSeconds: 301 })).status).toBe(401);
    expect((await post('{"id": "x", "vers')).status).toBe(400);
    expect((await post(JSON.stringify({ id: 'big', version: 1, blob: 'x'.repeat(300_000) }))).status).toBe(413);
    // Many small elements: refused whole before anything is parsed into records or dead-lettered.
    const many = await post(JSON.stringify(Array.from({ length: 5000 }, () => 1)));
    expect(many.status).toBe(413);
    expect((await many.json()).error).toMatch(/5000 records in one request; at most 100/);
    const deep = await post('['.repeat(200_000));
    expect(deep.status).toBe(400);
    expect((await deep.json()).error).toMatch(/deeper than 32/);
    const unsigned = await fetch(`${service.url}/v1/sources/${sourceId}/events`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect((await fetch(`${service.url}/v1/sources/nope/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(fake.requests).toBe(0);
    expect(keysOf(events).has('x@1')).toBe(false);
    expect(events.records.filter((r) => r.message.entityId === 'w1')).toHaveLength(1);
    expect(service.child.exitCode).toBeNull();
  });
});
