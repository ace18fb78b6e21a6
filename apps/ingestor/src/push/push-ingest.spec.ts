import { noopMetrics, signBody, type ChangeSink, type IngestedChange, type RejectedInput, type RejectSink, type ReplayGuard } from '@deltastream/ingest';
import { parseSuiteConfig, type SourceConfig } from '@deltastream/suite-config';
import { ingestPush } from './push-ingest';

const source: SourceConfig = (() => {
  const [parsed] = parseSuiteConfig(`
version: 1
sources:
  - id: hooks
    stream: things
    url: http://127.0.0.1:9/unused
    cursor: { mode: token, param: cursor }
    poll: false
    maxJsonDepth: 16
    push: { secret: { value: s3cret }, maxRecords: 3 }
`).sources;
  if (!parsed) throw new Error('no source');
  return parsed;
})();

class Sinks implements ChangeSink, RejectSink {
  readonly changes: IngestedChange[] = [];
  readonly rejects: RejectedInput[] = [];
  failPublish = false;
  async publish(changes: readonly IngestedChange[]): Promise<void> {
    if (this.failPublish) throw new Error('broker down');
    this.changes.push(...changes);
  }
  async reject(rejects: readonly RejectedInput[]): Promise<void> {
    this.rejects.push(...rejects);
  }
}

/** The in-process twin of the Redis replay guard. */
class MemoryReplays implements ReplayGuard {
  readonly claimed = new Set<string>();
  down = false;
  async claim(sourceId: string, signature: string): Promise<boolean> {
    if (this.down) throw new Error('redis down');
    const key = `${sourceId}/${signature}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
  async release(sourceId: string, signature: string): Promise<void> {
    this.claimed.delete(`${sourceId}/${signature}`);
  }
}

const NOW = Date.UTC(2026, 0, 1, 12);

function send(body: string, options: { sinks?: Sinks; replays?: MemoryReplays; timestamp?: number } = {}) {
  const timestamp = options.timestamp ?? Math.floor(NOW / 1000);
  const bytes = new TextEncoder().encode(body);
  return ingestPush({
    source,
    secret: 's3cret',
    body: bytes,
    timestampHeader: String(timestamp),
    signatureHeader: signBody('s3cret', timestamp, bytes),
    nowMs: NOW,
    changes: options.sinks ?? new Sinks(),
    rejects: options.sinks ?? new Sinks(),
    metrics: noopMetrics,
    replays: options.replays ?? new MemoryReplays(),
  });
}

describe('ingestPush', () => {
  it('accepts a signed request once and refuses the same request replayed (409), ingesting nothing more', async () => {
    const sinks = new Sinks();
    const replays = new MemoryReplays();
    const body = JSON.stringify([{ id: 'a', version: 1 }]);
    expect(await send(body, { sinks, replays })).toEqual({ status: 202, accepted: 1, rejected: 0 });
    expect(await send(body, { sinks, replays })).toMatchObject({ status: 409 });
    expect(sinks.changes).toHaveLength(1);
  });

  it('accepts the sender retrying a request that failed on our side (the claim is released)', async () => {
    const sinks = new Sinks();
    const replays = new MemoryReplays();
    const body = JSON.stringify({ id: 'a', version: 1 });
    sinks.failPublish = true;
    await expect(send(body, { sinks, replays })).rejects.toThrow('broker down');
    sinks.failPublish = false;
    expect(await send(body, { sinks, replays })).toMatchObject({ status: 202, accepted: 1 });
  });

  it('refuses more records than push.maxRecords (413) before ingesting or dead-lettering any', async () => {
    const sinks = new Sinks();
    const outcome = await send(JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ id: `e${i}` }))), { sinks });
    expect(outcome).toMatchObject({ status: 413, error: expect.stringMatching(/4 records in one request; at most 3/) });
    expect(sinks.changes).toHaveLength(0);
    expect(sinks.rejects).toHaveLength(0);
  });

  it('refuses a body nested deeper than maxJsonDepth (400) without parsing it, and a megabyte of "[[[" too', async () => {
    const sinks = new Sinks();
    expect(await send(`${'['.repeat(17)}${']'.repeat(17)}`, { sinks })).toMatchObject({ status: 400, error: expect.stringMatching(/deeper than 16/) });
    expect(await send('['.repeat(1 << 20), { sinks })).toMatchObject({ status: 400 });
    expect(sinks.rejects).toHaveLength(0);
  });

  it('refuses a timestamp far in the future (401), and answers 503 when replays cannot be checked', async () => {
    expect(await send('{"id":"a","version":1}', { timestamp: Math.floor(NOW / 1000) + 600 })).toMatchObject({ status: 401 });
    const replays = new MemoryReplays();
    replays.down = true;
    expect(await send('{"id":"a","version":1}', { replays })).toMatchObject({ status: 503 });
  });
});
